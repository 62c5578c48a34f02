//! Feedback: a visitor's rating of an answer or a conversation, sent from the widget
//! (`POST /widget/v1/chatbots/{id}/feedback`) and listed per chatbot
//! (`GET /api/v2/chatbots/{id}/feedback`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_protocol::wire;

use super::chatbots::ListParams;
use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots;
use crate::error::Error;
use crate::feedback::{self, Feedback, NewFeedback};
use crate::ids::rfc3339;
use crate::keys::Scope;
use crate::state::AppState;
use crate::web::origin::PublicChatbot;

/// The API shape of feedback.
pub fn feedback_json(feedback: &Feedback) -> wire::Feedback {
    wire::Feedback {
        id: feedback.id.clone(),
        object: "feedback".into(),
        chatbot_id: feedback.chatbot_id.clone(),
        conversation_id: feedback.conversation_id.clone(),
        message_id: feedback.message_id.clone(),
        thumbs: feedback.thumbs.clone(),
        rating: feedback.rating,
        comment: feedback.comment.clone(),
        created_at: rfc3339(feedback.created_at),
    }
}

/// Rate an answer or a conversation
///
/// A visitor's feedback from the widget: thumbs up or down and/or a rating from 1 to 5, with an
/// optional comment, on one answer (`message_id`) or on the whole conversation. Sends the
/// `feedback.created` webhook event. Shares the per-IP rate limit of the widget's chat.
#[utoipa::path(
    post,
    path = "/widget/v1/chatbots/{id}/feedback",
    tag = "Widget",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(
        content = wire::CreateFeedback,
        example = json!({
            "conversation_id": "conv_7PqR2sT9uV4wX1yZ3aBc",
            "message_id": "msg_9aB3cD5eF7gH1iJ2kL4m",
            "thumbs": "up",
            "comment": "Quick and clear, thanks!"
        })
    ),
    responses((status = 201, description = "The stored feedback.", body = wire::Feedback)),
)]
pub async fn create_widget_feedback(
    State(state): State<AppState>,
    chatbot: Result<PublicChatbot, Error>,
    AppJson(body): AppJson<wire::CreateFeedback>,
) -> Result<(StatusCode, Json<wire::Feedback>), Error> {
    let PublicChatbot(chatbot) = chatbot?;
    let new = NewFeedback::parse(
        body.conversation_id,
        body.message_id,
        body.thumbs.as_deref(),
        body.rating,
        body.comment.as_deref(),
    )?;
    let feedback = feedback::create_feedback(&state.db, &chatbot, new).await?;
    tracing::info!(feedback_id = %feedback.id, chatbot_id = %chatbot.id, "feedback received");
    Ok((StatusCode::CREATED, Json(feedback_json(&feedback))))
}

/// List a chatbot's feedback
///
/// The feedback visitors gave the chatbot's answers and conversations, newest first, a page at a
/// time. Needs the `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/chatbots/{id}/feedback",
    tag = "Feedback",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ListParams),
    responses((status = 200, description = "A page of feedback.", body = wire::Page<wire::Feedback>)),
)]
pub async fn list_feedback(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Json<wire::Page<wire::Feedback>>, Error> {
    caller.require(Scope::ConversationsRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    let page = feedback::list_feedback(&state.db, &chatbot.id, params.limit()?, params.cursor()).await?;
    Ok(Json(wire::Page::new(page.items.iter().map(feedback_json).collect(), page.next_cursor)))
}
