//! The platform API (`/api/platform/v1/...`): the bots and conversations of the API that seed
//! 003's product documents, for its clients to keep working with another host and key. A bot is
//! a Parlor chatbot. Lists are numbered pages (`page`, `per_page`) with their metadata in the
//! body; a create answers 201 and a delete 200 with what was deleted. Authentication, scopes,
//! rate limits, errors and the bodies of bots, conversations and messages are the v2 API's.
//!
//! Each handler is an encoding of domain calls that the v2 handlers make too: nothing here
//! reads the database or decides anything of its own.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_protocol::wire;
use serde::Deserialize;

use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots::{self, NewChatbot};
use crate::conversations;
use crate::db::{NumberedPage, PageNumber};
use crate::error::Error;
use crate::keys::Scope;
use crate::state::AppState;
use crate::web::actions::apply_update;
use crate::web::present::{chatbot_json, conversation_json, message_json};

/// The OpenAPI tag of this dialect's operations.
pub const TAG: &str = "Platform API (seed 003)";

/// `page` (from 1, default 1) and `per_page` (1 to 100, default 20).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The page's number, from 1; 1 by default. A page past the end is empty.
    #[param(minimum = 1, example = 1)]
    page: Option<u32>,
    /// How many items a page holds: 1 to 100, 20 by default. Above 100 is a 422, not a clamp.
    #[param(minimum = 1, maximum = 100, example = 20)]
    per_page: Option<u32>,
}

impl PageParams {
    fn page_number(&self) -> Result<PageNumber, Error> {
        PageNumber::new(self.page, self.per_page)
    }
}

/// A numbered page of domain records in the platform API's shape.
fn numbered<T, W>(page: NumberedPage<T>, present: impl Fn(T) -> W) -> wire::NumberedPage<W> {
    let meta = wire::PageMeta {
        page: page.at.page(),
        per_page: page.at.per_page(),
        total: u64::try_from(page.total).unwrap_or_default(),
        has_more: page.has_more(),
    };
    wire::NumberedPage { data: page.items.into_iter().map(present).collect(), meta }
}

fn deleted(id: String, object: &str) -> Json<wire::Deleted> {
    Json(wire::Deleted { id, object: object.to_owned(), deleted: true })
}

/// List bots
///
/// The workspace's chatbots, newest first, by numbered page: `page` (default 1) and `per_page`
/// (default 20, at most 100). `meta.total` counts them all and `meta.has_more` says whether a
/// later page holds more. Needs the `chatbots:read` scope.
#[utoipa::path(
    get,
    path = "/api/platform/v1/bots",
    tag = TAG,
    params(PageParams),
    responses((status = 200, description = "A page of bots.", body = wire::NumberedPage<wire::Chatbot>)),
)]
pub async fn list_bots(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<PageParams>,
) -> Result<Json<wire::NumberedPage<wire::Chatbot>>, Error> {
    caller.require(Scope::ChatbotsRead)?;
    let page = chatbots::list_chatbots_numbered(&state.db, &caller.workspace_id, params.page_number()?).await?;
    Ok(Json(numbered(page, |chatbot| chatbot_json(&chatbot))))
}

/// Create a bot
///
/// Creates a chatbot with default settings, as `POST /api/v2/chatbots` does; change them with
/// `PATCH`. Needs the `chatbots:write` scope.
#[utoipa::path(
    post,
    path = "/api/platform/v1/bots",
    tag = TAG,
    request_body(
        content = wire::CreateChatbot,
        example = json!({"name": "Support bot", "welcome_message": "Hello! How can I help you today?"})
    ),
    responses((status = 201, description = "The new bot.", body = wire::Chatbot)),
)]
pub async fn create_bot(
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

/// Get bot details
///
/// The chatbot with all of its settings (never its provider key), as `GET
/// /api/v2/chatbots/{id}` shows it. Needs the `chatbots:read` scope.
#[utoipa::path(
    get,
    path = "/api/platform/v1/bots/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The bot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    responses((status = 200, description = "The bot.", body = wire::Chatbot)),
)]
pub async fn get_bot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Chatbot>, Error> {
    caller.require(Scope::ChatbotsRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(chatbot_json(&chatbot)))
}

