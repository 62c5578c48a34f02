//! `/api/v2/webhooks`: endpoints, secret rotation, test events, the delivery log, redelivery
//! and replay; and `/api/v2/webhooks/events`, the list of events.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_protocol::wire;
use serde::Deserialize;

use super::chatbots::ListParams;
use super::extract::{AppJson, AppPath, AppQuery, Authenticated, optional_json};
use crate::error::Error;
use crate::ids::{now_ms, parse_rfc3339};
use crate::keys::Scope;
use crate::state::AppState;
use crate::web::present::{delivery_detail_json, delivery_json, event_catalogue, webhook_json};
use crate::webhooks::{EndpointPatch, NewEndpoint};

const DEFAULT_OVERLAP_SECS: i64 = 24 * 3600;

/// List webhook events
///
/// Every event an endpoint can subscribe to, with its classic name (for endpoints with
/// `"naming": "classic"`), what it means and an example payload as delivered. Needs the
/// `webhooks:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/webhooks/events",
    tag = "Webhooks",
    responses((status = 200, description = "Every event type.", body = Vec<wire::WebhookEventType>)),
)]
pub async fn list_webhook_events(
    Authenticated(caller): Authenticated,
) -> Result<Json<Vec<wire::WebhookEventType>>, Error> {
    caller.require(Scope::WebhooksRead)?;
    Ok(Json(event_catalogue()))
}

/// Create a webhook endpoint
///
/// Registers a URL to which Parlor POSTs the events it subscribes to (all of them when `events`
/// is empty or `["*"]`), signed with the Standard Webhooks headers (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`) and `X-Parlor-Signature`. The signing `secret`
/// (`whsec_...`) is shown in this response only. The URL must reach the public Internet.
/// Needs the `webhooks:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/webhooks",
    tag = "Webhooks",
    request_body(
        content = wire::CreateWebhook,
        example = json!({
            "url": "https://hooks.example.com/parlor",
            "events": ["conversation.started", "lead.submitted"],
            "description": "CRM sync"
        })
    ),
    responses((status = 201, description = "The new endpoint, with its secret shown this once.", body = wire::Webhook)),
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppJson(body): AppJson<wire::CreateWebhook>,
) -> Result<(StatusCode, Json<wire::Webhook>), Error> {
    caller.require(Scope::WebhooksWrite)?;
    let new = NewEndpoint {
        url: body.url,
        events: body.events,
        description: body.description,
        naming: body.naming,
        enabled: body.enabled,
    };
    let (endpoint, secret) = state.webhooks.create(&caller.workspace_id, new).await?;
    tracing::info!(endpoint_id = %endpoint.id, workspace_id = %caller.workspace_id, "webhook endpoint created");
    Ok((StatusCode::CREATED, Json(webhook_json(&endpoint, Some(secret)))))
}

/// List webhook endpoints
///
/// The workspace's endpoints, newest first, a page at a time (never their secrets). Needs the
/// `webhooks:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/webhooks",
    tag = "Webhooks",
    params(ListParams),
    responses((status = 200, description = "A page of endpoints.", body = wire::Page<wire::Webhook>)),
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Json<wire::Page<wire::Webhook>>, Error> {
    caller.require(Scope::WebhooksRead)?;
    let (items, next) = state.webhooks.list(&caller.workspace_id, params.limit()?, params.cursor()).await?;
    Ok(Json(wire::Page::new(items.iter().map(|e| webhook_json(e, None)).collect(), next)))
}

/// Get a webhook endpoint
///
/// The endpoint with its subscriptions and health (`enabled`, `failure_streak`). Needs the
/// `webhooks:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/webhooks/{id}",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D")),
    responses((status = 200, description = "The endpoint.", body = wire::Webhook)),
)]
pub async fn get_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Webhook>, Error> {
    caller.require(Scope::WebhooksRead)?;
    let endpoint = state.webhooks.get(&caller.workspace_id, &id).await?;
    Ok(Json(webhook_json(&endpoint, None)))
}

