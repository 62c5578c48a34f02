//! Chatbots: creating, reading and changing them, and their identity secret.

use serde::{Deserialize, Serialize};

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

/// `POST /api/v2/chatbots/{id}/identity-secret`: a new identity secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentitySecret {
    pub object: String,
    pub chatbot_id: String,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_str::<CreateChatbot>(r#"{"name":"a","nmae":"b"}"#).is_err());
    }
}
