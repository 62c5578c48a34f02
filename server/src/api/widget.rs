//! The widget's public endpoints. They need no key: a chatbot's id is public (it is in the
//! embed snippet), and these endpoints only let a visitor talk to that chatbot.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::response::Response;
use parlor_app::wire;

use super::extract::{AppJson, AppPath, AppQuery};
use crate::chatbots::{self, Settings};
use crate::error::Error;
use crate::state::AppState;

/// `GET /widget/v1/chatbots/{id}`: what the widget needs to draw itself.
pub async fn get_widget_config(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::WidgetConfig>, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    let settings = chatbot.settings();
    check_origin(&settings, &headers)?;
    Ok(Json(wire::WidgetConfig {
        chatbot_id: chatbot.id,
        name: chatbot.name,
        welcome_message: chatbot.welcome_message,
        title: settings.title,
        theme: Some(format!("{:?}", settings.theme).to_lowercase()),
        accent_color: settings.accent_color,
        position: Some(format!("{:?}", settings.position).to_lowercase()),
        avatar_url: settings.avatar_url,
        starter_questions: settings.starter_questions,
        language: Some(settings.language),
    }))
}

/// `POST /widget/v1/chatbots/{id}/chat`: a visitor's message, answered like the API's chat.
pub async fn send_widget_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::ChatRequest>,
) -> Result<Response, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    check_origin(&chatbot.settings(), &headers)?;
    super::chat::answer(&state, &chatbot, body, None).await
}

/// Refuses pages whose origin the chatbot does not list (when it lists any), so that a
/// chatbot's widget cannot be embedded on someone else's site.
pub(crate) fn check_origin(settings: &Settings, headers: &HeaderMap) -> Result<(), Error> {
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    if settings.allows_origin(origin) {
        Ok(())
    } else {
        Err(Error::forbidden(
            crate::error::ORIGIN_NOT_ALLOWED,
            format!("this chatbot's widget may not be used on {}", origin.unwrap_or("a page without an origin")),
        ))
    }
}

/// `GET /widget/v1/chatbots/{id}/messages/{message_id}/stream`: resumes an answer after
/// `Last-Event-ID` (or `?after=`), for a visitor whose connection dropped.
pub async fn resume_widget_reply(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((id, message_id)): AppPath<(String, String)>,
    AppQuery(params): AppQuery<super::chat::ResumeParams>,
) -> Result<Response, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    check_origin(&chatbot.settings(), &headers)?;
    super::chat::resume_widget_reply(&state, &chatbot.id, &message_id, &headers, &params).await
}

/// `POST /widget/v1/chatbots/{id}/messages/{message_id}/stop`: the visitor's stop button.
pub async fn stop_widget_reply(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((id, message_id)): AppPath<(String, String)>,
) -> Result<Json<wire::StopReply>, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    check_origin(&chatbot.settings(), &headers)?;
    super::chat::stop_widget_reply(&state, &chatbot.id, &message_id).await
}