/// Update a webhook endpoint
///
/// Changes the fields the body names. `"enabled": true` re-enables an endpoint that was disabled
/// after failing too often and clears its failure streak. Needs the `webhooks:write` scope.
#[utoipa::path(
    patch,
    path = "/api/v2/webhooks/{id}",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D")),
    request_body(
        content = wire::UpdateWebhook,
        example = json!({"events": ["*"], "enabled": true})
    ),
    responses((status = 200, description = "The endpoint after the change.", body = wire::Webhook)),
)]
pub async fn update_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::UpdateWebhook>,
) -> Result<Json<wire::Webhook>, Error> {
    caller.require(Scope::WebhooksWrite)?;
    let patch = EndpointPatch {
        url: body.url,
        events: body.events,
        description: body.description,
        naming: body.naming,
        enabled: body.enabled,
    };
    let endpoint = state.webhooks.update(&caller.workspace_id, &id, patch).await?;
    Ok(Json(webhook_json(&endpoint, None)))
}

/// Delete a webhook endpoint
///
/// Deletes the endpoint; deliveries still pending are not sent. Needs the `webhooks:write` scope.
#[utoipa::path(
    delete,
    path = "/api/v2/webhooks/{id}",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D")),
    responses((status = 204, description = "The endpoint is deleted.")),
)]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, Error> {
    caller.require(Scope::WebhooksWrite)?;
    state.webhooks.delete(&caller.workspace_id, &id).await?;
    tracing::info!(endpoint_id = %id, workspace_id = %caller.workspace_id, "webhook endpoint deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Rotate a webhook secret
///
/// Makes a new signing secret, shown in this response only. During the overlap
/// (`overlap_seconds`, a day by default, 0 ends it now) deliveries carry signatures under both
/// secrets, so that the receiver can switch without refusing any. The body is optional. Needs
/// the `webhooks:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/webhooks/{id}/rotate-secret",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D")),
    request_body(content = Option<wire::RotateWebhookSecret>, example = json!({"overlap_seconds": 3600})),
    responses((status = 200, description = "The endpoint with its new secret, shown this once.", body = wire::Webhook)),
)]
pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    body: Bytes,
) -> Result<Json<wire::Webhook>, Error> {
    caller.require(Scope::WebhooksWrite)?;
    let options: wire::RotateWebhookSecret = optional_json(&body)?;
    let overlap = options.overlap_seconds.unwrap_or(DEFAULT_OVERLAP_SECS);
    let (endpoint, secret) = state.webhooks.rotate_secret(&caller.workspace_id, &id, overlap).await?;
    tracing::info!(endpoint_id = %id, overlap_secs = overlap, "webhook secret rotated");
    Ok(Json(webhook_json(&endpoint, Some(secret))))
}

/// Send a test event
///
/// Queues a `ping` event to this endpoint (only), to check that the receiver answers and
/// verifies signatures; follow it in the delivery log. Needs the `webhooks:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/webhooks/{id}/test",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D")),
    responses((status = 202, description = "The queued delivery.", body = wire::WebhookDelivery)),
)]
pub async fn send_test_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<(StatusCode, Json<wire::WebhookDelivery>), Error> {
    caller.require(Scope::WebhooksWrite)?;
    let delivery_id = state.webhooks.send_test(&caller.workspace_id, &id).await?;
    let (_, delivery, _) = state.webhooks.delivery(&caller.workspace_id, &id, &delivery_id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_json(&delivery))))
}

/// `limit`, `cursor` and an optional `status` (pending, succeeded, failed).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// How many deliveries a page holds: 1 to 100, 20 by default.
    #[param(minimum = 1, maximum = 100, example = 20)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    cursor: Option<String>,
    /// Only deliveries with this status: `pending`, `succeeded` or `failed`.
    #[param(example = "failed")]
    status: Option<String>,
}

