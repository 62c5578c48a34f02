//! The JSON shapes of Parlor's HTTP API, shared by the server (which produces them), the portal
//! and the widget (which consume them). Plain serde types, no framework code.
//!
//! Requests reject unknown fields, so a typo in a field name is an error instead of being
//! ignored. Field names are snake_case; the camelCase names of older APIs are accepted as
//! aliases where the seeds use them.

use serde::{Deserialize, Serialize};

/// The body of every error response: `{"error": {"code", "message", "request_id"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Error))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable machine-readable code such as `NOT_FOUND`.
    pub code: String,
    /// A sentence for the developer.
    pub message: String,
    /// The id of the request, also sent as the `X-Request-Id` header.
    pub request_id: String,
}

/// `POST /api/chatbots` and `POST /api/v2/chatbots`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateChatbot {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, alias = "welcomeMessage", skip_serializing_if = "Option::is_none")]
    pub welcome_message: Option<String>,
}

/// A chatbot as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chatbot {
    pub id: String,
    pub object: String,
    pub name: String,
    pub website: Option<String>,
    pub welcome_message: String,
    pub settings: ChatbotSettings,
    pub created_at: String,
    pub updated_at: String,
}

/// A chatbot's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatbotSettings {
    /// Instructions for the model (the system prompt).
    pub personality: Option<String>,
    pub starter_questions: Vec<String>,
    pub language: String,
    /// `light`, `dark` or `auto`.
    pub theme: String,
    pub accent_color: Option<String>,
    /// `right` or `left`.
    pub position: String,
    pub title: Option<String>,
    pub avatar_url: Option<String>,
    /// Origins whose pages may embed the widget; empty allows every origin.
    pub allowed_origins: Vec<String>,
    /// `off`, `when_needed` or `before_chat`.
    pub lead_capture: String,
    /// `knowledge_only` or `general`.
    pub answer_policy: String,
    pub temperature: f64,
    pub max_tokens: u32,
    /// `builtin` (no key, no network), `openai` (any OpenAI-compatible API) or `anthropic`.
    pub provider: String,
    pub provider_base_url: Option<String>,
    pub provider_model: Option<String>,
    /// Whether a provider key is stored; the key itself is never shown.
    pub provider_api_key_set: bool,
}

/// `PATCH /api/chatbots/{id}`: every field is optional; an empty string clears optional text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct UpdateChatbot {
    pub name: Option<String>,
    pub website: Option<String>,
    #[serde(alias = "welcomeMessage")]
    pub welcome_message: Option<String>,
    pub personality: Option<String>,
    pub starter_questions: Option<Vec<String>>,
    pub language: Option<String>,
    pub theme: Option<String>,
    pub accent_color: Option<String>,
    pub position: Option<String>,
    pub title: Option<String>,
    pub avatar_url: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub lead_capture: Option<String>,
    pub answer_policy: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    /// `builtin`, `openai` or `anthropic`.
    pub provider: Option<String>,
    /// The provider's base URL without `/v1` (such as `http://localhost:11434` for Ollama).
    pub provider_base_url: Option<String>,
    pub provider_model: Option<String>,
    /// Write-only: stored encrypted, never returned; an empty string removes it.
    pub provider_api_key: Option<String>,
}

/// A conversation as the API lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: String,
    pub object: String,
    pub chatbot_id: String,
    pub visitor_id: Option<String>,
    pub message_count: i64,
    /// `open`, `escalated` (waiting for a human) or `ended`.
    pub status: String,
    pub ended_at: Option<String>,
    /// `visitor`, `agent` or `inactivity`.
    pub ended_reason: Option<String>,
    pub escalated_at: Option<String>,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/v2/conversations/{id}/reply` (and the seed's `/api/conversations/{id}/reply`):
/// a human agent's reply, shown live in the visitor's widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdminReply {
    pub message: String,
}

/// `POST /api/v2/conversations/{id}/tags`: add tags (the default) or replace them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetTags {
    pub tags: Vec<String>,
    /// `add` (the default) or `replace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// The tags of a conversation after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tags {
    pub object: String,
    pub conversation_id: String,
    pub tags: Vec<String>,
}

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/escalate`: the visitor asks
/// for a human.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Escalate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The names of the server-sent events of a visitor's live conversation stream
/// (`GET /widget/v1/chatbots/{id}/conversations/{conversation_id}/events`).
pub mod live {
    /// An agent's message ([`super::StoredMessage`]); the event id is its position.
    pub const MESSAGE: &str = "message";
    /// The conversation's status changed ([`super::ConversationStatus`]).
    pub const STATUS: &str = "status";
}

/// The status of a conversation, as the live stream reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationStatus {
    pub conversation_id: String,
    pub status: String,
}

/// A conversation with its messages: `GET /api/v2/conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub messages: Vec<StoredMessage>,
}

