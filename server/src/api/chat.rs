//! `POST /api/v2/chatbots/{id}/chat`: a message in, an answer out, as server-sent events or as
//! one JSON object.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use futures::stream::BoxStream;
use parlor_protocol::wire::{self, events};

use super::extract::{AppJson, AppPath, AppQuery, Authenticated};

use crate::chat::service::{ChatEvent, NewMessage, ReplyStream};
use crate::chatbots::{self, Chatbot};
use crate::conversations;
use crate::error::Error;
use crate::ids::now_ms;
use crate::keys::Scope;
use crate::state::AppState;
use crate::web::present::citations_json;
use crate::web::sse::{ResumeParams, json_event, resume_point, sse};

/// An example of the chat answer's event stream, as `curl -N` shows it.
pub const CHAT_STREAM_EXAMPLE: &str = "event: start\n\
data: {\"conversation_id\":\"conv_7PqR2sT9uV4wX1yZ3aBc\",\"user_message_id\":\"msg_1bC3dE5fG7hI9jK1lM3n\",\"message_id\":\"msg_9aB3cD5eF7gH1iJ2kL4m\"}\n\n\
id: 1\nevent: delta\ndata: {\"text\":\"We are open \"}\n\n\
id: 2\nevent: delta\ndata: {\"text\":\"Monday to Friday, 9am to 6pm.\"}\n\n\
event: citations\n\
data: {\"citations\":[{\"entry_id\":\"kn_3cD5eF7gH9iJ1kL3mN5o\",\"title\":\"What are your opening hours?\",\"source_url\":null,\"snippet\":\"We are open Monday to Friday, 9am to 6pm CET.\"}]}\n\n\
event: done\n\
data: {\"message_id\":\"msg_9aB3cD5eF7gH1iJ2kL4m\",\"usage\":{\"prompt_tokens\":182,\"completion_tokens\":11,\"total_tokens\":193},\"finish_reason\":\"stop\"}\n\n";

/// Send a chat message
///
/// Sends a visitor's message to the chatbot and answers it from the chatbot's knowledge. Without
/// `conversation_id` a new conversation starts; pass the `conversation_id` of the `start` event
/// (or of the JSON answer) to continue it.
///
/// By default (`"stream": true`) the answer comes as server-sent events (`text/event-stream`),
/// in this order: `start` (the ids of the conversation, of the visitor's message and of the
/// answer: `ChatStarted`), any number of `delta` (a piece of the answer's text: `ChatDelta`;
/// the event id counts pieces from 1), `citations` (the knowledge the answer used:
/// `ChatCitations`), and last either `done` (`ChatDone`: token usage and finish reason) or
/// `error` (`ChatStreamError`: the model failed; what was generated is kept). Comment lines
/// keep an idle connection alive. A dropped connection resumes with
/// `GET /api/v2/messages/{id}/stream` and the last event id received.
///
/// With `"stream": false` the answer comes as one JSON object once it is complete. Needs the
/// `chat:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/chatbots/{id}/chat",
    tag = "Chat",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(
        content = wire::ChatRequest,
        example = json!({
            "message": "What are your opening hours?",
            "visitor_id": "visitor_42",
            "stream": true
        })
    ),
    responses((
        status = 200,
        description = "The answer: server-sent events by default, one JSON object with `\"stream\": false`.",
        content(
            (String = "text/event-stream", example = json!(CHAT_STREAM_EXAMPLE)),
            (wire::ChatReply = "application/json"),
        ),
    )),
)]
pub async fn send_chat_message(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::ChatRequest>,
) -> Result<Response, Error> {
    caller.require(Scope::ChatWrite)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    answer(&state, &chatbot, body, Some(caller.key_id)).await
}

/// Sends the message (from an API key, or from a visitor when `key_id` is `None`) and answers
/// in the form the request asked for.
pub async fn answer(
    state: &AppState,
    chatbot: &Chatbot,
    body: wire::ChatRequest,
    key_id: Option<String>,
) -> Result<Response, Error> {
    let max = usize::try_from(state.config.max_message_chars).unwrap_or(usize::MAX);
    let mut input = NewMessage::parse_within(&body.message, body.conversation_id, body.visitor_id, max)?
        .in_language(body.language.as_deref())?;
    input.key_id = key_id;
    let reply = state.chat.send_message(chatbot, input).await?;
    if body.stream { Ok(event_stream(reply)) } else { Ok(Json(collect(reply).await?).into_response()) }
}

/// The SSE form: `start`, then `delta` events (with ids counting from 1), `citations`, and a
/// final `done` or `error`.
fn event_stream(reply: ReplyStream) -> Response {
    let ReplyStream { conversation_id, user_message_id, message_id, events } = reply;
    let start = json_event(
        events::START,
        &wire::ChatStarted { conversation_id, user_message_id, message_id: message_id.clone() },
    );
    sse_response(Some(start), message_id, events)
}