/// List deliveries
///
/// The endpoint's delivery log, newest first, a page at a time, optionally only the deliveries
/// with one status. Needs the `webhooks:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/webhooks/{id}/deliveries",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D"), DeliveryParams),
    responses((status = 200, description = "A page of deliveries.", body = wire::Page<wire::WebhookDelivery>)),
)]
pub async fn list_webhook_deliveries(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<DeliveryParams>,
) -> Result<Json<wire::Page<wire::WebhookDelivery>>, Error> {
    caller.require(Scope::WebhooksRead)?;
    let list = ListParams::new(params.limit, params.cursor);
    let status = params.status.as_deref().filter(|s| !s.is_empty());
    let (items, next) =
        state.webhooks.deliveries(&caller.workspace_id, &id, status, list.limit()?, list.cursor()).await?;
    Ok(Json(wire::Page::new(items.iter().map(delivery_json).collect(), next)))
}

/// Get a delivery
///
/// The delivery with the payload as its endpoint receives it and every attempt: when, the
/// receiver's status code or the error, the latency and the start of the receiver's answer.
/// Needs the `webhooks:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/webhooks/{id}/deliveries/{delivery_id}",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D"), ("delivery_id" = String, Path, description = "The delivery's id (its `webhook-id` header).", example = "msg_2Lm4Np6Qr8St0Uv2Wx4Yz")),
    responses((status = 200, description = "The delivery, its payload and its attempts.", body = wire::WebhookDeliveryDetail)),
)]
pub async fn get_webhook_delivery(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath((id, delivery_id)): AppPath<(String, String)>,
) -> Result<Json<wire::WebhookDeliveryDetail>, Error> {
    caller.require(Scope::WebhooksRead)?;
    let (endpoint, delivery, attempts) = state.webhooks.delivery(&caller.workspace_id, &id, &delivery_id).await?;
    Ok(Json(delivery_detail_json(&endpoint, &delivery, &attempts)))
}

/// Redeliver
///
/// Sends the delivery again now, whatever its status, with the same `webhook-id` so that the
/// receiver can recognise a duplicate. Needs the `webhooks:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D"), ("delivery_id" = String, Path, description = "The delivery's id (its `webhook-id` header).", example = "msg_2Lm4Np6Qr8St0Uv2Wx4Yz")),
    responses((status = 202, description = "The delivery, queued again.", body = wire::WebhookDelivery)),
)]
pub async fn redeliver_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath((id, delivery_id)): AppPath<(String, String)>,
) -> Result<(StatusCode, Json<wire::WebhookDelivery>), Error> {
    caller.require(Scope::WebhooksWrite)?;
    state.webhooks.redeliver(&caller.workspace_id, &id, &delivery_id).await?;
    let (_, delivery, _) = state.webhooks.delivery(&caller.workspace_id, &id, &delivery_id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_json(&delivery))))
}

/// Replay events
///
/// Queues again, for this endpoint, every event it subscribes to that happened between `since`
/// and `until` (now by default): for a receiver that was down or lost data. Needs the
/// `webhooks:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/webhooks/{id}/replay",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id.", example = "whk_8Nb6Vc4Xz2Lk9Jh7Gf5D")),
    request_body(
        content = wire::ReplayWebhook,
        example = json!({"since": "2026-04-12T00:00:00Z", "until": "2026-04-13T00:00:00Z"})
    ),
    responses((status = 202, description = "How many deliveries were queued.", body = wire::ReplayResult)),
)]
pub async fn replay_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::ReplayWebhook>,
) -> Result<(StatusCode, Json<wire::ReplayResult>), Error> {
    caller.require(Scope::WebhooksWrite)?;
    let since = parse_rfc3339(&body.since, "since")?;
    let until = match &body.until {
        Some(text) => parse_rfc3339(text, "until")?,
        None => now_ms(),
    };
    let queued = state.webhooks.replay(&caller.workspace_id, &id, since, until).await?;
    Ok((StatusCode::ACCEPTED, Json(wire::ReplayResult { object: "replay".into(), queued })))
}
