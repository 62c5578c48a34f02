//! Server-sent events as both adapters send them: one JSON event, a stream of events as a
//! response that proxies do not buffer, and where a resuming client stands.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::error::Error;

/// An event named `name` whose data is `data` as JSON.
pub fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    // Serialising these plain structs cannot fail; an empty object keeps the stream valid if it did.
    Event::default().event(name).data(serde_json::to_string(data).unwrap_or_else(|_| "{}".into()))
}

/// Events as an SSE response. Comments keep idle connections alive; buffering proxies are told
/// not to buffer.
pub fn sse(events: impl futures::Stream<Item = Event> + Send + 'static) -> Response {
    let stream = events.map(Ok::<_, Infallible>);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive"))
        .into_response();
    let headers = response.headers_mut();
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-transform"));
    response
}

/// Where a resuming client stands: the `Last-Event-ID` header (what `EventSource` sends) or the
/// `after` query parameter (for `fetch` clients), 0 for the whole answer.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResumeParams {
    /// The id of the last event received (for clients that cannot send `Last-Event-ID`); 0, the
    /// default, replays from the start.
    after: Option<u64>,
}

/// The id of the last event the client received: `Last-Event-ID` when sent, else `after`.
pub fn resume_point(headers: &HeaderMap, params: &ResumeParams) -> Result<u64, Error> {
    match headers.get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| Error::BadRequest("Last-Event-ID must be the number of the last event received".into())),
        None => Ok(params.after.unwrap_or(0)),
    }
}
