//! The widget's public endpoints. They need no key: a chatbot's id is public (it is in the
//! embed snippet), and these endpoints only let a visitor talk to that chatbot.

use std::collections::VecDeque;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::response::sse::Event;
use parlor_protocol::wire;

use super::chat::{CHAT_STREAM_EXAMPLE, answer, sse_response};
use super::extract::{AppJson, AppPath, AppQuery, optional_json};
use crate::chatbots::{self, LeadCapture, Settings};
use crate::conversations::{self, EndReason, Status};
use crate::db::{Db, Wake};
use crate::error::Error;
use crate::identity;
use crate::state::AppState;
use crate::web::origin::PublicChatbot;
use crate::web::present::{message_json, suggestions_json};
use crate::web::sse::{ResumeParams, json_event, resume_point, sse};

/// The query of a visitor's own request: the visitor id the widget keeps in localStorage.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitorParams {
    /// The id the widget made for this visitor (kept in `localStorage`).
    #[param(example = "visitor_42")]
    visitor_id: String,
}

/// How often a visitor's live stream looks for agents' messages written by other processes.
const LIVE_POLL: Duration = Duration::from_secs(2);

/// `GET /widget/v1/chatbots/{id}`: what the widget needs to draw itself.
#[utoipa::path(
    get,
    path = "/widget/v1/chatbots/{id}",
    tag = "Widget",
    summary = "Get the widget's configuration",
    description = "What the widget needs to draw itself: the chatbot's name, welcome message, theme, colours, \
        starter questions, language and when to ask for the visitor's details. No key: the widget calls it from \
        visitors' pages. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    responses((status = 200, description = "The widget's configuration.", body = wire::WidgetConfig)),
)]
pub async fn get_widget_config(PublicChatbot(chatbot): PublicChatbot) -> Result<Json<wire::WidgetConfig>, Error> {
    let settings = chatbot.settings();
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
        lead_capture: Some(
            match settings.lead_capture {
                LeadCapture::Off => "off",
                LeadCapture::WhenNeeded => "when_needed",
                LeadCapture::BeforeChat => "before_chat",
            }
            .to_owned(),
        ),
    }))
}

/// `POST /widget/v1/chatbots/{id}/chat`: a visitor's message, answered like the API's chat.
#[utoipa::path(
    post,
    path = "/widget/v1/chatbots/{id}/chat",
    tag = "Widget",
    summary = "Send a visitor's message",
    description = "A visitor's message, answered like `POST /api/v2/chatbots/{id}/chat`: server-sent events \
        (`start`, `delta`, `citations`, then `done` or `error`) by default, one JSON object with \
        `\"stream\": false`. Pass the widget's `visitor_id`, and the `conversation_id` of the `start` event to \
        continue a conversation. Limited per client IP address. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(
        content = wire::ChatRequest,
        example = json!({"message": "Do you ship to Canada?", "visitor_id": "visitor_42", "stream": true})
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
pub async fn send_widget_message(
    State(state): State<AppState>,
    chatbot: Result<PublicChatbot, Error>,
    AppJson(body): AppJson<wire::ChatRequest>,
) -> Result<Response, Error> {
    let PublicChatbot(chatbot) = chatbot?;
    answer(&state, &chatbot, body, None).await
}

/// `GET /widget/v1/chatbots/{id}/messages/{message_id}/stream`: resumes an answer after
/// `Last-Event-ID` (or `?after=`), for a visitor whose connection dropped.
#[utoipa::path(
    get,
    path = "/widget/v1/chatbots/{id}/messages/{message_id}/stream",
    tag = "Widget",
    summary = "Resume an answer's stream",
    description = "The rest of an answer as server-sent events after `Last-Event-ID` (or `after`), for a visitor \
        whose connection dropped: live while it is generated, whole once it is stored. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ("message_id" = String, Path, description = "The answer's message id.", example = "msg_9aB3cD5eF7gH1iJ2kL4m"), ("Last-Event-ID" = Option<u64>, Header, description = "The id of the last event received; takes precedence over `after`."), ResumeParams),
    responses((
        status = 200,
        description = "The rest of the answer as server-sent events: `delta`, `citations`, then `done` or `error`.",
        content((String = "text/event-stream")),
    )),
)]
pub async fn resume_widget_reply(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((_, message_id)): AppPath<(String, String)>,
    AppQuery(params): AppQuery<ResumeParams>,
    PublicChatbot(chatbot): PublicChatbot,
) -> Result<Response, Error> {
    let after = resume_point(&headers, &params)?;
    let message = conversations::get_answer(&state.db, conversations::Owner::Chatbot(&chatbot.id), &message_id).await?;
    Ok(sse_response(None, message.id.clone(), state.chat.follow(&message.id, after)))
}

