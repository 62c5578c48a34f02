//! The "Webhooks" pages' server functions: endpoints (created with their `whsec_…` secret shown
//! once, changed, deleted, their secret rotated with an overlap), test events, the delivery log
//! with each attempt, redelivery, replay of a time range, and the catalogue of events. They share
//! the REST API's JSON shapes from [`parlor_protocol::wire`].

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;
use parlor_protocol::wire::{self, Page, ReplayResult, Webhook, WebhookDelivery, WebhookEventType};

/// One delivery of the log: the delivery, the payload as its endpoint receives it, and every
/// attempt. Unlike the API's `wire::WebhookDeliveryDetail`, the delivery is nested, so its attempt
/// count and the list of attempts do not share the `attempts` key.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeliveryLogEntry {
    pub delivery: WebhookDelivery,
    pub payload: serde_json::Value,
    pub attempts: Vec<parlor_protocol::wire::WebhookAttempt>,
}

/// How many deliveries one page of the delivery log shows.
pub const DELIVERY_PAGE: u32 = 25;

/// The server's implementation of this area, always for the signed-in person's workspace.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait WebhooksBackend: Send + Sync + 'static {
    async fn list(&self, req: &RequestInfo) -> Result<Vec<Webhook>, PortalError>;
    async fn get(&self, req: &RequestInfo, id: String) -> Result<Webhook, PortalError>;
    /// The answer carries the secret, which is never shown again.
    async fn create(&self, req: &RequestInfo, endpoint: wire::CreateWebhook) -> Result<Webhook, PortalError>;
    async fn update(&self, req: &RequestInfo, id: String, patch: wire::UpdateWebhook) -> Result<Webhook, PortalError>;
    async fn delete(&self, req: &RequestInfo, id: String) -> Result<(), PortalError>;
    /// The answer carries the new secret; the previous one keeps signing for `overlap_seconds`.
    async fn rotate_secret(&self, req: &RequestInfo, id: String, overlap_seconds: i64) -> Result<Webhook, PortalError>;
    async fn send_test(&self, req: &RequestInfo, id: String) -> Result<WebhookDelivery, PortalError>;
    /// The delivery log, newest first, each delivery with its payload and attempts.
    async fn deliveries(
        &self,
        req: &RequestInfo,
        id: String,
        status: Option<String>,
        cursor: Option<String>,
    ) -> Result<Page<DeliveryLogEntry>, PortalError>;
    async fn redeliver(
        &self,
        req: &RequestInfo,
        id: String,
        delivery_id: String,
    ) -> Result<WebhookDelivery, PortalError>;
    /// `since` and `until` are RFC 3339; `until` is now when absent.
    async fn replay(
        &self,
        req: &RequestInfo,
        id: String,
        since: String,
        until: Option<String>,
    ) -> Result<ReplayResult, PortalError>;
    async fn events(&self, req: &RequestInfo) -> Result<Vec<WebhookEventType>, PortalError>;
}

#[cfg(feature = "ssr")]
fn webhooks() -> Result<(std::sync::Arc<dyn WebhooksBackend>, RequestInfo), PortalError> {
    super::backend::<dyn WebhooksBackend>()
}

#[server(prefix = "/portal/fn", endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<Vec<Webhook>, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.list(&req).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "get_webhook")]
pub async fn get_webhook(id: String) -> Result<Webhook, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.get(&req, id).await
        }
        .await,
    )
}

/// Registers an endpoint; the answer carries its secret, which is never shown again.
#[server(prefix = "/portal/fn", endpoint = "create_webhook", input = Json)]
pub async fn create_webhook(endpoint: wire::CreateWebhook) -> Result<Webhook, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.create(&req, endpoint).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "update_webhook", input = Json)]
pub async fn update_webhook(id: String, patch: wire::UpdateWebhook) -> Result<Webhook, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.update(&req, id, patch).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "delete_webhook")]
pub async fn delete_webhook(id: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.delete(&req, id).await
        }
        .await,
    )
}

/// A new secret, shown once; the previous one keeps signing for `overlap_seconds`.
#[server(prefix = "/portal/fn", endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(id: String, overlap_seconds: i64) -> Result<Webhook, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.rotate_secret(&req, id, overlap_seconds).await
        }
        .await,
    )
}

/// Queues a `ping` to the endpoint; the answer is its (pending) delivery.
#[server(prefix = "/portal/fn", endpoint = "send_test_webhook")]
pub async fn send_test_webhook(id: String) -> Result<WebhookDelivery, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.send_test(&req, id).await
        }
        .await,
    )
}

/// One page of an endpoint's delivery log, newest first; `status` is empty for every status.
#[server(prefix = "/portal/fn", endpoint = "webhook_deliveries")]
pub async fn webhook_deliveries(
    id: String,
    status: String,
    cursor: Option<String>,
) -> Result<Page<DeliveryLogEntry>, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            let status = Some(status).filter(|s| !s.is_empty());
            service.deliveries(&req, id, status, cursor.filter(|c| !c.is_empty())).await
        }
        .await,
    )
}

/// Sends a delivery again now, with the same `webhook-id`.
#[server(prefix = "/portal/fn", endpoint = "redeliver_webhook")]
pub async fn redeliver_webhook(id: String, delivery_id: String) -> Result<WebhookDelivery, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.redeliver(&req, id, delivery_id).await
        }
        .await,
    )
}

/// Queues again every event of a time range (RFC 3339; `until` empty for now).
#[server(prefix = "/portal/fn", endpoint = "replay_webhook")]
pub async fn replay_webhook(id: String, since: String, until: String) -> Result<ReplayResult, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.replay(&req, id, since, Some(until).filter(|u| !u.trim().is_empty())).await
        }
        .await,
    )
}

/// Every event an endpoint can subscribe to, with its classic name and an example payload.
#[server(prefix = "/portal/fn", endpoint = "webhook_events")]
pub async fn webhook_events() -> Result<Vec<WebhookEventType>, PortalError> {
    super::respond(
        async move {
            let (service, req) = webhooks()?;
            service.events(&req).await
        }
        .await,
    )
}
