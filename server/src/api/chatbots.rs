//! `/api/chatbots` and `/api/v2/chatbots`: create, list, read, update and delete chatbots, and
//! make or remove a chatbot's identity secret.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_protocol::wire;
use serde::Deserialize;

use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots::{self, NewChatbot};
use crate::error::Error;
use crate::identity;
use crate::keys::Scope;
use crate::state::AppState;
use crate::web::actions::apply_update;
use crate::web::present::chatbot_json;

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
    Ok(Json(wire::Page::new(page.items.iter().map(chatbot_json).collect(), page.next_cursor)))
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

/// `POST /api/v2/chatbots/{id}/identity-secret`: makes the chatbot's identity secret, or a new
/// one in place of the old (which stops verifying at once), and shows it this once. The owner's
/// server signs visitor ids with it for `Parlor.identify`.
#[utoipa::path(
    post,
    path = "/api/v2/chatbots/{id}/identity-secret",
    tag = "Chatbots",
    summary = "Make an identity secret",
    description = "Makes the chatbot's identity secret, or a new one in place of the old (which stops verifying \
        at once), and shows it this once. Your server signs visitors' ids with it (hex HMAC-SHA256) for \
        `Parlor.identify`, so that the widget's identities can be trusted. Needs the `chatbots:write` scope.",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    responses((status = 201, description = "The new secret, shown this once.", body = wire::IdentitySecret)),
)]
pub async fn rotate_identity_secret(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<(StatusCode, Json<wire::IdentitySecret>), Error> {
    caller.require(Scope::ChatbotsWrite)?;
    let secret = identity::rotate_secret(&state.db, &state.secrets, &caller.workspace_id, &id).await?;
    tracing::info!(chatbot_id = %id, workspace_id = %caller.workspace_id, "identity secret created");
    Ok((StatusCode::CREATED, Json(wire::IdentitySecret { object: "identity_secret".into(), chatbot_id: id, secret })))
}

/// `DELETE /api/v2/chatbots/{id}/identity-secret`: removes the identity secret; hashes are then
/// refused and identities are kept unverified.
#[utoipa::path(
    delete,
    path = "/api/v2/chatbots/{id}/identity-secret",
    tag = "Chatbots",
    summary = "Remove the identity secret",
    description = "Removes the chatbot's identity secret: hashes are then refused and identities are kept \
        unverified. Needs the `chatbots:write` scope.",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    responses((status = 204, description = "The secret is removed.")),
)]
pub async fn delete_identity_secret(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, Error> {
    caller.require(Scope::ChatbotsWrite)?;
    identity::remove_secret(&state.db, &caller.workspace_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