/// Update a bot
///
/// Changes only the fields the body names, with the same fields and the same validation as
/// `PATCH /api/v2/chatbots/{id}` (a field out of range is a 422). Needs the `chatbots:write`
/// scope.
#[utoipa::path(
    patch,
    path = "/api/platform/v1/bots/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The bot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(
        content = wire::UpdateChatbot,
        example = json!({"name": "Order help", "welcome_message": "Hi! Ask me anything about your order."})
    ),
    responses((status = 200, description = "The bot with its new settings.", body = wire::Chatbot)),
)]
pub async fn update_bot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::UpdateChatbot>,
) -> Result<Json<wire::Chatbot>, Error> {
    caller.require(Scope::ChatbotsWrite)?;
    let chatbot = apply_update(&state, &caller.workspace_id, &id, body).await?;
    Ok(Json(chatbot_json(&chatbot)))
}

/// Delete a bot
///
/// Deletes the chatbot with all of its data: conversations, knowledge, leads and feedback. This
/// cannot be undone. Answers 200 with what was deleted. Needs the `chatbots:write` scope.
#[utoipa::path(
    delete,
    path = "/api/platform/v1/bots/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The bot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    responses((status = 200, description = "The bot is deleted.", body = wire::Deleted)),
)]
pub async fn delete_bot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Deleted>, Error> {
    caller.require(Scope::ChatbotsWrite)?;
    chatbots::delete_chatbot(&state.db, &caller.workspace_id, &id).await?;
    tracing::info!(chatbot_id = %id, workspace_id = %caller.workspace_id, "chatbot deleted");
    Ok(deleted(id, "chatbot"))
}

/// List a bot's conversations
///
/// The bot's conversations, newest first, by numbered page (`page`, `per_page`). Needs the
/// `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/platform/v1/bots/{bot_id}/conversations",
    tag = TAG,
    params(("bot_id" = String, Path, description = "The bot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), PageParams),
    responses((status = 200, description = "A page of conversations.", body = wire::NumberedPage<wire::Conversation>)),
)]
pub async fn list_bot_conversations(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(bot_id): AppPath<String>,
    AppQuery(params): AppQuery<PageParams>,
) -> Result<Json<wire::NumberedPage<wire::Conversation>>, Error> {
    caller.require(Scope::ConversationsRead)?;
    let at = params.page_number()?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &bot_id).await?;
    let page = conversations::list_conversations_numbered(&state.db, &chatbot.id, at).await?;
    Ok(Json(numbered(page, |conversation| conversation_json(&conversation))))
}

/// Get conversation details
///
/// The conversation without its messages (`message_count` says how many it has; read them with
/// `GET /api/platform/v1/conversations/{id}/messages`). Needs the `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/platform/v1/conversations/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    responses((status = 200, description = "The conversation.", body = wire::Conversation)),
)]
pub async fn get_platform_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Conversation>, Error> {
    caller.require(Scope::ConversationsRead)?;
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(conversation_json(&conversation)))
}

/// Get a conversation's messages
///
/// The conversation's messages, oldest first, by numbered page (`page`, `per_page`), each with
/// its citations. Needs the `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/platform/v1/conversations/{id}/messages",
    tag = TAG,
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc"), PageParams),
    responses((status = 200, description = "A page of messages.", body = wire::NumberedPage<wire::StoredMessage>)),
)]
pub async fn list_platform_messages(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<PageParams>,
) -> Result<Json<wire::NumberedPage<wire::StoredMessage>>, Error> {
    caller.require(Scope::ConversationsRead)?;
    let at = params.page_number()?;
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    let page = conversations::list_messages_numbered(&state.db, &conversation, at).await?;
    Ok(Json(numbered(page, message_json)))
}

/// Delete a conversation
///
/// Deletes the conversation and its messages. Answers 200 with what was deleted. Needs the
/// `conversations:write` scope.
#[utoipa::path(
    delete,
    path = "/api/platform/v1/conversations/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    responses((status = 200, description = "The conversation is deleted.", body = wire::Deleted)),
)]
pub async fn delete_platform_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Deleted>, Error> {
    caller.require(Scope::ConversationsWrite)?;
    conversations::delete_conversation(&state.db, &caller.workspace_id, &id).await?;
    Ok(deleted(id, "conversation"))
}
