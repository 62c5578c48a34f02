//! Chat: the request, the answer's server-sent events (their names in [`events`]) and the
//! non-streamed reply, and stopping an answer.

use serde::{Deserialize, Serialize};

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
    /// The visitor's language, a tag such as `de` or `pt-BR`: the built-in responder's own words
    /// follow it, and a model is told it. Without it, the chatbot's language.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_requests_stream_by_default_and_accept_camel_case_ids() {
        let req: ChatRequest = serde_json::from_str(r#"{"message":"Hi","conversationId":"conv_1"}"#).unwrap();
        assert!(req.stream);
        assert_eq!(req.conversation_id.as_deref(), Some("conv_1"));
    }
}
