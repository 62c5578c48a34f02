//! The portal's "Webhooks" area: the same domain calls as `/api/v2/webhooks`, for the signed-in
//! person's workspace. URLs go through the same SSRF checks as the API's.

use parlor_app::api::webhooks::{DELIVERY_PAGE, DeliveryLogEntry, WebhooksBackend};
use parlor_app::api::{PortalError, RequestInfo};
use parlor_protocol::wire::{
    CreateWebhook, Page, ReplayResult, UpdateWebhook, Webhook, WebhookDelivery, WebhookEventType,
};

use super::account::signed_in;
use super::portal_error;
use crate::db::Db;
use crate::ids::{now_ms, parse_rfc3339};
use crate::state::AppState;
use crate::web::present::{delivery_detail_json, delivery_json, event_catalogue, webhook_json};
use crate::webhooks::{self, EndpointPatch, NewEndpoint};

pub struct Webhooks {
    db: Db,
    service: webhooks::Webhooks,
}

impl Webhooks {
    pub fn new(state: &AppState) -> Webhooks {
        Webhooks { db: state.db.clone(), service: state.webhooks.clone() }
    }

    async fn workspace(&self, req: &RequestInfo) -> Result<String, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        Ok(viewer.workspace_id)
    }
}

#[async_trait::async_trait]
impl WebhooksBackend for Webhooks {
    async fn list(&self, req: &RequestInfo) -> Result<Vec<Webhook>, PortalError> {
        let workspace = self.workspace(req).await?;
        // A workspace has at most MAX_ENDPOINTS, so one page holds them all.
        let limit = u32::try_from(webhooks::MAX_ENDPOINTS).unwrap_or(u32::MAX);
        let (endpoints, _) = self.service.list(&workspace, limit, None).await.map_err(portal_error)?;
        Ok(endpoints.iter().map(|e| webhook_json(e, None)).collect())
    }

    async fn get(&self, req: &RequestInfo, id: String) -> Result<Webhook, PortalError> {
        let workspace = self.workspace(req).await?;
        let endpoint = self.service.get(&workspace, &id).await.map_err(portal_error)?;
        Ok(webhook_json(&endpoint, None))
    }

    async fn create(&self, req: &RequestInfo, endpoint: CreateWebhook) -> Result<Webhook, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let new = NewEndpoint {
            url: endpoint.url,
            events: endpoint.events,
            description: endpoint.description,
            naming: endpoint.naming,
            enabled: endpoint.enabled,
        };
        let (created, secret) = self.service.create(&viewer.workspace_id, new).await.map_err(portal_error)?;
        tracing::info!(endpoint_id = %created.id, account_id = %viewer.account_id, "webhook endpoint created in the portal");
        Ok(webhook_json(&created, Some(secret)))
    }

    async fn update(&self, req: &RequestInfo, id: String, patch: UpdateWebhook) -> Result<Webhook, PortalError> {
        let workspace = self.workspace(req).await?;
        let patch = EndpointPatch {
            url: patch.url,
            events: patch.events,
            description: patch.description,
            naming: patch.naming,
            enabled: patch.enabled,
        };
        let endpoint = self.service.update(&workspace, &id, patch).await.map_err(portal_error)?;
        Ok(webhook_json(&endpoint, None))
    }

    async fn delete(&self, req: &RequestInfo, id: String) -> Result<(), PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        self.service.delete(&viewer.workspace_id, &id).await.map_err(portal_error)?;
        tracing::info!(endpoint_id = %id, account_id = %viewer.account_id, "webhook endpoint deleted in the portal");
        Ok(())
    }

    async fn rotate_secret(&self, req: &RequestInfo, id: String, overlap_seconds: i64) -> Result<Webhook, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let (endpoint, secret) =
            self.service.rotate_secret(&viewer.workspace_id, &id, overlap_seconds).await.map_err(portal_error)?;
        tracing::info!(endpoint_id = %id, account_id = %viewer.account_id, overlap_secs = overlap_seconds, "webhook secret rotated in the portal");
        Ok(webhook_json(&endpoint, Some(secret)))
    }

    async fn send_test(&self, req: &RequestInfo, id: String) -> Result<WebhookDelivery, PortalError> {
        let workspace = self.workspace(req).await?;
        let delivery_id = self.service.send_test(&workspace, &id).await.map_err(portal_error)?;
        let (_, delivery, _) = self.service.delivery(&workspace, &id, &delivery_id).await.map_err(portal_error)?;
        Ok(delivery_json(&delivery))
    }

    async fn deliveries(
        &self,
        req: &RequestInfo,
        id: String,
        status: Option<String>,
        cursor: Option<String>,
    ) -> Result<Page<DeliveryLogEntry>, PortalError> {
        let workspace = self.workspace(req).await?;
        let (items, next) = self
            .service
            .deliveries(&workspace, &id, status.as_deref(), DELIVERY_PAGE, cursor.as_deref())
            .await
            .map_err(portal_error)?;
        let mut data = Vec::with_capacity(items.len());
        for item in &items {
            let (endpoint, delivery, attempts) =
                self.service.delivery(&workspace, &id, &item.id).await.map_err(portal_error)?;
            let detail = delivery_detail_json(&endpoint, &delivery, &attempts);
            data.push(DeliveryLogEntry {
                delivery: detail.delivery,
                payload: detail.payload,
                attempts: detail.attempts,
            });
        }
        Ok(Page::new(data, next))
    }

    async fn redeliver(
        &self,
        req: &RequestInfo,
        id: String,
        delivery_id: String,
    ) -> Result<WebhookDelivery, PortalError> {
        let workspace = self.workspace(req).await?;
        self.service.redeliver(&workspace, &id, &delivery_id).await.map_err(portal_error)?;
        let (_, delivery, _) = self.service.delivery(&workspace, &id, &delivery_id).await.map_err(portal_error)?;
        Ok(delivery_json(&delivery))
    }

    async fn replay(
        &self,
        req: &RequestInfo,
        id: String,
        since: String,
        until: Option<String>,
    ) -> Result<ReplayResult, PortalError> {
        let workspace = self.workspace(req).await?;
        let since = parse_rfc3339(&since, "since").map_err(portal_error)?;
        let until = match until {
            Some(text) => parse_rfc3339(&text, "until").map_err(portal_error)?,
            None => now_ms(),
        };
        let queued = self.service.replay(&workspace, &id, since, until).await.map_err(portal_error)?;
        Ok(ReplayResult { object: "replay".into(), queued })
    }

    async fn events(&self, req: &RequestInfo) -> Result<Vec<WebhookEventType>, PortalError> {
        self.workspace(req).await?;
        Ok(event_catalogue())
    }
}
