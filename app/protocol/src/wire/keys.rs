//! API keys and the scopes they can hold.

use serde::{Deserialize, Serialize};

/// Every scope an API key can hold, in the order the portal lists them.
pub const API_SCOPES: [&str; 14] = [
    "chatbots:read",
    "chatbots:write",
    "chat:write",
    "conversations:read",
    "conversations:write",
    "knowledge:read",
    "knowledge:write",
    "leads:read",
    "contacts:read",
    "contacts:write",
    "webhooks:read",
    "webhooks:write",
    "usage:read",
    "keys:write",
];

/// `POST /api/v2/keys`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
    /// `secret` (the default) or `publishable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// RFC 3339; the key stops working then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// `POST /api/v2/keys/{id}/roll`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RollApiKey {
    /// How long the old key keeps working: 0 ends it now; the default is 86,400 (a day).
    #[serde(default)]
    pub expires_in_seconds: Option<i64>,
}

/// An API key as listed. `secret` is present only in the response that created the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub object: String,
    pub name: String,
    pub kind: String,
    pub prefix: String,
    pub last_four: String,
    pub scopes: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}
