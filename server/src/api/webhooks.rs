//! `/api/v2/webhooks`: endpoints, secret rotation, test events, the delivery log, redelivery
//! and replay; and `/api/v2/webhooks/events`, the list of events.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_app::wire;
use serde::Deserialize;

use super::chatbots::ListParams;
use super::extract::{AppJson, AppPath, AppQuery, Authenticated, optional_json};
use crate::error::Error;
use crate::ids::{now_ms, parse_rfc3339, rfc3339};
use crate::keys::Scope;
use crate::state::AppState;
use crate::webhooks::{Attempt, Delivery, Endpoint, EndpointPatch, NewEndpoint, events};

const DEFAULT_OVERLAP_SECS: i64 = 24 * 3600;

/// An endpoint as the API and the portal show it; `secret` only when it was just made.
pub(crate) fn webhook_json(endpoint: &Endpoint, secret: Option<String>) -> wire::Webhook {
    wire::Webhook {
        id: endpoint.id.clone(),
        object: "webhook_endpoint".into(),
        url: endpoint.url.clone(),
        description: endpoint.description.clone(),
        events: endpoint.event_list(),
        naming: endpoint.naming.clone(),
        enabled: endpoint.is_enabled(),
        disabled_reason: endpoint.disabled_reason.clone(),
        failure_streak: endpoint.failure_streak,
        previous_secret_expires_at: endpoint.previous_secret_expires_at.filter(|at| *at > now_ms()).map(rfc3339),
        created_at: rfc3339(endpoint.created_at),
        updated_at: rfc3339(endpoint.updated_at),
        secret,
    }
}

pub(crate) fn delivery_json(delivery: &Delivery) -> wire::WebhookDelivery {
    wire::WebhookDelivery {
        id: delivery.id.clone(),
        object: "webhook_delivery".into(),
        endpoint_id: delivery.endpoint_id.clone(),
        event_id: delivery.event_id.clone(),
        event: delivery.event_type.clone(),
        status: delivery.status.clone(),
        attempt_count: delivery.attempts,
        next_attempt_at: delivery.next_attempt_at.filter(|_| delivery.status == "pending").map(rfc3339),
        last_status_code: delivery.last_status_code,
        last_error: delivery.last_error.clone(),
        created_at: rfc3339(delivery.created_at),
        delivered_at: delivery.delivered_at.map(rfc3339),
    }
}

fn attempt_json(attempt: &Attempt) -> wire::WebhookAttempt {
    wire::WebhookAttempt {
        attempt: attempt.attempt,
        started_at: rfc3339(attempt.started_at),
        status_code: attempt.status_code,
        error: attempt.error.clone(),
        latency_ms: attempt.latency_ms,
        response_snippet: attempt.response_snippet.clone(),
    }
}

/// `GET /api/v2/webhooks/events`: every event with its classic name and an example payload.
pub async fn list_webhook_events(
    Authenticated(caller): Authenticated,
) -> Result<Json<Vec<wire::WebhookEventType>>, Error> {
    caller.require(Scope::WebhooksRead)?;
    Ok(Json(event_catalogue()))
}

/// Every event with its classic name and an example payload, for the API and the portal.
pub(crate) fn event_catalogue() -> Vec<wire::WebhookEventType> {
    events::EVENTS
        .iter()
        .map(|kind| wire::WebhookEventType {
            name: kind.name.into(),
            classic_name: kind.classic.map(Into::into),
            description: kind.description.into(),
            example: events::body(kind.name, "2026-04-12T14:30:00Z", &events::example_data(kind.name), false),
        })
        .collect()
}

/// `POST /api/v2/webhooks`: registers an endpoint and shows its secret, once.
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

/// `GET /api/v2/webhooks`.
pub async fn list_webhooks(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Json<wire::Page<wire::Webhook>>, Error> {
    caller.require(Scope::WebhooksRead)?;
    let (items, next) = state.webhooks.list(&caller.workspace_id, params.limit()?, params.cursor()).await?;
    Ok(Json(wire::Page {
        object: "list".into(),
        data: items.iter().map(|e| webhook_json(e, None)).collect(),
        has_more: next.is_some(),
        next_cursor: next,
    }))
}

/// `GET /api/v2/webhooks/{id}`.
pub async fn get_webhook(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Webhook>, Error> {
    caller.require(Scope::WebhooksRead)?;
    let endpoint = state.webhooks.get(&caller.workspace_id, &id).await?;
    Ok(Json(webhook_json(&endpoint, None)))
}

/// `PATCH /api/v2/webhooks/{id}`.
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

/// `DELETE /api/v2/webhooks/{id}`.
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

/// `POST /api/v2/webhooks/{id}/rotate-secret`: a new secret, shown once; the previous one
/// keeps signing for `overlap_seconds` (a day by default).
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

/// `POST /api/v2/webhooks/{id}/test`: queues a `ping` to this endpoint; 202 with the delivery.
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryParams {
    limit: Option<u32>,
    cursor: Option<String>,
    status: Option<String>,
}

/// `GET /api/v2/webhooks/{id}/deliveries`: the delivery log, newest first.
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
    Ok(Json(wire::Page {
        object: "list".into(),
        data: items.iter().map(delivery_json).collect(),
        has_more: next.is_some(),
        next_cursor: next,
    }))
}

/// `GET /api/v2/webhooks/{id}/deliveries/{delivery_id}`: the delivery, its payload and attempts.
pub async fn get_webhook_delivery(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath((id, delivery_id)): AppPath<(String, String)>,
) -> Result<Json<wire::WebhookDeliveryDetail>, Error> {
    caller.require(Scope::WebhooksRead)?;
    let (endpoint, delivery, attempts) = state.webhooks.delivery(&caller.workspace_id, &id, &delivery_id).await?;
    Ok(Json(delivery_detail_json(&endpoint, &delivery, &attempts)))
}

/// A delivery with the payload as its endpoint receives it and every attempt.
pub(crate) fn delivery_detail_json(
    endpoint: &Endpoint,
    delivery: &Delivery,
    attempts: &[Attempt],
) -> wire::WebhookDeliveryDetail {
    let data: serde_json::Value = serde_json::from_str(&delivery.data).unwrap_or_default();
    let payload =
        events::body(&delivery.event_type, &rfc3339(delivery.event_created_at), &data, endpoint.naming == "classic");
    wire::WebhookDeliveryDetail {
        delivery: delivery_json(delivery),
        payload,
        attempts: attempts.iter().map(attempt_json).collect(),
    }
}

/// `POST /api/v2/webhooks/{id}/deliveries/{delivery_id}/redeliver`: sends it again now.
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

/// `POST /api/v2/webhooks/{id}/replay`: queues again the events of a time range.
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
