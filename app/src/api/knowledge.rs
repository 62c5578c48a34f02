//! The "Knowledge" page's server functions: a chatbot's sources with their status and
//! progress, adding Q&A pairs, texts, pages and whole sites, and deleting. Files are uploaded
//! by a plain multipart form post to `/portal/knowledge/upload` (larger than a server
//! function's body may be), which works without JavaScript too.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;
use parlor_protocol::wire::KnowledgeSource;

/// A chatbot to pick on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatbotChoice {
    pub id: String,
    pub name: String,
}

/// The server's implementation of this area. `kind` is `qa` (title = question, content =
/// answer), `text`, `url` (one page) or `scrape` (a site or a sitemap; content = the URL).
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait KnowledgeBackend: Send + Sync + 'static {
    async fn chatbots(&self, req: &RequestInfo) -> Result<Vec<ChatbotChoice>, PortalError>;
    async fn sources(&self, req: &RequestInfo, chatbot_id: String) -> Result<Vec<KnowledgeSource>, PortalError>;
    async fn add(
        &self,
        req: &RequestInfo,
        chatbot_id: String,
        kind: String,
        title: String,
        content: String,
    ) -> Result<KnowledgeSource, PortalError>;
    async fn delete(&self, req: &RequestInfo, id: String) -> Result<(), PortalError>;
}

#[cfg(feature = "ssr")]
fn knowledge() -> Result<(std::sync::Arc<dyn KnowledgeBackend>, RequestInfo), PortalError> {
    super::backend::<dyn KnowledgeBackend>()
}

#[server(prefix = "/portal/fn", endpoint = "knowledge_chatbots")]
pub async fn knowledge_chatbots() -> Result<Vec<ChatbotChoice>, PortalError> {
    super::respond(
        async move {
            let (service, req) = knowledge()?;
            service.chatbots(&req).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "list_sources")]
pub async fn list_sources(chatbot_id: String) -> Result<Vec<KnowledgeSource>, PortalError> {
    super::respond(
        async move {
            let (service, req) = knowledge()?;
            service.sources(&req, chatbot_id).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "add_knowledge")]
pub async fn add_knowledge(
    chatbot_id: String,
    kind: String,
    title: String,
    content: String,
) -> Result<KnowledgeSource, PortalError> {
    super::respond(
        async move {
            let (service, req) = knowledge()?;
            service.add(&req, chatbot_id, kind, title, content).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "delete_source")]
pub async fn delete_source(id: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = knowledge()?;
            service.delete(&req, id).await
        }
        .await,
    )
}
