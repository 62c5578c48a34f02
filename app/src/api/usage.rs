//! The "Usage" page's server function: chat requests and tokens per day, and where each key
//! stands against its plan's limits.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;

/// The workspace's usage over the last `days` days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageOverview {
    pub plan: String,
    /// One entry per day, oldest first, days without use included.
    pub days: Vec<DayUsage>,
    pub total_requests: i64,
    pub total_tokens: i64,
    /// US dollars.
    pub total_cost: f64,
    pub keys: Vec<KeyStanding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayUsage {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub requests: i64,
    pub tokens: i64,
}

/// A key's chat requests in the period and its rate-limit standing now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyStanding {
    pub key_id: String,
    pub name: String,
    /// `sk_…abcd`.
    pub label: String,
    pub requests: i64,
    /// Requests per minute the plan allows, and how many are left this moment.
    pub limit_per_minute: u64,
    pub remaining: u64,
    /// API requests counted today, and the daily cap (`None`: no cap).
    pub used_today: u64,
    pub daily_cap: Option<u64>,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait UsageBackend: Send + Sync + 'static {
    async fn overview(&self, req: &RequestInfo, days: u32) -> Result<UsageOverview, PortalError>;
}

#[server(prefix = "/portal/fn", endpoint = "usage")]
pub async fn get_usage(days: u32) -> Result<UsageOverview, PortalError> {
    super::respond(
        async move {
            let (service, req) = super::backend::<dyn UsageBackend>()?;
            service.overview(&req, days).await
        }
        .await,
    )
}
