//! The widget's public endpoints. They need no key: a chatbot's id is public (it is in the
//! embed snippet), and these endpoints only let a visitor talk to that chatbot.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::response::Response;
use parlor_app::wire;

use std::collections::VecDeque;
use std::time::Duration;

use axum::body::Bytes;
use axum::response::sse::Event;

use super::chat::{json_event, resume_point, sse};
use super::conversations::message_json;
use super::extract::{AppJson, AppPath, AppQuery, optional_json};
use crate::chatbots::{self, Settings};
use crate::conversations::{self, EndReason, Updates};
use crate::db::Db;
use crate::error::Error;
use crate::state::AppState;

/// How often a visitor's live stream looks for agents' messages written by other processes.
const LIVE_POLL: Duration = Duration::from_secs(2);

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

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/escalate`: the visitor asks
/// for a human.
pub async fn escalate_widget_conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((id, conversation_id)): AppPath<(String, String)>,
    body: Bytes,
) -> Result<Json<wire::ConversationStatus>, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    check_origin(&chatbot.settings(), &headers)?;
    let options: wire::Escalate = optional_json(&body)?;
    let reason = options.reason.unwrap_or_else(|| "visitor_request".into());
    if reason.chars().count() > 200 {
        return Err(Error::Validation("reason must be at most 200 characters".into()));
    }
    let conversation = conversations::get_chatbot_conversation(&state.db, &chatbot.id, &conversation_id).await?;
    if conversations::escalate(&state.db, &conversation, &reason).await? {
        state.webhooks.signal().notify();
        state.updates.notify();
    }
    Ok(Json(wire::ConversationStatus { conversation_id: conversation.id, status: "escalated".into() }))
}

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/end`: the visitor ends the
/// conversation.
pub async fn end_widget_conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((id, conversation_id)): AppPath<(String, String)>,
) -> Result<Json<wire::ConversationStatus>, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    check_origin(&chatbot.settings(), &headers)?;
    let conversation = conversations::get_chatbot_conversation(&state.db, &chatbot.id, &conversation_id).await?;
    if conversations::end(&state.db, &conversation, EndReason::Visitor).await? {
        state.webhooks.signal().notify();
        state.updates.notify();
    }
    Ok(Json(wire::ConversationStatus { conversation_id: conversation.id, status: "ended".into() }))
}

/// `GET /widget/v1/chatbots/{id}/conversations/{conversation_id}/events`: the visitor's live
/// stream of agents' messages (`message`, with the message's position as the event id, so
/// `Last-Event-ID` resumes) and status changes (`status`). Agents' replies from this process
/// arrive at once, from other processes within two seconds.
pub async fn follow_widget_conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((id, conversation_id)): AppPath<(String, String)>,
    AppQuery(params): AppQuery<super::chat::ResumeParams>,
) -> Result<Response, Error> {
    let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
    check_origin(&chatbot.settings(), &headers)?;
    let conversation = conversations::get_chatbot_conversation(&state.db, &chatbot.id, &conversation_id).await?;
    let after = i64::try_from(resume_point(&headers, &params)?).unwrap_or(i64::MAX);
    let live = Live {
        db: state.db.clone(),
        updates: state.updates.clone(),
        chatbot_id: chatbot.id,
        conversation_id: conversation.id,
        after,
        status: None,
        pending: VecDeque::new(),
    };
    Ok(sse(futures::stream::unfold(live, Live::next)))
}

/// The state of one visitor's live stream.
struct Live {
    db: Db,
    updates: Updates,
    chatbot_id: String,
    conversation_id: String,
    /// The position of the last message sent.
    after: i64,
    /// The last status sent.
    status: Option<String>,
    pending: VecDeque<Event>,
}

impl Live {
    async fn next(mut self) -> Option<(Event, Live)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((event, self));
            }
            // Listen before looking, so that a reply stored in between still wakes this stream.
            let updates = self.updates.clone();
            let woken = updates.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            // A conversation that is gone (deleted) ends the stream.
            let conversation =
                conversations::get_chatbot_conversation(&self.db, &self.chatbot_id, &self.conversation_id)
                    .await
                    .ok()?;
            if self.status.as_deref() != Some(conversation.status.as_str()) {
                let status = wire::ConversationStatus {
                    conversation_id: conversation.id.clone(),
                    status: conversation.status.clone(),
                };
                self.pending.push_back(json_event(wire::live::STATUS, &status));
                self.status = Some(conversation.status);
            }
            match conversations::admin_messages_after(&self.db, &self.conversation_id, self.after).await {
                Ok(messages) => {
                    for message in messages {
                        self.after = message.seq;
                        let id = message.seq.to_string();
                        self.pending.push_back(json_event(wire::live::MESSAGE, &message_json(message)).id(id));
                    }
                }
                Err(err) => tracing::warn!(error = ?err, "could not read a conversation's new messages"),
            }
            if self.pending.is_empty() {
                tokio::select! {
                    () = &mut woken => {}
                    () = tokio::time::sleep(LIVE_POLL) => {}
                }
            }
        }
    }
}