/// `POST /widget/v1/chatbots/{id}/messages/{message_id}/stop`: the visitor's stop button.
#[utoipa::path(
    post,
    path = "/widget/v1/chatbots/{id}/messages/{message_id}/stop",
    tag = "Widget",
    summary = "Stop an answer",
    description = "The visitor's stop button: ends an answer being generated and keeps what was generated. \
        The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ("message_id" = String, Path, description = "The answer's message id.", example = "msg_9aB3cD5eF7gH1iJ2kL4m")),
    responses((status = 200, description = "Whether the answer was still being generated.", body = wire::StopReply)),
)]
pub async fn stop_widget_reply(
    State(state): State<AppState>,
    AppPath((_, message_id)): AppPath<(String, String)>,
    PublicChatbot(chatbot): PublicChatbot,
) -> Result<Json<wire::StopReply>, Error> {
    let message = conversations::get_answer(&state.db, conversations::Owner::Chatbot(&chatbot.id), &message_id).await?;
    let stopping = state.chat.stop(&message.id).await?;
    Ok(Json(wire::StopReply { message_id: message.id, stopping }))
}

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/escalate`: the visitor asks
/// for a human.
#[utoipa::path(
    post,
    path = "/widget/v1/chatbots/{id}/conversations/{conversation_id}/escalate",
    tag = "Widget",
    summary = "Ask for a human",
    description = "The visitor asks for a person: the conversation becomes `escalated`, the chatbot stays quiet \
        and the `conversation.escalated` webhook event is sent. The body is optional. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ("conversation_id" = String, Path, description = "The visitor's conversation.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    request_body(content = Option<wire::Escalate>, example = json!({"reason": "visitor_request"})),
    responses((status = 200, description = "The conversation's new status.", body = wire::ConversationStatus)),
)]
pub async fn escalate_widget_conversation(
    State(state): State<AppState>,
    AppPath((_, conversation_id)): AppPath<(String, String)>,
    chatbot: Result<PublicChatbot, Error>,
    body: Bytes,
) -> Result<Json<wire::ConversationStatus>, Error> {
    let PublicChatbot(chatbot) = chatbot?;
    let options: wire::Escalate = optional_json(&body)?;
    let reason = options.reason.unwrap_or_else(|| "visitor_request".into());
    if reason.chars().count() > 200 {
        return Err(Error::Validation("reason must be at most 200 characters".into()));
    }
    let conversation = conversations::get_chatbot_conversation(&state.db, &chatbot.id, &conversation_id).await?;
    conversations::escalate(&state.db, &conversation, &reason).await?;
    Ok(Json(wire::ConversationStatus { conversation_id: conversation.id, status: Status::Escalated.as_str().into() }))
}

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/end`: the visitor ends the
/// conversation.
#[utoipa::path(
    post,
    path = "/widget/v1/chatbots/{id}/conversations/{conversation_id}/end",
    tag = "Widget",
    summary = "End a conversation",
    description = "The visitor ends the conversation (`ended_reason` `visitor`). The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ("conversation_id" = String, Path, description = "The visitor's conversation.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    responses((status = 200, description = "The conversation's new status.", body = wire::ConversationStatus)),
)]
pub async fn end_widget_conversation(
    State(state): State<AppState>,
    AppPath((_, conversation_id)): AppPath<(String, String)>,
    PublicChatbot(chatbot): PublicChatbot,
) -> Result<Json<wire::ConversationStatus>, Error> {
    let conversation = conversations::get_chatbot_conversation(&state.db, &chatbot.id, &conversation_id).await?;
    conversations::end(&state.db, &conversation, EndReason::Visitor).await?;
    Ok(Json(wire::ConversationStatus { conversation_id: conversation.id, status: Status::Ended.as_str().into() }))
}

