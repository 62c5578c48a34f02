//! The "API Keys" page's server functions: list, create (the secret shown once), roll, revoke.
//! They share the REST API's JSON shapes from [`parlor_protocol::wire`].

use leptos::prelude::*;

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;
use parlor_protocol::wire::{ApiKey, CreateApiKey};

/// The server's implementation of this area.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait KeysBackend: Send + Sync + 'static {
    async fn list(&self, req: &RequestInfo) -> Result<Vec<ApiKey>, PortalError>;
    async fn create(&self, req: &RequestInfo, key: CreateApiKey) -> Result<ApiKey, PortalError>;
    async fn roll(
        &self,
        req: &RequestInfo,
        id: String,
        options: parlor_protocol::wire::RollApiKey,
    ) -> Result<ApiKey, PortalError>;
    async fn revoke(&self, req: &RequestInfo, id: String) -> Result<(), PortalError>;
}

#[cfg(feature = "ssr")]
fn keys() -> Result<(std::sync::Arc<dyn KeysBackend>, RequestInfo), PortalError> {
    super::backend::<dyn KeysBackend>()
}

#[server(prefix = "/portal/fn", endpoint = "list_keys")]
pub async fn list_keys() -> Result<Vec<ApiKey>, PortalError> {
    super::respond(
        async move {
            let (service, req) = keys()?;
            service.list(&req).await
        }
        .await,
    )
}

/// Creates a key; the answer carries its secret, which is never shown again.
#[server(prefix = "/portal/fn", endpoint = "create_key", input = leptos::server_fn::codec::Json)]
pub async fn create_key(key: CreateApiKey) -> Result<ApiKey, PortalError> {
    super::respond(
        async move {
            let (service, req) = keys()?;
            service.create(&req, key).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "roll_key")]
pub async fn roll_key(id: String, expires_in_seconds: i64) -> Result<ApiKey, PortalError> {
    super::respond(
        async move {
            let (service, req) = keys()?;
            service
                .roll(&req, id, parlor_protocol::wire::RollApiKey { expires_in_seconds: Some(expires_in_seconds) })
                .await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "revoke_key")]
pub async fn revoke_key(id: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = keys()?;
            service.revoke(&req, id).await
        }
        .await,
    )
}
