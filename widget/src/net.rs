//! The widget's HTTP calls: the chatbot's configuration and the streamed chat answer, read with
//! `fetch` and a body reader so a POST can stream (EventSource can only GET).

use gloo_net::http::Request;
use parlor_app::sse::SseParser;
use parlor_app::wire::{self, ChatRequest, Citation, WidgetConfig, events};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
    let body = response.body().ok_or_else(|| ChatFailure::from(NETWORK_ERROR))?;
    let reader: web_sys::ReadableStreamDefaultReader =
        body.get_reader().dyn_into().map_err(|_| ChatFailure::from(NETWORK_ERROR))?;
    let mut parser = SseParser::new();
    let mut finished = false;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|_| ChatFailure::from(NETWORK_ERROR))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|v| v.as_bool()).unwrap_or(true);
        if done {
            break;
        }
        let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) else { break };
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        for event in parser.push(&bytes) {
            match event.event.as_str() {
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
            }
        }
    }
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
