//! The widget's HTTP calls: the chatbot's configuration, the streamed chat answer, feedback, the
//! request for a human and the conversation's live stream of agents' replies. Streams are read
//! with `fetch` and a body reader (one reader, [`read_events`], for both), so a POST can stream
//! (EventSource can only GET) and every request can be aborted the same way ([`Abort`]).
//!
//! JSON is read and written by the browser (`JSON.parse`, `JSON.stringify`) through [`Json`],
//! not by serde: serde_json and the deserialisers it instantiates were a fifth of the WASM. The
//! field names are those of `parlor_protocol::wire`, and the end-to-end tests read every one of them.
//! Requests go through the browser's `fetch` directly ([`fetch`]), not a wrapper crate: the
//! widget needs a method, a JSON body and an abort signal, nothing more (BENCHMARKS.md, "Widget
//! weight", measured the difference).

use parlor_protocol::sse::{SseEvent, SseParser};
use parlor_protocol::wire::{events, live};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// A JSON value as the browser parsed it, read field by field. A missing field or one of another
/// type reads as empty, as serde's `#[serde(default)]` would.
pub struct Json(JsValue);

impl Json {
    pub fn parse(text: &str) -> Json {
        Json(js_sys::JSON::parse(text).unwrap_or(JsValue::UNDEFINED))
    }

    pub fn get(&self, field: &str) -> Json {
        Json(js_sys::Reflect::get(&self.0, &field.into()).unwrap_or(JsValue::UNDEFINED))
    }

    /// The field's text, if it is a string.
    pub fn text(&self, field: &str) -> Option<String> {
        self.get(field).0.as_string()
    }

    /// The field's text, or empty.
    pub fn string(&self, field: &str) -> String {
        self.text(field).unwrap_or_default()
    }

    pub fn flag(&self, field: &str) -> bool {
        self.get(field).0.as_bool().unwrap_or(false)
    }

    /// The items of an array field (none when it is not an array).
    pub fn items(&self, field: &str) -> Vec<Json> {
        let value = self.get(field).0;
        if js_sys::Array::is_array(&value) {
            js_sys::Array::from(&value).iter().map(Json).collect()
        } else {
            Vec::new()
        }
    }
}

/// A JSON object of string, boolean or null fields, as text for a request body.
fn json_body(fields: &[(&str, JsValue)]) -> String {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        if !value.is_undefined() {
            let _ = js_sys::Reflect::set(&object, &(*name).into(), value);
        }
    }
    js_sys::JSON::stringify(&object).map(String::from).unwrap_or_default()
}

/// A string field of a request body, left out when `None`.
pub fn opt(value: Option<String>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, JsValue::from)
}

/// `fetch(url, {method, body, headers, signal})`: the response, whatever its status, or `Err`
/// when the request did not complete (a network failure, CORS, an abort).
async fn fetch(
    method: &str,
    url: &str,
    json: Option<&[(&str, JsValue)]>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Response, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(fields) = json {
        let headers = js_sys::Object::new();
        js_sys::Reflect::set(&headers, &"content-type".into(), &"application/json".into())?;
        init.set_headers(&headers);
        init.set_body(&json_body(fields).into());
    }
    init.set_signal(signal);
    let window = web_sys::window().ok_or(JsValue::UNDEFINED)?;
    JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?.dyn_into()
}

async fn get(url: &str, signal: Option<&web_sys::AbortSignal>) -> Result<Response, JsValue> {
    fetch("GET", url, None, signal).await
}

/// A POST with a JSON body.
async fn post_json(
    url: &str,
    signal: Option<&web_sys::AbortSignal>,
    fields: &[(&str, JsValue)],
) -> Result<Response, JsValue> {
    fetch("POST", url, Some(fields), signal).await
}

/// A POST with no body.
async fn post(url: &str) -> Result<Response, JsValue> {
    fetch("POST", url, None, None).await
}

async fn read_json(response: Response) -> Option<Json> {
    let text = JsFuture::from(response.text().ok()?).await.ok()?;
    Some(Json::parse(&text.as_string()?))
}

/// The message of an error body (`{"error": {"message"}}`), or empty.
async fn error_message(response: Response) -> String {
    read_json(response).await.map(|body| body.get("error").string("message")).unwrap_or_default()
}

/// What the widget needs of `GET /widget/v1/chatbots/{id}` (`wire::WidgetConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub name: String,
    pub title: Option<String>,
    /// An https URL (the server accepts no other), shown beside the title.
    pub avatar_url: Option<String>,
    pub welcome_message: String,
    pub starter_questions: Vec<String>,
    /// `off`, `when_needed` or `before_chat`.
    pub lead_capture: Option<String>,
}

/// A source of an answer (`wire::Citation`): what the widget shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub title: String,
    pub snippet: String,
}