/// A stored message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredMessage {
    pub id: String,
    pub object: String,
    pub role: String,
    pub content: String,
    /// `complete`, `streaming`, `failed` or `stopped`.
    pub status: String,
    pub citations: Vec<Citation>,
    pub created_at: String,
}

/// A page of a list, newest first. Pass `next_cursor` as `cursor` to get the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub object: String,
    pub data: Vec<T>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// `POST /api/v2/chatbots/{id}/chat` and the widget's chat endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    pub message: String,
    #[serde(default, alias = "conversationId", skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, alias = "visitorId", skip_serializing_if = "Option::is_none")]
    pub visitor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Answer as a server-sent event stream (the default) or as one JSON object.
    #[serde(default = "default_stream")]
    pub stream: bool,
}

fn default_stream() -> bool {
    true
}

/// The names of the server-sent events of a chat answer, in the order they come.
pub mod events {
    /// First event: the ids of the conversation and of both messages ([`super::ChatStarted`]).
    pub const START: &str = "start";
    /// A piece of the answer's text ([`super::ChatDelta`]); the event id counts pieces from 1.
    pub const DELTA: &str = "delta";
    /// The sources of the answer ([`super::ChatCitations`]).
    pub const CITATIONS: &str = "citations";
    /// Last event of a complete answer ([`super::ChatDone`]).
    pub const DONE: &str = "done";
    /// Last event of a failed answer ([`super::ErrorDetail`]-shaped, without request id).
    pub const ERROR: &str = "error";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatStarted {
    pub conversation_id: String,
    pub user_message_id: String,
    pub message_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatDelta {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Citation {
    pub entry_id: String,
    pub title: String,
    pub source_url: Option<String>,
    pub snippet: String,
    /// The uploaded file the passage comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The page of that file, counted from 1 (PDF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatCitations {
    pub citations: Vec<Citation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatDone {
    pub message_id: String,
    pub usage: Usage,
    pub finish_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatStreamError {
    pub code: String,
    pub message: String,
}

/// `POST /api/knowledge` (the seed's shape): `type` is `qa` (the question in `source`, the answer
/// in `content`) or `text` (a title or URL in `source`, the text in `content`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateKnowledge {
    #[serde(alias = "chatbotId")]
    pub chatbot_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// A knowledge source as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeSource {
    pub id: String,
    pub object: String,
    pub chatbot_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub source_url: Option<String>,
    /// `ready` (chunked and searchable), `processing` or `failed`.
    pub status: String,
    pub error: Option<String>,
    pub chunk_count: i64,
    pub byte_count: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The uploaded file's name (type `document`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// How far a fetch or crawl has come (pages processed of pages known, bytes of text learned).
    #[serde(default)]
    pub progress: KnowledgeProgress,
}

/// The progress of a knowledge source's job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeProgress {
    pub pages_done: i64,
    pub pages_total: i64,
    pub bytes: i64,
}

/// `POST /api/knowledge/scrape`: learn from a site (following its links) or a sitemap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScrapeKnowledge {
    #[serde(alias = "chatbotId")]
    pub chatbot_id: String,
    /// A page to start from, or a sitemap (or sitemap index).
    pub url: String,
    /// Pages to learn from at most (default 50).
    #[serde(default, alias = "maxPages")]
    pub max_pages: Option<u32>,
    /// How many links deep to follow from the first page (default 2, at most 5).
    #[serde(default, alias = "maxDepth")]
    pub max_depth: Option<u32>,
}

/// `POST /api/v2/chatbots/{id}/knowledge/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KnowledgeSearch {
    pub query: String,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One result of a knowledge search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeHit {
    pub entry_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub source_url: Option<String>,
    pub score: f64,
    pub snippet: String,
    /// The uploaded file the chunk comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The page of that file, counted from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The retrievers that found the chunk: `bm25` (keywords) and, with embeddings configured,
    /// `vector` (meaning).
    #[serde(default)]
    pub found_by: Vec<String>,
}

/// The answer to a stop request: whether the answer was still being generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopReply {
    pub message_id: String,
    pub stopping: bool,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: String,
    pub object: String,
    pub conversation_id: String,
    pub role: String,
    pub content: String,
    pub created_at: String,
}

/// The answer to a chat request with `"stream": false`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatReply {
    pub conversation_id: String,
    pub user_message_id: String,
    pub message: Message,
    pub citations: Vec<Citation>,
    pub usage: Usage,
    pub finish_reason: String,
}

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

/// Token and cost totals of a usage report. `cost` is in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageTotals {
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub cost: f64,
}

