//! The Anthropic provider: the Messages API, `POST {base_url}/v1/messages` with `stream: true`,
//! read as its named server-sent events (`message_start`, `content_block_delta`,
//! `message_delta`, `message_stop`, `ping`, `error`).

use std::collections::VecDeque;
use std::fmt;

use futures::stream::BoxStream;
use parlor_protocol::sse::SseEvent;
use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};

use super::http::{
    Decode, Flow, HttpOptions, citations, error_text, history, malformed, read_stream, send_with_retries, system_prompt,
};
use super::{ChatModel, ModelError, ModelEvent, ModelRequest, Role};
use crate::config::Secret;

/// The name this provider gives itself in logs and error messages.
const PROVIDER: &str = "anthropic";

/// Anthropic's API, for when no other base URL is given.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// The version of the Messages API this provider speaks.
const API_VERSION: &str = "2023-06-01";

/// Settings of an Anthropic model. `Debug` never shows the key, which is a [`Secret`].
#[derive(Debug, Clone)]
pub struct AnthropicConfig {
    /// The API's base URL without `/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Secret,
    pub temperature: Option<f32>,
    /// The longest answer, in tokens; the Messages API requires a limit.
    pub max_tokens: u32,
    pub http: HttpOptions,
}

impl AnthropicConfig {
    /// A configuration for Anthropic's own API with the default timeouts and retries, the
    /// model's own temperature and answers of up to 1024 tokens.
    pub fn new(model: impl Into<String>, api_key: Secret) -> Self {
        AnthropicConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            model: model.into(),
            api_key,
            temperature: None,
            max_tokens: 1024,
            http: HttpOptions::default(),
        }
    }
}

/// A Claude model behind the Anthropic Messages API.
pub struct Anthropic {
    config: AnthropicConfig,
    url: String,
    /// The key as a header value marked sensitive, made once when the provider is created.
    key_header: HeaderValue,
    client: reqwest::Client,
}

impl fmt::Debug for Anthropic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Anthropic").field("url", &self.url).field("model", &self.config.model).finish_non_exhaustive()
    }
}

impl Anthropic {
    pub fn new(config: AnthropicConfig) -> Result<Self, ModelError> {
        let mut key_header = HeaderValue::from_str(config.api_key.expose())
            .map_err(|_| ModelError("the Anthropic API key has characters that cannot be sent in a header".into()))?;
        key_header.set_sensitive(true);
        let client = config.http.client()?;
        let url = format!("{}/v1/messages", config.base_url.trim_end_matches('/'));
        Ok(Anthropic { config, url, key_header, client })
    }

    fn body(&self, request: &ModelRequest) -> MessagesRequest<'_> {
        // The Messages API wants the conversation to open with the visitor, so assistant turns
        // left at the start by the history budget are dropped.
        let mut messages: Vec<WireMessage> = history(request)
            .skip_while(|(role, _)| *role == Role::Assistant)
            .map(|(role, text)| WireMessage { role: role.as_str(), content: text.to_owned() })
            .collect();
        messages.push(WireMessage { role: Role::User.as_str(), content: request.message.clone() });
        MessagesRequest {
            model: &self.config.model,
            max_tokens: self.config.max_tokens,
            system: system_prompt(request),
            messages,
            stream: true,
            temperature: self.config.temperature,
        }
    }
}

#[derive(Serialize)]
struct MessagesRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    system: String,
    messages: Vec<WireMessage>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
}

#[derive(Serialize)]
struct WireMessage {
    role: &'static str,
    content: String,
}

#[async_trait::async_trait]
impl ChatModel for Anthropic {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn model_id(&self) -> String {
        self.config.model.clone()
    }

    async fn reply(
        &self,
        request: ModelRequest,
    ) -> Result<BoxStream<'static, Result<ModelEvent, ModelError>>, ModelError> {
        let body = self.body(&request);
        let response = send_with_retries(PROVIDER, &self.config.http, Some(&self.config.api_key), || {
            self.client
                .post(&self.url)
                .header("x-api-key", self.key_header.clone())
                .header("anthropic-version", API_VERSION)
                .json(&body)
        })
        .await?;
        Ok(read_stream(PROVIDER, response, self.config.http.idle_timeout, EventDecoder::default(), citations(&request)))
    }
}

/// The data of one streamed event, told apart by its `type` (which repeats the event's name).
/// Events this provider has no use for, and any the API adds later, are `Other`.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StreamEvent {
    MessageStart {
        message: StartedMessage,
    },
    ContentBlockDelta {
        delta: BlockDelta,
    },
    MessageDelta {
        usage: Option<WireUsage>,
    },
    MessageStop,
    Error {
        error: serde_json::Value,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct StartedMessage {
    usage: Option<WireUsage>,
}

/// A piece of a content block. Only text is part of the answer; tool input and thinking are not.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockDelta {
    TextDelta {
        text: String,
    },
    #[serde(other)]
    Other,
}