/// `GET /widget/v1/chatbots/{id}/conversations/{conversation_id}/events`: the visitor's live
/// stream of agents' messages (`message`, with the message's position as the event id, so
/// `Last-Event-ID` resumes) and status changes (`status`). Agents' replies from this process
/// arrive at once, from other processes within two seconds.
#[utoipa::path(
    get,
    path = "/widget/v1/chatbots/{id}/conversations/{conversation_id}/events",
    tag = "Widget",
    summary = "Follow a conversation live",
    description = "A visitor's live stream of server-sent events: `status` (`ConversationStatus`) when the \
        conversation's status changes (first at once), and `message` (`StoredMessage`) for each message of a human \
        agent, with its position as the event id so that `Last-Event-ID` resumes. Agents' replies arrive at once \
        from this process and within two seconds from others. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ("conversation_id" = String, Path, description = "The visitor's conversation.", example = "conv_7PqR2sT9uV4wX1yZ3aBc"), ("Last-Event-ID" = Option<u64>, Header, description = "The id of the last event received; takes precedence over `after`."), ResumeParams),
    responses((
        status = 200,
        description = "Server-sent events `status` and `message` until the conversation is deleted.",
        content((String = "text/event-stream")),
    )),
)]
pub async fn follow_widget_conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((_, conversation_id)): AppPath<(String, String)>,
    AppQuery(params): AppQuery<ResumeParams>,
    PublicChatbot(chatbot): PublicChatbot,
) -> Result<Response, Error> {
    let conversation = conversations::get_chatbot_conversation(&state.db, &chatbot.id, &conversation_id).await?;
    let after = i64::try_from(resume_point(&headers, &params)?).unwrap_or(i64::MAX);
    let live = Live {
        db: state.db.clone(),
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
            let db = self.db.clone();
            let woken = db.woken(Wake::Conversations);
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
                    status: conversation.status.as_str().to_owned(),
                };
                self.pending.push_back(json_event(wire::live::STATUS, &status));
                self.status = Some(conversation.status.as_str().to_owned());
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

/// A conversation of the chatbot that belongs to the visitor `visitor_id`; `NotFound` for any
/// other, so that a conversation id alone (in a shared link, a log) does not show its messages.
async fn visitor_conversation(
    state: &AppState,
    chatbot_id: &str,
    conversation_id: &str,
    visitor_id: &str,
) -> Result<conversations::Conversation, Error> {
    let conversation = conversations::get_chatbot_conversation(&state.db, chatbot_id, conversation_id).await?;
    if visitor_id.is_empty() || conversation.visitor_id.as_deref() != Some(visitor_id) {
        return Err(Error::NotFound("conversation"));
    }
    Ok(conversation)
}

/// `GET /widget/v1/chatbots/{id}/conversations/{conversation_id}/messages?visitor_id=`: the
/// conversation's messages, oldest first, for the visitor who started it: what the widget shows
/// again after a reload.
#[utoipa::path(
    get,
    path = "/widget/v1/chatbots/{id}/conversations/{conversation_id}/messages",
    tag = "Widget",
    summary = "List a visitor's messages",
    description = "The conversation's messages, oldest first, for the visitor who started it (404 for anyone \
        else): what the widget shows again after a reload. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ("conversation_id" = String, Path, description = "The visitor's conversation.", example = "conv_7PqR2sT9uV4wX1yZ3aBc"), VisitorParams),
    responses((status = 200, description = "The conversation's messages, all on one page.", body = wire::Page<wire::StoredMessage>)),
)]
pub async fn list_widget_messages(
    State(state): State<AppState>,
    AppPath((_, conversation_id)): AppPath<(String, String)>,
    AppQuery(params): AppQuery<VisitorParams>,
    PublicChatbot(chatbot): PublicChatbot,
) -> Result<Json<wire::Page<wire::StoredMessage>>, Error> {
    let conversation = visitor_conversation(&state, &chatbot.id, &conversation_id, &params.visitor_id).await?;
    let messages = conversations::list_messages(&state.db, &conversation.id).await?;
    Ok(Json(wire::Page::all(messages.into_iter().map(message_json).collect())))
}

