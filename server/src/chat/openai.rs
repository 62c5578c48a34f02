//! The OpenAI-compatible provider: `POST {base_url}/v1/chat/completions` with `stream: true`,
//! the dialect that OpenAI, Ollama, vLLM, the llama.cpp server and OpenRouter all speak.

use std::collections::VecDeque;
use std::fmt;

use futures::stream::BoxStream;
use parlor_protocol::sse::SseEvent;
use serde::{Deserialize, Serialize};

use super::http::{
    Decode, Flow, HttpOptions, citations, error_text, history, malformed, read_stream, send_with_retries, system_prompt,
};
use super::{ChatModel, ModelError, ModelEvent, ModelRequest, Role};
use crate::config::Secret;

/// The name this provider gives itself in logs and error messages.
const PROVIDER: &str = "openai-compatible";

/// OpenAI's own API, for when no other base URL is given.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com";

/// Settings of an OpenAI-compatible model. `Debug` never shows the key, which is a [`Secret`].
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// The server's base URL without `/v1`, such as `https://api.openai.com`,
    /// `http://localhost:11434` (Ollama) or `https://openrouter.ai/api`.
    pub base_url: String,
    pub model: String,
    /// Sent as a bearer token; local servers such as Ollama need none.
    pub api_key: Option<Secret>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub http: HttpOptions,
}

impl OpenAiConfig {
    /// A configuration with the default timeouts and retries, no key, and the server's own
    /// temperature and length limit.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        OpenAiConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            temperature: None,
            max_tokens: None,
            http: HttpOptions::default(),
        }
    }
}

/// A model behind an OpenAI-compatible chat completions API.
pub struct OpenAiCompatible {
    config: OpenAiConfig,
    url: String,
    client: reqwest::Client,
}

impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("url", &self.url)
            .field("model", &self.config.model)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatible {
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        let client = config.http.client()?;
        let url = format!("{}/v1/chat/completions", config.base_url.trim_end_matches('/'));
        Ok(OpenAiCompatible { config, url, client })
    }

    fn body(&self, request: &ModelRequest) -> ChatCompletionRequest<'_> {
        let mut messages = vec![WireMessage { role: "system", content: system_prompt(request) }];
        messages
            .extend(history(request).map(|(role, text)| WireMessage { role: role.as_str(), content: text.to_owned() }));
        messages.push(WireMessage { role: Role::User.as_str(), content: request.message.clone() });
        ChatCompletionRequest {
            model: &self.config.model,
            messages,
            stream: true,
            stream_options: StreamOptions { include_usage: true },
            temperature: self.config.temperature,
            max_tokens: self.config.max_tokens,
        }
    }
}

#[derive(Serialize)]
struct ChatCompletionRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage>,
    stream: bool,
    stream_options: StreamOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct WireMessage {
    role: &'static str,
    content: String,
}

#[async_trait::async_trait]
impl ChatModel for OpenAiCompatible {
    fn model_id(&self) -> String {
        self.config.model.clone()
    }

    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn reply(
        &self,
        request: ModelRequest,
    ) -> Result<BoxStream<'static, Result<ModelEvent, ModelError>>, ModelError> {
        let body = self.body(&request);
        let key = self.config.api_key.as_ref();
        let response = send_with_retries(PROVIDER, &self.config.http, key, || {
            let builder = self.client.post(&self.url).json(&body);
            match key {
                Some(key) => builder.bearer_auth(key.expose()),
                None => builder,
            }
        })
        .await?;
        Ok(read_stream(PROVIDER, response, self.config.http.idle_timeout, ChunkDecoder::default(), citations(&request)))
    }
}

/// One `data:` chunk of a streamed chat completion. Every field is optional because servers
/// differ: usage arrives in a last chunk with no choices, and some send an error object instead.
#[derive(Deserialize)]
struct Chunk {
    choices: Option<Vec<ChunkChoice>>,
    usage: Option<ChunkUsage>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    delta: Option<ChunkDelta>,
}

#[derive(Deserialize)]
struct ChunkDelta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct ChunkUsage {
    prompt_tokens: Option<i64>,
    completion_tokens: Option<i64>,
}

/// Reads `data: {...}` chunks until `data: [DONE]`, keeping the usage of the last chunk.
#[derive(Default)]
struct ChunkDecoder {
    usage: Option<(i64, i64)>,
}

impl Decode for ChunkDecoder {
    fn decode(&mut self, event: &SseEvent, out: &mut VecDeque<ModelEvent>) -> Result<Flow, ModelError> {
        let data = event.data.trim();
        if data == "[DONE]" {
            return Ok(Flow::End);
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|err| malformed(PROVIDER, data, &err))?;
        if let Some(error) = chunk.error {
            let message = error_text(&error).unwrap_or_else(|| error.to_string());
            return Err(ModelError(format!("{PROVIDER} reported an error while answering: {message}")));
        }
        // A usage report with a count missing is left out, so the service estimates both
        // counts rather than storing a made-up zero.
        if let Some(ChunkUsage { prompt_tokens: Some(prompt), completion_tokens: Some(completion) }) = chunk.usage {
            self.usage = Some((prompt, completion));
        }
        let first = chunk.choices.unwrap_or_default().into_iter().next();
        if let Some(text) = first.and_then(|choice| choice.delta?.content)
            && !text.is_empty()
        {
            out.push_back(ModelEvent::Delta(text));
        }
        Ok(Flow::More)
    }

    fn usage(&self) -> Option<(i64, i64)> {
        self.usage
    }
}
