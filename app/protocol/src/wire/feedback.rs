//! Visitors' feedback on answers and conversations.

use serde::{Deserialize, Serialize};

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