/// `POST /widget/v1/chatbots/{id}/identify`: who the host page says its visitor is
/// (`Parlor.identify`). A `hash` must be the HMAC-SHA256 of the id under the chatbot's identity
/// secret, or the call is refused (403 `IDENTITY_NOT_VERIFIED`); without one the identity is
/// kept unverified. With the visitor's conversation, the identity is attached to it; a verified
/// one with an email also becomes (or updates) the workspace's contact.
#[utoipa::path(
    post,
    path = "/widget/v1/chatbots/{id}/identify",
    tag = "Widget",
    summary = "Identify the visitor",
    description = "Who the host page says its visitor is (`Parlor.identify`). A `hash` must be the hex \
        HMAC-SHA256 of `id` under the chatbot's identity secret, or the call is refused (403 \
        `IDENTITY_NOT_VERIFIED`); without one the identity is kept unverified. With `conversation_id` the identity \
        is attached to the visitor's conversation; a verified one with an email also becomes (or updates) a \
        contact. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(
        content = wire::Identify,
        example = json!({
            "visitor_id": "visitor_42",
            "id": "user_1234",
            "name": "Dana Scully",
            "email": "dana@example.com"
        })
    ),
    responses((status = 200, description = "The identity and whether it was verified.", body = wire::Identified)),
)]
pub async fn identify_widget_visitor(
    State(state): State<AppState>,
    chatbot: Result<PublicChatbot, Error>,
    AppJson(body): AppJson<wire::Identify>,
) -> Result<Json<wire::Identified>, Error> {
    let PublicChatbot(chatbot) = chatbot?;
    let person = identity::Identity::parse(&body.id, body.name.as_deref(), body.email.as_deref())?;
    let verified = identity::verify(&state.db, &state.secrets, &chatbot.id, &person, body.hash.as_deref()).await?;
    if let Some(conversation_id) = &body.conversation_id {
        let conversation = visitor_conversation(&state, &chatbot.id, conversation_id, &body.visitor_id).await?;
        identity::attach(&state.db, &conversation, &person, verified).await?;
    }
    identity::attach_contact(&state.db, &chatbot.workspace_id, &person, verified).await?;
    Ok(Json(wire::Identified { id: person.user_id, verified }))
}

/// The query of the widget's suggestions: what the visitor has typed so far.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What the visitor has typed so far (at most 200 characters).
    #[param(example = "how do I ret")]
    q: String,
}

/// `GET /widget/v1/chatbots/{id}/suggestions?q=`: up to five completions of what the visitor is
/// typing, as the API's suggestions give them.
#[utoipa::path(
    get,
    path = "/widget/v1/chatbots/{id}/suggestions",
    tag = "Widget",
    summary = "Suggest questions",
    description = "Up to five completions of what the visitor is typing, as `GET /api/v2/chatbots/{id}/suggestions` \
        gives them. The page's `Origin` must be one the chatbot allows (any, when it lists none).",
    params(("id" = String, Path, description = "The chatbot's id (public: it is in the embed snippet).", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), SuggestParams),
    responses((status = 200, description = "The completions, best first.", body = wire::Suggestions)),
)]
pub async fn suggest_widget_questions(
    State(state): State<AppState>,
    AppQuery(params): AppQuery<SuggestParams>,
    PublicChatbot(chatbot): PublicChatbot,
) -> Result<Json<wire::Suggestions>, Error> {
    if params.q.chars().count() > 200 {
        return Err(Error::Validation("q must be at most 200 characters".into()));
    }
    let found = state.suggestions.suggest(&state.db, &chatbot.id, &params.q, 5).await?;
    Ok(Json(suggestions_json(params.q, found)))
}