fn sources(json: &Json) -> Vec<Source> {
    json.items("citations").iter().map(|c| Source { title: c.string("title"), snippet: c.string("snippet") }).collect()
}

/// A stored message (`wire::StoredMessage`).
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    /// `user`, `assistant` or `admin`.
    pub role: String,
    pub content: String,
    pub status: String,
    pub citations: Vec<Source>,
}

impl Stored {
    fn read(json: &Json) -> Stored {
        Stored {
            id: json.string("id"),
            role: json.string("role"),
            content: json.string("content"),
            status: json.string("status"),
            citations: sources(json),
        }
    }
}

/// Cuts a request short, body reader included. Empty in a browser without `AbortController`,
/// whose requests then simply run to their end.
#[derive(Clone, Default)]
pub struct Abort(Option<web_sys::AbortController>);

impl Abort {
    pub fn new() -> Self {
        Abort(web_sys::AbortController::new().ok())
    }

    /// The signal to give the request.
    pub fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.as_ref().map(web_sys::AbortController::signal)
    }

    pub fn abort(&self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

/// Waits `ms` milliseconds (a `setTimeout` as a future).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Reads a body of server-sent events and calls `on_event` for each one as it completes.
/// `Ok` when the body ended, `Err` when it could not be read to its end (a dropped connection,
/// an abort). `on_event` is a trait object so that the chat and the live stream share one copy
/// of this code in the WASM.
async fn read_events(response: &Response, on_event: &mut dyn FnMut(SseEvent)) -> Result<(), ()> {
    let body = response.body().ok_or(())?;
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().dyn_into().map_err(|_| ())?;
    let mut parser = SseParser::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|_| ())?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|v| v.as_bool()).unwrap_or(true);
        if done {
            return Ok(());
        }
        let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) else { return Ok(()) };
        parser.push(&js_sys::Uint8Array::new(&value).to_vec()).into_iter().for_each(&mut *on_event);
    }
}

/// What the answer stream tells the widget.
pub enum StreamEvent {
    Started {
        conversation_id: String,
        message_id: String,
    },
    Delta(String),
    Citations(Vec<Source>),
    /// The answer failed while it streamed, with the server's reason.
    Failed(String),
}

/// Why a message got no answer. The widget says it in the visitor's language.
pub enum ChatFailure {
    /// The stored conversation no longer exists on the server; start a new one.
    ConversationGone,
    /// The request did not reach the server, or its answer did not arrive.
    Network,
    /// The server refused the message, with its reason.
    Refused(String),
    /// The answer stopped arriving before its end.
    Interrupted,
}

/// `GET /widget/v1/chatbots/{id}`. `Err` with the server's reason when it refuses (a page on an
/// origin the chatbot does not allow), with none when it could not be asked.
pub async fn fetch_config(backend: String, chatbot_id: String) -> Result<Config, Option<String>> {
    let url = [&backend, "/widget/v1/chatbots/", &chatbot_id].concat();
    let response = get(&url, None).await.map_err(|_| None)?;
    if !response.ok() {
        let refused = response.status() == 403 || response.status() == 404;
        let message = error_message(response).await;
        return Err(refused.then_some(message));
    }
    let json = read_json(response).await.ok_or(None)?;
    Ok(Config {
        name: json.string("name"),
        title: json.text("title"),
        avatar_url: json.text("avatar_url").filter(|url| url.starts_with("https://")),
        welcome_message: json.string("welcome_message"),
        starter_questions: json.items("starter_questions").iter().filter_map(|q| q.0.as_string()).collect(),
        lead_capture: json.text("lead_capture"),
    })
}

/// A message for the chat endpoint (`wire::ChatRequest`).
pub struct ChatRequest {
    pub message: String,
    pub conversation_id: Option<String>,
    pub visitor_id: String,
    pub language: String,
}

/// Sends a message and calls `on_event` for each event of the answer as it streams in.
/// `seen` counts the answer's text pieces received: where [`resume_chat`] continues if the
/// connection drops.
///
/// Aborting `signal` (the visitor's stop button) ends the request and the body reader at once;
/// the call then returns an error, which the caller knows to be the visitor's own doing.
pub async fn stream_chat(
    backend: &str,
    chatbot_id: &str,
    request: &ChatRequest,
    signal: Option<&web_sys::AbortSignal>,
    seen: &mut u64,
    on_event: &mut impl FnMut(StreamEvent),
) -> Result<(), ChatFailure> {
    let url = [backend, "/widget/v1/chatbots/", chatbot_id, "/chat"].concat();
    let body = [
        ("message", request.message.as_str().into()),
        ("conversation_id", opt(request.conversation_id.clone())),
        ("visitor_id", request.visitor_id.as_str().into()),
        ("language", request.language.as_str().into()),
        ("stream", true.into()),
    ];
    let response = post_json(&url, signal, &body).await.map_err(|_| ChatFailure::Network)?;
    if response.status() == 404 && request.conversation_id.is_some() {
        return Err(ChatFailure::ConversationGone);
    }
    read_answer(response, seen, on_event).await
}