/// One group of a usage report: a model, chatbot id, key id (`widget` for visitors' chats) or
/// day (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageGroup {
    pub key: String,
    pub usage: UsageTotals,
}

/// `GET /api/v2/usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    pub object: String,
    pub start_date: String,
    pub end_date: String,
    pub group_by: String,
    pub totals: UsageTotals,
    pub groups: Vec<UsageGroup>,
}

/// `GET /api/v1/usage`, in the shape of the seed's API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageV1 {
    pub success: bool,
    pub usage: UsageV1Totals,
    pub by_model: Vec<UsageV1Model>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageV1Totals {
    pub total_requests: i64,
    pub total_input_tokens: i64,
    pub total_output_tokens: i64,
    pub total_tokens: i64,
    pub total_cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageV1Model {
    pub model: String,
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub cost: f64,
}

/// What the widget needs to draw itself: `GET /widget/v1/chatbots/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WidgetConfig {
    pub chatbot_id: String,
    pub name: String,
    pub welcome_message: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub accent_color: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub starter_questions: Vec<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// When the widget asks for the visitor's details: `off`, `when_needed` or `before_chat`.
    #[serde(default)]
    pub lead_capture: Option<String>,
}

/// `POST /widget/v1/chatbots/{id}/identify`: who the host page says its visitor is
/// (`Parlor.identify`). `hash` is the hex HMAC-SHA256 of `id` under the chatbot's identity
/// secret; without it the identity is kept unverified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identify {
    pub visitor_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// The answer to [`Identify`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identified {
    pub id: String,
    pub verified: bool,
}

/// `POST /api/v2/chatbots/{id}/identity-secret`: a new identity secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentitySecret {
    pub object: String,
    pub chatbot_id: String,
    pub secret: String,
}

/// `GET /healthz` and `GET /readyz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_requests_stream_by_default_and_accept_camel_case_ids() {
        let req: ChatRequest = serde_json::from_str(r#"{"message":"Hi","conversationId":"conv_1"}"#).unwrap();
        assert!(req.stream);
        assert_eq!(req.conversation_id.as_deref(), Some("conv_1"));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_str::<CreateChatbot>(r#"{"name":"a","nmae":"b"}"#).is_err());
    }
}

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

/// `POST /widget/v1/chatbots/{id}/leads`: the details a visitor submits in the widget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateLead {
    /// The conversation the visitor was in, if any; it must be one of this chatbot's.
    #[serde(default, alias = "conversationId", skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Custom fields of the chatbot's lead form: at most 20.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A lead as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: String,
    pub object: String,
    pub chatbot_id: String,
    pub conversation_id: Option<String>,
    /// The contact the lead created or updated.
    pub contact_id: Option<String>,
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub fields: std::collections::BTreeMap<String, String>,
    pub created_at: String,
}

/// A contact: a person a workspace knows, one per email address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: String,
    pub object: String,
    /// Lower-cased.
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/v2/contacts`, and one contact of a JSON import.
///
/// An import also accepts the read-only fields of [`Contact`] (and ignores them), so that a JSON
/// export imports again as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// `PATCH /api/v2/contacts/{id}`: every field is optional; an empty string clears the name or
/// phone; attributes are merged, and an attribute set to `null` is removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct UpdateContact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// One row of an import that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportError {
    /// The contact's position in the input, from 1 (in CSV, not counting the header row).
    pub row: u64,
    pub message: String,
}

/// `POST /api/v2/contacts/import`: what the import did. Good rows are stored even when others
/// are reported in `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub object: String,
    pub created: u64,
    pub updated: u64,
    /// Rows that named an existing contact and changed nothing.
    pub unchanged: u64,
    pub errors: Vec<ImportError>,
}

/// `POST /widget/v1/chatbots/{id}/feedback`: a visitor's rating of an answer or a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateFeedback {
    #[serde(alias = "conversationId")]
    pub conversation_id: String,
    /// The answer rated; the whole conversation when absent.
    #[serde(default, alias = "messageId", skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// `up` or `down`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbs: Option<String>,
    /// 1 to 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A visitor's feedback as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    pub id: String,
    pub object: String,
    pub chatbot_id: String,
    pub conversation_id: String,
    pub message_id: Option<String>,
    pub thumbs: Option<String>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub created_at: String,
}

/// `GET /api/v2/chatbots/{id}/suggestions?q=`: completions of a partly typed question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    pub object: String,
    pub query: String,
    pub data: Vec<Suggestion>,
}

/// One completion and where it comes from: `question` (a Q&A pair), `frequent` (visitors ask
/// it often) or `title` (a knowledge section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub text: String,
    pub source: String,
}
