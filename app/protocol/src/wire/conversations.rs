//! Conversations and their messages, tags, escalation and agents' replies, and the names of
//! the events of a visitor's live conversation stream ([`live`]).

use serde::{Deserialize, Serialize};

use super::chat::Citation;

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