/// `GET /widget/v1/chatbots/{id}/messages/{message_id}/stream?after=…`: the rest of an answer
/// whose stream dropped, after the `seen` pieces already shown. The server finishes every
/// answer it started, so nothing is lost while the visitor is offline.
pub async fn resume_chat(
    backend: &str,
    chatbot_id: &str,
    message_id: &str,
    signal: Option<&web_sys::AbortSignal>,
    seen: &mut u64,
    on_event: &mut impl FnMut(StreamEvent),
) -> Result<(), ChatFailure> {
    let after = seen.to_string();
    let url =
        [backend, "/widget/v1/chatbots/", chatbot_id, "/messages/", message_id, "/stream?after=", &after].concat();
    let response = get(&url, signal).await.map_err(|_| ChatFailure::Network)?;
    read_answer(response, seen, on_event).await
}

/// Reads an answer's events until `done` or `error`, counting its text pieces in `seen` and
/// skipping any piece already counted.
async fn read_answer(
    response: Response,
    seen: &mut u64,
    on_event: &mut impl FnMut(StreamEvent),
) -> Result<(), ChatFailure> {
    if !response.ok() {
        let status = response.status();
        let message = error_message(response).await;
        return Err(ChatFailure::Refused(if message.is_empty() { status.to_string() } else { message }));
    }
    let mut finished = false;
    read_events(&response, &mut |event| match event.event.as_str() {
        events::START => {
            let started = Json::parse(&event.data);
            if let (Some(conversation_id), Some(message_id)) =
                (started.text("conversation_id"), started.text("message_id"))
            {
                on_event(StreamEvent::Started { conversation_id, message_id });
            }
        }
        events::DELTA => {
            let piece = event.id.as_deref().and_then(|id| id.parse::<u64>().ok()).unwrap_or(*seen + 1);
            if piece > *seen
                && let Some(text) = Json::parse(&event.data).text("text")
            {
                *seen = piece;
                on_event(StreamEvent::Delta(text));
            }
        }
        events::CITATIONS => on_event(StreamEvent::Citations(sources(&Json::parse(&event.data)))),
        events::DONE => finished = true,
        events::ERROR => {
            on_event(StreamEvent::Failed(Json::parse(&event.data).string("message")));
            finished = true;
        }
        _ => {}
    })
    .await
    .map_err(|()| ChatFailure::Network)?;
    if finished { Ok(()) } else { Err(ChatFailure::Interrupted) }
}

/// `GET /widget/v1/chatbots/{id}/conversations/{conversation_id}/messages?visitor_id=`: the
/// visitor's conversation so far, oldest first. `Err(true)` when the server no longer gives it
/// (deleted, or not this visitor's), `Err(false)` when it could not be asked.
pub async fn fetch_history(
    backend: &str,
    chatbot_id: &str,
    conversation_id: &str,
    visitor_id: &str,
) -> Result<Vec<Stored>, bool> {
    let visitor = String::from(js_sys::encode_uri_component(visitor_id));
    let url = [
        backend,
        "/widget/v1/chatbots/",
        chatbot_id,
        "/conversations/",
        conversation_id,
        "/messages?visitor_id=",
        &visitor,
    ]
    .concat();
    let response = get(&url, None).await.map_err(|_| false)?;
    if response.status() == 404 {
        return Err(true);
    }
    if !response.ok() {
        return Err(false);
    }
    let page = read_json(response).await.ok_or(false)?;
    Ok(page.items("data").iter().map(Stored::read).collect())
}

/// `POST /widget/v1/chatbots/{id}/identify` with `{visitor_id, conversation_id?, id, name?,
/// email?, hash?}`: who the host page says the visitor is. Whether the server verified it, or
/// `Err` with its reason when it refuses (a hash that does not match).
pub async fn identify(backend: String, chatbot_id: String, identity: &[(&str, JsValue)]) -> Result<bool, String> {
    let url = [&backend, "/widget/v1/chatbots/", &chatbot_id, "/identify"].concat();
    let response = post_json(&url, None, identity).await.map_err(|_| String::from("the request failed"))?;
    if response.ok() {
        return Ok(read_json(response).await.is_some_and(|done| done.flag("verified")));
    }
    Err(error_message(response).await)
}

