//! The "Chatbots" pages' server functions: list, create, read, change settings, delete. They
//! share the REST API's JSON shapes from [`parlor_protocol::wire`]; a provider key is write-only (the
//! answers say only whether one is set).

use leptos::prelude::*;

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;
use parlor_protocol::wire::{self, Chatbot};

/// The server's implementation of this area.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait ChatbotsBackend: Send + Sync + 'static {
    async fn list(&self, req: &RequestInfo) -> Result<Vec<Chatbot>, PortalError>;
    async fn create(&self, req: &RequestInfo, chatbot: wire::CreateChatbot) -> Result<Chatbot, PortalError>;
    async fn get(&self, req: &RequestInfo, id: String) -> Result<Chatbot, PortalError>;
    async fn update(&self, req: &RequestInfo, id: String, changes: wire::UpdateChatbot)
    -> Result<Chatbot, PortalError>;
    async fn delete(&self, req: &RequestInfo, id: String) -> Result<(), PortalError>;
}

#[cfg(feature = "ssr")]
fn chatbots() -> Result<(std::sync::Arc<dyn ChatbotsBackend>, RequestInfo), PortalError> {
    super::backend::<dyn ChatbotsBackend>()
}

/// The workspace's chatbots, newest first.
#[server(prefix = "/portal/fn", endpoint = "list_chatbots")]
pub async fn list_chatbots() -> Result<Vec<Chatbot>, PortalError> {
    super::respond(
        async move {
            let (service, req) = chatbots()?;
            service.list(&req).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "create_chatbot", input = leptos::server_fn::codec::Json)]
pub async fn create_chatbot(chatbot: wire::CreateChatbot) -> Result<Chatbot, PortalError> {
    super::respond(
        async move {
            let (service, req) = chatbots()?;
            service.create(&req, chatbot).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "get_chatbot")]
pub async fn get_chatbot(id: String) -> Result<Chatbot, PortalError> {
    super::respond(
        async move {
            let (service, req) = chatbots()?;
            service.get(&req, id).await
        }
        .await,
    )
}

/// Changes the settings that `changes` names; `provider_api_key` is stored sealed, and an
/// empty one removes the stored key.
#[server(prefix = "/portal/fn", endpoint = "update_chatbot", input = leptos::server_fn::codec::Json)]
pub async fn update_chatbot(id: String, changes: wire::UpdateChatbot) -> Result<Chatbot, PortalError> {
    super::respond(
        async move {
            let (service, req) = chatbots()?;
            service.update(&req, id, changes).await
        }
        .await,
    )
}

/// Deletes a chatbot with all of its data (conversations, leads, knowledge).
#[server(prefix = "/portal/fn", endpoint = "delete_chatbot")]
pub async fn delete_chatbot(id: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = chatbots()?;
            service.delete(&req, id).await
        }
        .await,
    )
}