/// The answer's events as SSE, after an optional first event. Comments keep idle connections
/// alive; buffering proxies are told not to buffer.
pub(crate) fn sse_response(
    first: Option<Event>,
    message_id: String,
    events: BoxStream<'static, ChatEvent>,
) -> Response {
    let rest = events.map(move |event| match event {
        ChatEvent::Delta { seq, text } => json_event(events::DELTA, &wire::ChatDelta { text }).id(seq.to_string()),
        ChatEvent::Citations(citations) => {
            json_event(events::CITATIONS, &wire::ChatCitations { citations: citations_json(citations) })
        }
        ChatEvent::Done { usage, finish_reason } => json_event(
            events::DONE,
            &wire::ChatDone {
                message_id: message_id.clone(),
                usage: usage_json(usage),
                finish_reason: finish_reason.into(),
            },
        ),
        ChatEvent::Failed { message } => {
            json_event(events::ERROR, &wire::ChatStreamError { code: "MODEL_ERROR".into(), message })
        }
    });
    sse(futures::stream::iter(first).chain(rest))
}

/// Resume an answer's stream
///
/// The rest of an answer as server-sent events after the event named by the `Last-Event-ID`
/// header (what `EventSource` sends when it reconnects) or the `after` query parameter: live
/// while the answer is being generated, whole once it is stored. The events are those of the
/// chat stream without `start`. Needs the `chat:write` or `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/messages/{id}/stream",
    tag = "Chat",
    params(
        ("id" = String, Path, description = "The answer's message id (`message_id` of the `start` event).", example = "msg_9aB3cD5eF7gH1iJ2kL4m"),
        ("Last-Event-ID" = Option<u64>, Header, description = "The id of the last `delta` event received; takes precedence over `after`."),
        ResumeParams,
    ),
    responses((
        status = 200,
        description = "The rest of the answer as server-sent events: `delta`, `citations`, then `done` or `error`.",
        content((String = "text/event-stream")),
    )),
)]
pub async fn resume_chat_reply(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<ResumeParams>,
) -> Result<Response, Error> {
    if caller.require(Scope::ChatWrite).is_err() {
        caller.require(Scope::ConversationsRead)?;
    }
    let after = resume_point(&headers, &params)?;
    let message =
        conversations::get_answer(&state.db, conversations::Owner::Workspace(&caller.workspace_id), &id).await?;
    Ok(sse_response(None, message.id.clone(), state.chat.follow(&message.id, after)))
}

/// Stop an answer
///
/// Ends an answer that is being generated; the text generated so far is kept and the stream ends
/// with `done` and the finish reason `stopped`. `stopping` is false when the answer had already
/// finished. Needs the `chat:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/messages/{id}/stop",
    tag = "Chat",
    params(("id" = String, Path, description = "The answer's message id.", example = "msg_9aB3cD5eF7gH1iJ2kL4m")),
    responses((status = 202, description = "The stop request is accepted.", body = wire::StopReply)),
)]
pub async fn stop_chat_reply(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<(StatusCode, Json<wire::StopReply>), Error> {
    caller.require(Scope::ChatWrite)?;
    let message =
        conversations::get_answer(&state.db, conversations::Owner::Workspace(&caller.workspace_id), &id).await?;
    let stopping = state.chat.stop(&message.id).await?;
    Ok((StatusCode::ACCEPTED, Json(wire::StopReply { message_id: message.id, stopping })))
}

fn usage_json(usage: crate::chat::service::Usage) -> wire::Usage {
    wire::Usage {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        total_tokens: usage.prompt_tokens + usage.completion_tokens,
    }
}

/// The JSON form: waits for the whole answer.
async fn collect(reply: ReplyStream) -> Result<wire::ChatReply, Error> {
    let ReplyStream { conversation_id, user_message_id, message_id, mut events } = reply;
    let mut text = String::new();
    let mut citations = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            ChatEvent::Delta { text: delta, .. } => text.push_str(&delta),
            ChatEvent::Citations(found) => citations.extend(citations_json(found)),
            ChatEvent::Failed { message } => return Err(Error::Internal(anyhow::anyhow!(message))),
            ChatEvent::Done { usage, finish_reason } => {
                return Ok(wire::ChatReply {
                    message: wire::Message {
                        id: message_id,
                        object: "message".into(),
                        conversation_id: conversation_id.clone(),
                        role: "assistant".into(),
                        content: text,
                        created_at: crate::ids::rfc3339(now_ms()),
                    },
                    conversation_id,
                    user_message_id,
                    citations,
                    usage: usage_json(usage),
                    finish_reason: finish_reason.into(),
                });
            }
        }
    }
    Err(Error::Internal(anyhow::anyhow!("the answer ended without a result")))
}
