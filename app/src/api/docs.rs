//! The docs pages' server functions: the API reference, the webhook events and the rate-limit
//! table, each read from the server's own definitions, and the changelog.
//!
//! Everything arrives ready to show (code samples as text, changelog items as sanitised HTML),
//! generated on the server, so the portal's WASM carries no generator.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;

/// A code sample in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// A stable name: `curl`, `javascript`, `python`, `rust`.
    pub language: String,
    /// The name readers know, such as `Python (requests)`.
    pub label: String,
    pub code: String,
}

/// The quick start's commands, with the reader's first chatbot (or `YOUR_CHATBOT_ID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickStart {
    /// The server's public URL, where the commands send their requests.
    pub base_url: String,
    /// The chatbot the commands use, when the reader is signed in and has one.
    pub chatbot_id: Option<String>,
    /// `curl` that creates a chatbot.
    pub create: String,
    /// `curl` that adds a Q&A pair.
    pub knowledge: String,
    /// `curl` that chats without streaming.
    pub chat: String,
}

/// The API reference: the OpenAPI document's operations grouped by tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    pub base_url: String,
    pub groups: Vec<TagGroup>,
}

/// The operations of one tag, such as `Chatbots`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagGroup {
    pub name: String,
    pub anchor: String,
    pub operations: Vec<OperationDoc>,
}

/// One operation with everything the reference shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationDoc {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// Whether it needs an API key.
    pub authenticated: bool,
    /// Whether it can answer with server-sent events.
    pub streams: bool,
    pub parameters: Vec<ParameterDoc>,
    pub body_type: Option<String>,
    pub body_fields: Vec<FieldDoc>,
    pub responses: Vec<ResponseDoc>,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterDoc {
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    pub required: bool,
    pub kind: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDoc {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseDoc {
    pub status: String,
    pub description: String,
    pub content_types: Vec<String>,
}

/// The webhook events and how to verify a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDocs {
    pub events: Vec<EventDoc>,
    pub example: SignedExample,
    /// Receivers' verification code per language.
    pub snippets: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDoc {
    pub name: String,
    /// The name sent to endpoints that chose classic names.
    pub classic: Option<String>,
    pub description: String,
    /// An example delivery body, as sent.
    pub payload: String,
}

/// A delivery signed with a made-up secret by Parlor's own signing code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedExample {
    pub secret: String,
    pub id: String,
    pub timestamp: i64,
    pub body: String,
    /// `webhook-signature`.
    pub standard: String,
    /// `X-Parlor-Signature`.
    pub simple: String,
}

/// The rate limits this server applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitDocs {
    /// The configured plans; the first is the default.
    pub plans: Vec<PlanDoc>,
    /// Chat messages a minute per client IP through the widget.
    pub widget_chat_per_minute: u32,
    /// Knowledge scrapes per key, such as `10 per 5 minutes`.
    pub scrapes: String,
    /// Knowledge uploads per key.
    pub uploads: String,
    /// The largest upload, in bytes.
    pub max_upload_bytes: u64,
}

/// One plan's limits; `None` is no limit of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub name: String,
    pub per_second: Option<u32>,
    pub per_minute: Option<u32>,
    pub per_day: Option<u64>,
}

/// The API's error codes and an example error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDocs {
    pub codes: Vec<ErrorCodeDoc>,
    pub example: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCodeDoc {
    pub status: u16,
    pub code: String,
    pub meaning: String,
}

/// What the authentication and pagination guides show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guides {
    pub base_url: String,
    pub scopes: Vec<ScopeDoc>,
    /// An authenticated call (listing chatbots) in each language.
    pub auth_samples: Vec<Sample>,
    /// A first page and a next page of conversations.
    pub first_page: Vec<Sample>,
    pub next_page: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeDoc {
    pub name: String,
    pub description: String,
}

/// A "coming from another product" page: the requests of that product's API as Parlor serves
/// them, each with a command that runs against this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialectDocs {
    /// Where the dialect's paths start, with this server's URL: `https://…/api/platform/v1`.
    pub base_url: String,
    pub requests: Vec<DialectRequest>,
}

