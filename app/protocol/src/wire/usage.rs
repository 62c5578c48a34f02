//! Usage reports, and the seed API's `GET /api/v1/usage` shape.

use serde::{Deserialize, Serialize};

/// Token and cost totals of a usage report. `cost` is in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageTotals {
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub cost: f64,
}

/// One group of a usage report: a model, chatbot id, key id (`widget` for visitors' chats) or
/// day (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageGroup {
    pub key: String,
    pub usage: UsageTotals,
}

/// `GET /api/v2/usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    pub object: String,
    pub start_date: String,
    pub end_date: String,
    pub group_by: String,
    pub totals: UsageTotals,
    pub groups: Vec<UsageGroup>,
}

/// `GET /api/v1/usage`, in the shape of the seed's API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageV1 {
    pub success: bool,
    pub usage: UsageV1Totals,
    pub by_model: Vec<UsageV1Model>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageV1Totals {
    pub total_requests: i64,
    pub total_input_tokens: i64,
    pub total_output_tokens: i64,
    pub total_tokens: i64,
    pub total_cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageV1Model {
    pub model: String,
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub cost: f64,
}
