//! `/api/chatbots` and `/api/v2/chatbots`: create, list and read chatbots.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_protocol::wire;
use serde::Deserialize;

use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots::{self, Chatbot, ChatbotPatch, NewChatbot, Settings};
use crate::error::Error;
use crate::ids::rfc3339;
use crate::keys::Scope;
use crate::state::AppState;

/// The API shape of a chatbot.
pub fn chatbot_json(chatbot: &Chatbot) -> wire::Chatbot {
    wire::Chatbot {
        id: chatbot.id.clone(),
        object: "chatbot".into(),
        name: chatbot.name.clone(),
        website: chatbot.website.clone(),
        welcome_message: chatbot.welcome_message.clone(),
        settings: settings_json(&chatbot.settings(), chatbot.provider_key.is_some()),
        created_at: rfc3339(chatbot.created_at),
        updated_at: rfc3339(chatbot.updated_at),
    }
}

/// The name of a settings enum as the API writes it.
fn name_of(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Reads a settings enum from its API name, naming the field and the choices when it is wrong.
fn parse_choice<T: serde::de::DeserializeOwned>(
    field: &str,
    text: Option<String>,
    choices: &str,
) -> Result<Option<T>, Error> {
    text.map(|t| {
        serde_json::from_value(serde_json::Value::String(t.clone()))
            .map_err(|_| Error::Validation(format!("{field} must be one of {choices}, not {t:?}")))
    })
    .transpose()
}

fn settings_json(settings: &Settings, key_set: bool) -> wire::ChatbotSettings {
    wire::ChatbotSettings {
        personality: settings.personality.clone(),
        starter_questions: settings.starter_questions.clone(),
        language: settings.language.clone(),
        theme: name_of(&settings.theme),
        accent_color: settings.accent_color.clone(),
        position: name_of(&settings.position),
        title: settings.title.clone(),
        avatar_url: settings.avatar_url.clone(),
        allowed_origins: settings.allowed_origins.clone(),
        lead_capture: name_of(&settings.lead_capture),
        answer_policy: name_of(&settings.answer_policy),
        temperature: settings.temperature,
        max_tokens: settings.max_tokens,
        provider: name_of(&settings.provider),
        provider_base_url: settings.provider_base_url.clone(),
        provider_model: settings.provider_model.clone(),
        provider_api_key_set: key_set,
    }
}

/// Update a chatbot
///
/// Changes only the fields the body names; every other setting keeps its value. An empty string
/// clears optional text. `provider_api_key` is write-only: it is stored encrypted and never shown
/// again (`provider_api_key_set` tells whether one is stored); an empty string removes it. A
/// `provider_base_url` must reach the public Internet. Needs the `chatbots:write` scope.
#[utoipa::path(
    patch,
    path = "/api/v2/chatbots/{id}",
    tag = "Chatbots",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(
        content = wire::UpdateChatbot,
        example = json!({
            "welcome_message": "Hi! Ask me anything about your order.",
            "starter_questions": ["Where is my order?", "How do I return an item?"],
            "theme": "dark",
            "accent_color": "#4f46e5",
            "answer_policy": "knowledge_only",
            "temperature": 0.3
        })
    ),
    responses((status = 200, description = "The chatbot with its new settings.", body = wire::Chatbot)),
)]
pub async fn update_chatbot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::UpdateChatbot>,
) -> Result<Json<wire::Chatbot>, Error> {
    caller.require(Scope::ChatbotsWrite)?;
    let chatbot = apply_update(&state, &caller.workspace_id, &id, body).await?;
    Ok(Json(chatbot_json(&chatbot)))
}

/// Changes the settings an update names, for this handler and the portal alike: the same
/// validation, the SSRF check of a provider URL, and the provider key sealed (an empty key
/// removes it).
pub async fn apply_update(
    state: &AppState,
    workspace_id: &str,
    id: &str,
    body: wire::UpdateChatbot,
) -> Result<Chatbot, Error> {
    let mut chatbot = chatbots::get_chatbot(&state.db, workspace_id, id).await?;
    let patch = ChatbotPatch {
        theme: parse_choice("theme", body.theme, "light, dark, auto")?,
        position: parse_choice("position", body.position, "right, left")?,
        lead_capture: parse_choice("lead_capture", body.lead_capture, "off, when_needed, before_chat")?,
        answer_policy: parse_choice("answer_policy", body.answer_policy, "knowledge_only, general")?,
        name: body.name,
        website: body.website,
        welcome_message: body.welcome_message,
        personality: body.personality,
        starter_questions: body.starter_questions,
        language: body.language,
        accent_color: body.accent_color,
        title: body.title,
        avatar_url: body.avatar_url,
        allowed_origins: body.allowed_origins,
        temperature: body.temperature,
        max_tokens: body.max_tokens,
        provider: parse_choice("provider", body.provider, "builtin, openai, anthropic")?,
        provider_base_url: body.provider_base_url,
        provider_model: body.provider_model,
    };
    if let Some(url) = patch.provider_base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        // A provider URL is a request Parlor makes for the caller: it must pass the SSRF guard.
        state.chat.models().check_base_url(url).await?;
    }
    let key = match body.provider_api_key.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(key) if key.len() > 500 || key.contains(char::is_whitespace) => {
            return Err(Error::Validation("provider_api_key must be one token of at most 500 characters".into()));
        }
        Some(key) => Some(Some(state.chat.models().seal_key(&chatbot.id, key))),
    };
    patch.apply(&mut chatbot)?;
    chatbots::update_chatbot(&state.db, &mut chatbot).await?;
    if let Some(sealed) = key {
        chatbots::set_provider_key(&state.db, &mut chatbot, sealed).await?;
    }
    Ok(chatbot)
}

