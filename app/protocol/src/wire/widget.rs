//! What the widget needs to draw itself, and visitors' identities.

use serde::{Deserialize, Serialize};

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