/// `GET /widget/v1/chatbots/{id}/suggestions?q=`: completions of what the visitor is typing;
/// none when they cannot be had.
pub async fn suggest(backend: String, chatbot_id: String, typed: String) -> Vec<String> {
    let query = String::from(js_sys::encode_uri_component(&typed));
    let url = [&backend, "/widget/v1/chatbots/", &chatbot_id, "/suggestions?q=", &query].concat();
    let Ok(response) = get(&url, None).await else { return Vec::new() };
    if !response.ok() {
        return Vec::new();
    }
    read_json(response)
        .await
        .map(|found| found.items("data").iter().map(|s| s.string("text")).collect())
        .unwrap_or_default()
}

/// `POST /widget/v1/chatbots/{id}/leads` with `{conversation_id?, name?, email}`: the visitor's
/// details. Whether the server stored them.
pub async fn send_lead(backend: String, chatbot_id: String, lead: &[(&str, JsValue)]) -> bool {
    let url = [&backend, "/widget/v1/chatbots/", &chatbot_id, "/leads"].concat();
    post_json(&url, None, lead).await.is_ok_and(|response| response.status() == 201)
}

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/end`: the visitor started a
/// new conversation, so the old one is over. A failure changes nothing the visitor sees: the
/// server ends idle conversations by itself.
pub async fn end_conversation(backend: String, chatbot_id: String, conversation_id: String) {
    let url = [&backend, "/widget/v1/chatbots/", &chatbot_id, "/conversations/", &conversation_id, "/end"].concat();
    let _ = post(&url).await;
}

/// `POST /widget/v1/chatbots/{id}/messages/{message_id}/stop`: asks the server to stop
/// generating an answer the visitor stopped, so that it is stored as the visitor saw it. Aborting
/// the request alone would not do: the server finishes every answer it started whatever the
/// client does. A failure changes nothing the visitor sees, so it is ignored.
pub async fn stop_answer(backend: String, chatbot_id: String, message_id: String) {
    let url = [&backend, "/widget/v1/chatbots/", &chatbot_id, "/messages/", &message_id, "/stop"].concat();
    let _ = post(&url).await;
}

/// `POST /widget/v1/chatbots/{id}/feedback` with `{conversation_id, message_id, thumbs}`: the
/// visitor's thumbs up or down on an answer. Whether the server stored it (201).
pub async fn send_feedback(backend: String, chatbot_id: String, feedback: &[(&str, JsValue)]) -> bool {
    let url = [&backend, "/widget/v1/chatbots/", &chatbot_id, "/feedback"].concat();
    post_json(&url, None, feedback).await.is_ok_and(|response| response.status() == 201)
}

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/escalate` (empty body): the
/// visitor asks for a person. Whether the server took it.
pub async fn escalate(backend: String, chatbot_id: String, conversation_id: String) -> bool {
    let url =
        [&backend, "/widget/v1/chatbots/", &chatbot_id, "/conversations/", &conversation_id, "/escalate"].concat();
    post(&url).await.is_ok_and(|response| response.ok())
}

/// What the conversation's live stream tells the widget.
pub enum LiveEvent {
    /// The conversation's status: `open`, `escalated` or `ended`.
    Status(String),
    /// An agent's message, with its position in the conversation (the event id).
    Message { position: u64, message: Stored },
}

/// How following the live stream ended.
#[derive(PartialEq, Eq)]
pub enum FollowEnd {
    /// The stream ended or failed: connect again after a pause.
    Retry,
    /// The server refused it (the conversation no longer exists): following is pointless.
    Refused,
}

/// `GET /widget/v1/chatbots/{id}/conversations/{conversation_id}/events?after=…`: follows the
/// conversation's agents' messages after position `after`, and its status, until the stream
/// ends, fails or `signal` aborts it. The position goes in the query rather than in
/// `Last-Event-ID`, so the request stays simple and needs no CORS preflight.
pub async fn follow_conversation(
    backend: &str,
    chatbot_id: &str,
    conversation_id: &str,
    after: u64,
    signal: Option<&web_sys::AbortSignal>,
    mut on_event: impl FnMut(LiveEvent),
) -> FollowEnd {
    let after = after.to_string();
    let url =
        [backend, "/widget/v1/chatbots/", chatbot_id, "/conversations/", conversation_id, "/events?after=", &after]
            .concat();
    let Ok(response) = get(&url, signal).await else { return FollowEnd::Retry };
    if (400..500).contains(&response.status()) && response.status() != 429 {
        return FollowEnd::Refused;
    }
    if response.ok() {
        let _ = read_events(&response, &mut |event| match event.event.as_str() {
            live::STATUS => {
                if let Some(status) = Json::parse(&event.data).text("status") {
                    on_event(LiveEvent::Status(status));
                }
            }
            live::MESSAGE => {
                let message = Stored::read(&Json::parse(&event.data));
                if !message.id.is_empty() {
                    let position = event.id.and_then(|id| id.parse().ok()).unwrap_or(0);
                    on_event(LiveEvent::Message { position, message });
                }
            }
            _ => {}
        })
        .await;
    }
    FollowEnd::Retry
}
