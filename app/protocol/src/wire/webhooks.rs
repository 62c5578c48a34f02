//! Webhook endpoints, their deliveries, attempts and replays, and the event catalogue.

use serde::{Deserialize, Serialize};

/// `POST /api/v2/webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where deliveries are POSTed; must reach the public Internet.
    pub url: String,
    /// Event names (Parlor's or the classic ones); empty or `["*"]` for every event.
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `parlor` (the default: `message.received`, …) or `classic` (`new_message`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `PATCH /api/v2/webhooks/{id}`: every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming: Option<String>,
    /// `true` re-enables an endpoint that was disabled, clearing the failure streak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A webhook endpoint. `secret` is present only in the responses that create or rotate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: String,
    pub object: String,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub naming: String,
    pub enabled: bool,
    /// Why the endpoint was disabled, when it was.
    pub disabled_reason: Option<String>,
    /// Consecutive failed delivery attempts.
    pub failure_streak: i64,
    /// Until when the previous secret still signs, during a rotation.
    pub previous_secret_expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `POST /api/v2/webhooks/{id}/rotate-secret`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotateWebhookSecret {
    /// How long the previous secret keeps signing: 0 ends it now; the default is a day.
    #[serde(default)]
    pub overlap_seconds: Option<i64>,
}

/// One delivery of an event to an endpoint; `id` is the `webhook-id` of every attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: String,
    pub object: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event: String,
    /// `pending`, `succeeded` or `failed` (no attempts left, or the receiver answered 410).
    pub status: String,
    pub attempt_count: i64,
    pub next_attempt_at: Option<String>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// One attempt of a delivery, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    pub attempt: i64,
    pub started_at: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    /// The first kilobyte of the receiver's answer.
    pub response_snippet: Option<String>,
}

/// `GET /api/v2/webhooks/{id}/deliveries/{delivery_id}`: a delivery, its payload and attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryDetail {
    #[serde(flatten)]
    pub delivery: WebhookDelivery,
    pub payload: serde_json::Value,
    pub attempts: Vec<WebhookAttempt>,
}

/// `POST /api/v2/webhooks/{id}/replay`: queue again every event of a time range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplayWebhook {
    /// RFC 3339.
    pub since: String,
    /// RFC 3339; now when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// What a replay queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayResult {
    pub object: String,
    pub queued: u64,
}

/// `GET /api/v2/webhooks/events`: one event type, with an example payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEventType {
    pub name: String,
    pub classic_name: Option<String>,
    pub description: String,
    pub example: serde_json::Value,
}
