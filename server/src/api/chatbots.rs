//! `/api/chatbots` and `/api/v2/chatbots`: create, list and read chatbots.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_app::wire;
use serde::Deserialize;

use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots::{self, Chatbot, NewChatbot};
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
        created_at: rfc3339(chatbot.created_at),
        updated_at: rfc3339(chatbot.updated_at),
    }
}

/// `POST /api/chatbots`: creates a chatbot and answers 201 with it.
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `GET /api/chatbots`: the workspace's chatbots, newest first, paginated by cursor.
pub async fn list_chatbots(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Json<wire::Page<wire::Chatbot>>, Error> {
    caller.require(Scope::ChatbotsRead)?;
    let limit = params.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(Error::Validation("limit must be between 1 and 100".into()));
    }
    let page = chatbots::list_chatbots(&state.db, &caller.workspace_id, limit, params.cursor.as_deref()).await?;
    Ok(Json(wire::Page {
        object: "list".into(),
        data: page.items.iter().map(chatbot_json).collect(),
        has_more: page.next_cursor.is_some(),
        next_cursor: page.next_cursor,
    }))
}

/// `GET /api/chatbots/{id}`.
pub async fn get_chatbot(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Chatbot>, Error> {
    caller.require(Scope::ChatbotsRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(chatbot_json(&chatbot)))
}
