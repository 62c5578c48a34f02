//! The widget's HTTP calls: the chatbot's configuration, the streamed chat answer, feedback, the
//! request for a human and the conversation's live stream of agents' replies. Streams are read
//! with `fetch` and a body reader (one reader, [`read_events`], for both), so a POST can stream
//! (EventSource can only GET) and every request can be aborted the same way ([`Abort`]).

use gloo_net::http::{Request, Response};
use parlor_app::sse::{SseEvent, SseParser};
use parlor_app::wire::{self, ChatRequest, Citation, WidgetConfig, events, live};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
    Started { conversation_id: String, message_id: String },
    Delta(String),
    Citations(Vec<Citation>),
    Failed(String),
}

/// Why a message got no answer.
pub enum ChatFailure {
    /// The stored conversation no longer exists on the server; start a new one.
    ConversationGone,
    /// Anything else, as a sentence for the visitor.
    Message(String),
}

impl From<&str> for ChatFailure {
    fn from(message: &str) -> Self {
        ChatFailure::Message(message.to_owned())
    }
}

/// `GET /widget/v1/chatbots/{id}`.
pub async fn fetch_config(backend: String, chatbot_id: String) -> Result<WidgetConfig, String> {
    let url = format!("{backend}/widget/v1/chatbots/{chatbot_id}");
    let response = Request::get(&url).send().await.map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("the chatbot could not be loaded ({})", response.status()));
    }
    response.json::<WidgetConfig>().await.map_err(|e| e.to_string())
}

const NETWORK_ERROR: &str = "The message could not be sent. Check your connection and try again.";

/// Sends a message and calls `on_event` for each event of the answer as it streams in.
///
/// Aborting `signal` (the visitor's stop button) ends the request and the body reader at once;
/// the call then returns an error, which the caller knows to be the visitor's own doing.
pub async fn stream_chat(
    backend: &str,
    chatbot_id: &str,
    request: &ChatRequest,
    signal: Option<&web_sys::AbortSignal>,
    mut on_event: impl FnMut(StreamEvent),
) -> Result<(), ChatFailure> {
    let url = format!("{backend}/widget/v1/chatbots/{chatbot_id}/chat");
    let response = Request::post(&url)
        .abort_signal(signal)
        .json(request)
        .map_err(|_| ChatFailure::from(NETWORK_ERROR))?
        .send()
        .await
        .map_err(|_| ChatFailure::from(NETWORK_ERROR))?;
    if response.status() == 404 && request.conversation_id.is_some() {
        return Err(ChatFailure::ConversationGone);
    }
    if !response.ok() {
        let message = response
            .json::<wire::ErrorBody>()
            .await
            .map(|body| body.error.message)
            .unwrap_or_else(|_| format!("The server answered {}.", response.status()));
        return Err(ChatFailure::Message(format!("Sorry, that did not work: {message}")));
    }
    let mut finished = false;
    read_events(&response, &mut |event| match event.event.as_str() {
        events::START => {
            if let Ok(started) = serde_json::from_str::<wire::ChatStarted>(&event.data) {
                on_event(StreamEvent::Started {
                    conversation_id: started.conversation_id,
                    message_id: started.message_id,
                });
            }
        }
        events::DELTA => {
            if let Ok(delta) = serde_json::from_str::<wire::ChatDelta>(&event.data) {
                on_event(StreamEvent::Delta(delta.text));
            }
        }
        events::CITATIONS => {
            if let Ok(found) = serde_json::from_str::<wire::ChatCitations>(&event.data) {
                on_event(StreamEvent::Citations(found.citations));
            }
        }
        events::DONE => finished = true,
        events::ERROR => {
            let message = serde_json::from_str::<wire::ChatStreamError>(&event.data)
                .map(|e| e.message)
                .unwrap_or_else(|_| "The answer failed.".to_owned());
            on_event(StreamEvent::Failed(format!("Sorry, something went wrong: {message}")));
            finished = true;
        }
        _ => {}
    })
    .await
    .map_err(|()| ChatFailure::from(NETWORK_ERROR))?;
    if finished { Ok(()) } else { Err("The answer was interrupted. Please send your message again.".into()) }
}

/// `POST /widget/v1/chatbots/{id}/messages/{message_id}/stop`: asks the server to stop
/// generating an answer the visitor stopped, so that it is stored as the visitor saw it. Aborting
/// the request alone would not do: the server finishes every answer it started whatever the
/// client does. A failure changes nothing the visitor sees, so it is ignored.
pub async fn stop_answer(backend: String, chatbot_id: String, message_id: String) {
    let url = format!("{backend}/widget/v1/chatbots/{chatbot_id}/messages/{message_id}/stop");
    let _ = Request::post(&url).send().await;
}

/// `POST /widget/v1/chatbots/{id}/feedback`: the visitor's thumbs up or down on an answer.
/// Whether the server stored it (201).
pub async fn send_feedback(backend: String, chatbot_id: String, feedback: wire::CreateFeedback) -> bool {
    let url = format!("{backend}/widget/v1/chatbots/{chatbot_id}/feedback");
    let Ok(request) = Request::post(&url).json(&feedback) else { return false };
    request.send().await.is_ok_and(|response| response.status() == 201)
}

/// `POST /widget/v1/chatbots/{id}/conversations/{conversation_id}/escalate` (empty body): the
/// visitor asks for a person. Whether the server took it.
pub async fn escalate(backend: String, chatbot_id: String, conversation_id: String) -> bool {
    let url = format!("{backend}/widget/v1/chatbots/{chatbot_id}/conversations/{conversation_id}/escalate");
    Request::post(&url).send().await.is_ok_and(|response| response.ok())
}

/// What the conversation's live stream tells the widget.
pub enum LiveEvent {
    /// The conversation's status: `open`, `escalated` or `ended`.
    Status(String),
    /// An agent's message, with its position in the conversation (the event id).
    Message { position: u64, message: wire::StoredMessage },
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
    let url = format!("{backend}/widget/v1/chatbots/{chatbot_id}/conversations/{conversation_id}/events?after={after}");
    let Ok(response) = Request::get(&url).abort_signal(signal).send().await else { return FollowEnd::Retry };
    if (400..500).contains(&response.status()) && response.status() != 429 {
        return FollowEnd::Refused;
    }
    if response.ok() {
        let _ = read_events(&response, &mut |event| match event.event.as_str() {
            live::STATUS => {
                if let Ok(status) = serde_json::from_str::<wire::ConversationStatus>(&event.data) {
                    on_event(LiveEvent::Status(status.status));
                }
            }
            live::MESSAGE => {
                if let Ok(message) = serde_json::from_str::<wire::StoredMessage>(&event.data) {
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