/// Token counts as Anthropic reports them: input (with the cached parts counted apart) in
/// `message_start`, and the running output count in `message_delta`.
#[derive(Deserialize)]
struct WireUsage {
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cache_creation_input_tokens: Option<i64>,
    cache_read_input_tokens: Option<i64>,
}

impl WireUsage {
    /// The whole prompt, when the input count is given: cached tokens are part of it too.
    fn prompt_tokens(&self) -> Option<i64> {
        let input = self.input_tokens?;
        Some(input + self.cache_creation_input_tokens.unwrap_or(0) + self.cache_read_input_tokens.unwrap_or(0))
    }
}

/// Reads the named events until `message_stop`, collecting the usage on the way.
#[derive(Default)]
struct EventDecoder {
    prompt_tokens: Option<i64>,
    completion_tokens: Option<i64>,
}

impl EventDecoder {
    fn take_usage(&mut self, usage: Option<WireUsage>) {
        let Some(usage) = usage else { return };
        if let Some(prompt) = usage.prompt_tokens() {
            self.prompt_tokens = Some(prompt);
        }
        if let Some(output) = usage.output_tokens {
            self.completion_tokens = Some(output);
        }
    }
}

impl Decode for EventDecoder {
    fn decode(&mut self, event: &SseEvent, out: &mut VecDeque<ModelEvent>) -> Result<Flow, ModelError> {
        let parsed: StreamEvent =
            serde_json::from_str(&event.data).map_err(|err| malformed(PROVIDER, &event.data, &err))?;
        match parsed {
            StreamEvent::MessageStart { message } => self.take_usage(message.usage),
            StreamEvent::ContentBlockDelta { delta: BlockDelta::TextDelta { text } } if !text.is_empty() => {
                out.push_back(ModelEvent::Delta(text));
            }
            StreamEvent::MessageDelta { usage } => self.take_usage(usage),
            StreamEvent::MessageStop => return Ok(Flow::End),
            StreamEvent::Error { error } => {
                let message = error_text(&error).unwrap_or_else(|| error.to_string());
                let kind = error.get("type").and_then(serde_json::Value::as_str).unwrap_or("error");
                return Err(ModelError(format!("{PROVIDER} reported an error while answering: {kind}: {message}")));
            }
            StreamEvent::ContentBlockDelta { .. } | StreamEvent::Other => {}
        }
        Ok(Flow::More)
    }

    /// Both counts or none, so that a missing one is estimated by the service rather than
    /// stored as zero.
    fn usage(&self) -> Option<(i64, i64)> {
        Some((self.prompt_tokens?, self.completion_tokens?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(events: &[(&str, &str)]) -> (Vec<ModelEvent>, Result<Flow, ModelError>, EventDecoder) {
        let mut decoder = EventDecoder::default();
        let mut out = VecDeque::new();
        let mut last = Ok(Flow::More);
        for (name, data) in events {
            let event = SseEvent { event: (*name).to_owned(), data: (*data).to_owned(), id: None };
            last = decoder.decode(&event, &mut out);
            if last.is_err() {
                break;
            }
        }
        (out.into_iter().collect(), last, decoder)
    }

    #[test]
    fn cached_input_counts_toward_the_prompt_and_output_is_the_last_running_count() {
        let (_, last, decoder) = decode_all(&[
            (
                "message_start",
                r#"{"type":"message_start","message":{"usage":{"input_tokens":5,"cache_read_input_tokens":7,"output_tokens":1}}}"#,
            ),
            (
                "message_delta",
                r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}"#,
            ),
            ("message_stop", r#"{"type":"message_stop"}"#),
        ]);
        assert!(matches!(last, Ok(Flow::End)));
        assert_eq!(decoder.usage(), Some((12, 9)));
    }

    #[test]
    fn tool_and_thinking_deltas_are_not_part_of_the_answer() {
        let (out, last, _) = decode_all(&[
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}"#,
            ),
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}"#,
            ),
        ]);
        assert!(matches!(last, Ok(Flow::More)));
        assert_eq!(out, vec![ModelEvent::Delta("Hi".into())]);
    }

    #[test]
    fn an_error_event_fails_with_its_type_and_message() {
        let (_, last, _) =
            decode_all(&[("error", r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)]);
        let err = last.err().expect("an error");
        assert!(err.0.contains("overloaded_error: Overloaded"), "{err}");
    }
}
