//! The widget's public endpoints. They need no key: a chatbot's id is public (it is in the
//! embed snippet), and these endpoints only let a visitor talk to that chatbot.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use parlor_app::wire;

use super::extract::{AppJson, AppPath};
use crate::chatbots;
use crate::error::Error;
use crate::state::AppState;

/// `GET /widget/v1/chatbots/{id}`: what the widget needs to draw itself.
pub async fn get_widget_config(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::WidgetConfig>, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    Ok(Json(wire::WidgetConfig {
        chatbot_id: chatbot.id,
        name: chatbot.name,
        welcome_message: chatbot.welcome_message,
    }))
}

/// `POST /widget/v1/chatbots/{id}/chat`: a visitor's message, answered like the API's chat.
pub async fn send_widget_message(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::ChatRequest>,
) -> Result<Response, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    super::chat::answer(&state, &chatbot, body, None).await
}