/// The embed attributes the iframe fallback passes on, in its query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FrameParams {
    theme: Option<String>,
    accent: Option<String>,
    language: Option<String>,
    /// `true` when the host page shows the widget inline, where the frame has no close button.
    inline: Option<String>,
}

/// The policy of the fallback page: scripts and WebAssembly only from Parlor itself; it may be
/// framed by any page when the chatbot lists no origins (that is its purpose), and otherwise only
/// by the listed origins, which is what keeps a restricted chatbot's widget off other sites.
fn frame_policy(settings: &Settings) -> String {
    let ancestors = if settings.allowed_origins.is_empty() {
        "*".to_owned()
    } else {
        // Listed origins are normalised when saved (`scheme://host[:port]`); anything else would
        // make the header invalid, so it is left out rather than trusted.
        let valid = settings.allowed_origins.iter().filter(|origin| {
            (origin.starts_with("https://") || origin.starts_with("http://"))
                && origin.bytes().all(|b| b.is_ascii_alphanumeric() || b".:/-[]".contains(&b))
        });
        std::iter::once("'self'").chain(valid.map(String::as_str)).collect::<Vec<_>>().join(" ")
    };
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )
}

/// `GET /widget-frame/{id}`: the page the loader puts in an iframe when the host page's Content
/// Security Policy forbids WebAssembly. It is Parlor's own page, on Parlor's origin and under its
/// own policy, and runs the same loader in `inline` mode; `data-frame` makes it talk to the
/// loader on the host page with `postMessage` (`true`: the host page closes it; `inline`: the
/// host page shows it inline, so it has no close button). Only the loader's checked attributes
/// get through, each escaped, and the loader checks them again.
pub async fn get_widget_frame(
    State(state): State<AppState>,
    request_headers: HeaderMap,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<FrameParams>,
) -> Response {
    use axum::http::HeaderValue;
    use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
    let settings = match chatbots::get_public_chatbot(&state.db, &id).await {
        Ok(chatbot) => chatbot.settings(),
        Err(err) => return axum::response::IntoResponse::into_response(err),
    };
    // A restricted chatbot's frame is for its sites' pages: opened on its own, as a page of
    // Parlor's origin, it would be a way around the list. Browsers say where a page will show.
    let destination = request_headers.get("sec-fetch-dest").and_then(|v| v.to_str().ok());
    if !settings.allowed_origins.is_empty() && destination.is_some_and(|dest| dest != "iframe") {
        return axum::response::IntoResponse::into_response(Error::forbidden(
            crate::error::ORIGIN_NOT_ALLOWED,
            "this chatbot's widget runs only inside the pages of its allowed origins".to_owned(),
        ));
    }
    let Ok(policy) = HeaderValue::from_str(&frame_policy(&settings)) else {
        return axum::response::IntoResponse::into_response(Error::Internal(anyhow::anyhow!("invalid frame policy")));
    };
    let mut attributes = format!(" data-chatbot-id=\"{}\"", crate::html::escape(&id));
    for (name, value) in [("theme", &params.theme), ("accent", &params.accent), ("language", &params.language)] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty() && v.len() <= 40) {
            attributes.push_str(&format!(" data-{name}=\"{}\"", crate::html::escape(value)));
        }
    }
    let frame = if params.inline.as_deref() == Some("true") { "inline" } else { "true" };
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Chat</title>\
         <style>html,body{{margin:0;height:100%;background:transparent}}#parlor-frame{{height:100%}}</style></head>\
         <body><div id=\"parlor-frame\"></div><script src=\"/widget.js\"{attributes} data-mode=\"inline\" \
         data-target=\"#parlor-frame\" data-frame=\"{frame}\" async></script></body></html>"
    );
    let mut response = Response::new(axum::body::Body::from(page));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(CONTENT_SECURITY_POLICY, policy);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}
