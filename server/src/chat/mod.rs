//! Chat: the model interface, the built-in responder, and the service that turns a visitor's
//! message into a stored, streamed answer.

pub mod anthropic;
pub mod builtin;
pub mod http;
pub mod models;
pub mod openai;
pub mod passages;
pub mod phrases;
pub mod service;
pub mod stream;

use futures::stream::BoxStream;

use crate::knowledge::Hit;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// The finish reason of the (empty) answer to a message in a conversation that a person has
/// taken over: the chatbot stays quiet and an agent replies.
pub const HANDOFF: &str = "handoff";

/// Token counts of one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

/// What a caller receives while an answer is generated.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// A piece of text; `seq` counts pieces from 1.
    Delta {
        seq: u64,
        text: String,
    },
    Citations(Vec<Citation>),
    /// The answer is complete and stored.
    Done {
        usage: Usage,
        finish_reason: &'static str,
    },
    /// The model failed; what was produced so far is stored as a failed message.
    Failed {
        message: String,
    },
}

/// Everything a model needs to answer one message.
#[derive(Debug, Clone, Default)]
pub struct ModelRequest {
    pub chatbot_name: String,
    pub welcome_message: String,
    /// The owner's instructions (the chatbot's personality), added to the system prompt.
    pub personality: Option<String>,
    /// Whether the model may answer from general knowledge when the chatbot's knowledge does
    /// not cover a question (`answer_policy: general`).
    pub general_knowledge: bool,
    /// Earlier turns of the conversation, oldest first, without the new message.
    pub history: Vec<(Role, String)>,
    pub message: String,
    /// Knowledge that matched the message, best first.
    pub knowledge: Vec<Hit>,
    /// The language to answer in, a tag such as `de` or `pt-BR`: the visitor's (the widget sends
    /// it, an API caller may), else the chatbot's.
    pub language: String,
    /// Whether the language is the visitor's own rather than the chatbot's default.
    pub visitor_language: bool,
}

/// A source that an answer relies on.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Citation {
    pub entry_id: String,
    pub title: String,
    pub source_url: Option<String>,
    pub snippet: String,
    /// The uploaded file the passage comes from (answers stored before files have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The page of that file, counted from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

/// What a model produces while it answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelEvent {
    /// A piece of the answer's text.
    Delta(String),
    /// The sources the answer relies on.
    Citations(Vec<Citation>),
    /// The token counts the model reported for the whole answer. Models that report none leave
    /// the service to estimate them.
    Usage { prompt_tokens: i64, completion_tokens: i64 },
}

/// Why a model failed to answer.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

/// A language model, or anything that answers like one. Providers (the built-in responder,
/// OpenAI-compatible and Anthropic APIs) implement this; the chat service only sees the trait.
#[async_trait::async_trait]
pub trait ChatModel: Send + Sync + 'static {
    /// A short name for logs, such as `builtin`.
    fn name(&self) -> &'static str;

    /// The model's identifier for usage accounting and prices, such as `gpt-4o-mini`.
    fn model_id(&self) -> String {
        self.name().to_owned()
    }

    /// Starts answering and returns the answer as a stream of events.
    async fn reply(
        &self,
        request: ModelRequest,
    ) -> Result<BoxStream<'static, Result<ModelEvent, ModelError>>, ModelError>;
}

/// A rough token count (about four characters a token) for usage reports when a model gives
/// none; the built-in responder has no tokenizer.
pub fn estimate_tokens(text: &str) -> i64 {
    i64::try_from(text.chars().count().div_ceil(4)).unwrap_or(i64::MAX)
}

/// The citation of a knowledge hit: its title, source and the start of its text.
pub fn citation(hit: &Hit) -> Citation {
    Citation {
        entry_id: hit.entry.id.clone(),
        title: hit.entry.title.clone(),
        source_url: hit.entry.source_url.clone(),
        snippet: snippet(&hit.entry.content, 200),
        file_name: hit.entry.file_name.clone(),
        page: hit.entry.page.and_then(|p| u32::try_from(p).ok()),
    }
}

/// The start of a text, at most `max_chars` characters, cut at a word and marked with `…`.
pub fn snippet(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}