/// Delete a chatbot
///
/// Deletes the chatbot with all of its data: conversations, knowledge, leads and feedback. This
/// cannot be undone. Needs the `chatbots:write` scope.
#[utoipa::path(
    delete,
    path = "/api/v2/chatbots/{id}",
    tag = "Chatbots",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    responses((status = 204, description = "The chatbot is deleted.")),
)]
pub async fn delete_chatbot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, Error> {
    caller.require(Scope::ChatbotsWrite)?;
    chatbots::delete_chatbot(&state.db, &caller.workspace_id, &id).await?;
    tracing::info!(chatbot_id = %id, workspace_id = %caller.workspace_id, "chatbot deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Create a chatbot
///
/// Creates a chatbot with default settings (change them with `PATCH`); it answers with the
/// built-in responder until a provider is configured. Its id is public: it goes in the widget's
/// embed snippet. Needs the `chatbots:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/chatbots",
    tag = "Chatbots",
    request_body(
        content = wire::CreateChatbot,
        example = json!({
            "name": "Support bot",
            "website": "https://shop.example.com",
            "welcome_message": "Hello! How can I help you today?"
        })
    ),
    responses((status = 201, description = "The new chatbot.", body = wire::Chatbot)),
)]
pub async fn create_chatbot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppJson(body): AppJson<wire::CreateChatbot>,
) -> Result<(StatusCode, Json<wire::Chatbot>), Error> {
    caller.require(Scope::ChatbotsWrite)?;
    let new = NewChatbot::parse(&body.name, body.website.as_deref(), body.welcome_message.as_deref())?;
    let chatbot = chatbots::create_chatbot(&state.db, &caller.workspace_id, new).await?;
    tracing::info!(chatbot_id = %chatbot.id, workspace_id = %caller.workspace_id, "chatbot created");
    Ok((StatusCode::CREATED, Json(chatbot_json(&chatbot))))
}

/// `limit` (1 to 100, default 20) and `cursor` (the previous page's `next_cursor`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many items a page holds: 1 to 100, 20 by default.
    #[param(minimum = 1, maximum = 100, example = 20)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    cursor: Option<String>,
}

impl ListParams {
    pub fn new(limit: Option<u32>, cursor: Option<String>) -> ListParams {
        ListParams { limit, cursor }
    }

    pub fn limit(&self) -> Result<u32, Error> {
        let limit = self.limit.unwrap_or(20);
        if (1..=100).contains(&limit) {
            Ok(limit)
        } else {
            Err(Error::Validation("limit must be between 1 and 100".into()))
        }
    }

    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref().filter(|c| !c.is_empty())
    }
}

/// List chatbots
///
/// The workspace's chatbots, newest first, a page at a time: pass a page's `next_cursor` as
/// `cursor` to get the next one while `has_more` is true. Needs the `chatbots:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/chatbots",
    tag = "Chatbots",
    params(ListParams),
    responses((status = 200, description = "A page of chatbots.", body = wire::Page<wire::Chatbot>)),
)]
pub async fn list_chatbots(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Json<wire::Page<wire::Chatbot>>, Error> {
    caller.require(Scope::ChatbotsRead)?;
    let page = chatbots::list_chatbots(&state.db, &caller.workspace_id, params.limit()?, params.cursor()).await?;
    Ok(Json(wire::Page {
        object: "list".into(),
        data: page.items.iter().map(chatbot_json).collect(),
        has_more: page.next_cursor.is_some(),
        next_cursor: page.next_cursor,
    }))
}

/// Get a chatbot
///
/// The chatbot with all of its settings (never its provider key). Needs the `chatbots:read`
/// scope.
#[utoipa::path(
    get,
    path = "/api/v2/chatbots/{id}",
    tag = "Chatbots",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    responses((status = 200, description = "The chatbot.", body = wire::Chatbot)),
)]
pub async fn get_chatbot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Chatbot>, Error> {
    caller.require(Scope::ChatbotsRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(chatbot_json(&chatbot)))
}