/// One documented request of a dialect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialectRequest {
    pub method: String,
    /// The path after the dialect's base, such as `/bots/{id}`.
    pub path: String,
    pub summary: String,
    /// `curl` that sends it, with the reader's first chatbot when signed in.
    pub curl: String,
}

/// The changelog, newest version first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changelog {
    pub versions: Vec<VersionDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDoc {
    pub name: String,
    pub date: Option<String>,
    pub anchor: String,
    pub sections: Vec<SectionDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDoc {
    pub name: String,
    /// Each item as sanitised HTML (escaped text, no raw HTML, http(s) links only).
    pub items: Vec<String>,
}

/// The server's implementation of this area. Every method works signed out too; signed in,
/// samples use the workspace's first chatbot.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait DocsBackend: Send + Sync + 'static {
    async fn quick_start(&self, req: &RequestInfo) -> Result<QuickStart, PortalError>;
    async fn api_reference(&self, req: &RequestInfo) -> Result<ApiReference, PortalError>;
    async fn webhooks(&self) -> Result<WebhookDocs, PortalError>;
    async fn rate_limits(&self) -> Result<RateLimitDocs, PortalError>;
    async fn errors(&self) -> Result<ErrorDocs, PortalError>;
    async fn guides(&self, req: &RequestInfo) -> Result<Guides, PortalError>;
    /// The platform API of seed 003 (`/api/platform/v1`).
    async fn platform_api(&self, req: &RequestInfo) -> Result<DialectDocs, PortalError>;
    async fn changelog(&self) -> Result<Changelog, PortalError>;
}

#[cfg(feature = "ssr")]
fn docs() -> Result<(std::sync::Arc<dyn DocsBackend>, RequestInfo), PortalError> {
    super::backend::<dyn DocsBackend>()
}

/// The quick start's commands.
#[server(prefix = "/portal/fn", endpoint = "docs_quick_start")]
pub async fn get_quick_start() -> Result<QuickStart, PortalError> {
    super::respond(
        async move {
            let (service, req) = docs()?;
            service.quick_start(&req).await
        }
        .await,
    )
}

/// The API reference with its code samples.
#[server(prefix = "/portal/fn", endpoint = "docs_api_reference")]
pub async fn get_api_reference() -> Result<ApiReference, PortalError> {
    super::respond(
        async move {
            let (service, req) = docs()?;
            service.api_reference(&req).await
        }
        .await,
    )
}

/// The webhook events and the verification guide's example.
#[server(prefix = "/portal/fn", endpoint = "docs_webhooks")]
pub async fn get_webhook_docs() -> Result<WebhookDocs, PortalError> {
    super::respond(
        async move {
            let (service, _) = docs()?;
            service.webhooks().await
        }
        .await,
    )
}

/// The rate limits of this server.
#[server(prefix = "/portal/fn", endpoint = "docs_rate_limits")]
pub async fn get_rate_limit_docs() -> Result<RateLimitDocs, PortalError> {
    super::respond(
        async move {
            let (service, _) = docs()?;
            service.rate_limits().await
        }
        .await,
    )
}

/// The API's error codes.
#[server(prefix = "/portal/fn", endpoint = "docs_errors")]
pub async fn get_error_docs() -> Result<ErrorDocs, PortalError> {
    super::respond(
        async move {
            let (service, _) = docs()?;
            service.errors().await
        }
        .await,
    )
}

/// The authentication, scopes and pagination guides' facts and samples.
#[server(prefix = "/portal/fn", endpoint = "docs_guides")]
pub async fn get_guides() -> Result<Guides, PortalError> {
    super::respond(
        async move {
            let (service, req) = docs()?;
            service.guides(&req).await
        }
        .await,
    )
}

/// The platform API's requests with their commands.
#[server(prefix = "/portal/fn", endpoint = "docs_platform_api")]
pub async fn get_platform_api_docs() -> Result<DialectDocs, PortalError> {
    super::respond(
        async move {
            let (service, req) = docs()?;
            service.platform_api(&req).await
        }
        .await,
    )
}

/// The changelog of this build.
#[server(prefix = "/portal/fn", endpoint = "docs_changelog")]
pub async fn get_changelog() -> Result<Changelog, PortalError> {
    super::respond(
        async move {
            let (service, _) = docs()?;
            service.changelog().await
        }
        .await,
    )
}
