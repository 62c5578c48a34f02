//! The chat service: stores the visitor's message, starts the model, streams its answer to the
//! caller and stores the answer as it completes.
//!
//! Generation runs in its own task, tracked so that shutdown waits for it. The caller only
//! listens: a caller that goes away does not stop the answer, which is still completed and
//! stored.

use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio_util::task::TaskTracker;

use super::models::Models;
use super::stream::{self, LiveAnswer, StreamHub};
pub use super::{ChatEvent, HANDOFF, Usage};
use super::{ChatModel, Citation, ModelEvent, ModelRequest, Role, estimate_tokens};
use crate::chatbots::Chatbot;
use crate::conversations::turns;
use crate::conversations::{MessageStatus, Role as StoredRole};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{now_ms, rfc3339};
use crate::knowledge;
use crate::usage::{self, PriceList};
use crate::webhooks::{self, events};

/// The longest message a visitor may send, in characters, unless `PARLOR_MAX_MESSAGE_CHARS`
/// says otherwise.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// How much earlier conversation is sent to the model, in estimated tokens.
const HISTORY_TOKEN_BUDGET: i64 = 2000;

/// A validated message from a visitor or an API caller.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub message: String,
    pub conversation_id: Option<String>,
    pub visitor_id: Option<String>,
    /// The API key that sent the message; `None` for visitors using the widget.
    pub key_id: Option<String>,
    /// The visitor's language, a tag such as `de` or `pt-BR`, when the caller gave one.
    pub language: Option<String>,
}

impl NewMessage {
    pub fn parse(message: &str, conversation_id: Option<String>, visitor_id: Option<String>) -> Result<NewMessage> {
        Self::parse_within(message, conversation_id, visitor_id, MAX_MESSAGE_CHARS)
    }

    /// [`NewMessage::parse`] with a chosen longest message, in characters.
    pub fn parse_within(
        message: &str,
        conversation_id: Option<String>,
        visitor_id: Option<String>,
        max_chars: usize,
    ) -> Result<NewMessage> {
        let message = message.trim();
        if message.is_empty() {
            return Err(Error::Validation("message must not be empty".into()));
        }
        if message.chars().count() > max_chars {
            return Err(Error::Validation(format!("message must be at most {max_chars} characters")));
        }
        let visitor_id = visitor_id.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if visitor_id.as_ref().is_some_and(|v| v.chars().count() > 100) {
            return Err(Error::Validation("visitor_id must be at most 100 characters".into()));
        }
        Ok(NewMessage { message: message.to_owned(), conversation_id, visitor_id, key_id: None, language: None })
    }

    /// The message in the visitor's language (`language` in the chat request); an empty one is
    /// none, and one that is not a language tag is refused.
    pub fn in_language(mut self, language: Option<&str>) -> Result<NewMessage> {
        self.language = language.filter(|l| !l.trim().is_empty()).map(crate::chatbots::language_tag).transpose()?;
        Ok(self)
    }
}

/// A started answer: its ids and the events that follow.
pub struct ReplyStream {
    pub conversation_id: String,
    pub user_message_id: String,
    pub message_id: String,
    pub events: BoxStream<'static, ChatEvent>,
}

/// Turns messages into answers. Cheap to clone.
#[derive(Clone)]
pub struct ChatService {
    db: Db,
    models: Models,
    tasks: TaskTracker,
    prices: Arc<PriceList>,
    hub: Arc<StreamHub>,
    knowledge: knowledge::Knowledge,
}

impl ChatService {
    /// Answers with the chatbots' `models` from their `knowledge`; generations are spawned on
    /// `tasks`, which shutdown waits for, and their usage is priced with `prices`.
    pub fn new(db: Db, models: Models, knowledge: knowledge::Knowledge, tasks: TaskTracker, prices: PriceList) -> Self {
        ChatService { db, models, tasks, prices: Arc::new(prices), hub: Arc::default(), knowledge }
    }

    /// Follows an answer from after piece `after`: live when this process generates it, else
    /// through the database.
    pub fn follow(&self, message_id: &str, after: u64) -> BoxStream<'static, ChatEvent> {
        match self.hub.get(message_id) {
            Some(live) => live.follow(after),
            None => stream::follow_stored(self.db.clone(), message_id.to_owned(), after),
        }
    }

    /// Asks an answer to stop. The generator stops at once when it runs in this process, and
    /// within about a second when another process runs it. Returns whether it was streaming.
    pub async fn stop(&self, message_id: &str) -> Result<bool> {
        // Record the request before cancelling: a generator cancelled first could store its
        // answer before this update and make a real stop look like a no-op.
        let streaming = turns::request_stop(&self.db, message_id).await?;
        if let Some(live) = self.hub.get(message_id) {
            live.cancel.cancel();
        }
        Ok(streaming)
    }

    /// Stores `input` in its conversation (a new one when none is given), starts the answer
    /// and returns its event stream.
    ///
    /// In a conversation escalated to a person the chatbot keeps quiet until an agent ends it:
    /// the message is stored for the agents, and the stream is only `done` with the finish
    /// reason [`HANDOFF`], its answer stored empty.
    pub async fn send_message(&self, chatbot: &Chatbot, input: NewMessage) -> Result<ReplyStream> {
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let question = turns::Question {
            chatbot_id: &chatbot.id,
            conversation_id: input.conversation_id.as_deref(),
            visitor_id: input.visitor_id.as_deref(),
            text: &input.message,
            at_ms: now,
            handoff_reason: HANDOFF,
        };
        let turns::OpenedTurn {
            conversation_id,
            started,
            handed_over,
            user_message_id,
            message_id,
            history_newest_first,
        } = turns::open_turn(&mut tx, &question).await?;
        let received = events::MessageReceived {
            message_id: &user_message_id,
            conversation_id: &conversation_id,
            chatbot_id: &chatbot.id,
            visitor_id: input.visitor_id.as_deref(),
            message: &input.message,
            sender: events::Sender::User,
            created_at: rfc3339(now),
        };
        if started {
            let conversation_started = events::ConversationStarted {
                conversation_id: &conversation_id,
                chatbot_id: &chatbot.id,
                visitor_id: input.visitor_id.as_deref(),
                started_at: rfc3339(now),
            };
            webhooks::emit_all(&mut tx, &chatbot.workspace_id, &[&conversation_started, &received]).await?;
        } else {
            webhooks::emit(&mut tx, &chatbot.workspace_id, &received).await?;
        }
        tx.commit().await?;
        if handed_over {
            let done = ChatEvent::Done { usage: Usage::default(), finish_reason: HANDOFF };
            let events = futures::stream::iter([done]).boxed();
            return Ok(ReplyStream { conversation_id, user_message_id, message_id, events });
        }

        let settings = chatbot.settings();
        let hits = self.knowledge.search(&chatbot.id, &input.message, 3).await?;
        let request = ModelRequest {
            chatbot_name: chatbot.name.clone(),
            welcome_message: chatbot.welcome_message.clone(),
            personality: settings.personality.clone(),
            general_knowledge: settings.answer_policy == crate::chatbots::AnswerPolicy::General,
            history: trim_history(history_newest_first),
            knowledge: hits,
            visitor_language: input.language.is_some(),
            language: input.language.unwrap_or_else(|| settings.language.clone()),
            message: input.message,
        };

        let live = self.hub.start(&message_id);
        let events = live.clone().follow(0);
        let job = Generation {
            db: self.db.clone(),
            model: self.models.for_chatbot(chatbot),
            message_id: message_id.clone(),
            conversation_id: conversation_id.clone(),
            workspace_id: chatbot.workspace_id.clone(),
            chatbot_id: chatbot.id.clone(),
            key_id: input.key_id.clone(),
            prices: self.prices.clone(),
            hub: self.hub.clone(),
            visitor_id: input.visitor_id.clone(),
        };
        self.tasks.spawn(job.run(request, live));
        Ok(ReplyStream { conversation_id, user_message_id, message_id, events })
    }
}

/// The citations of an answer as webhook payloads carry them.
fn citations_for_webhook(citations: &[Citation]) -> Vec<events::CitedPassage<'_>> {
    citations
        .iter()
        .map(|c| events::CitedPassage {
            entry_id: &c.entry_id,
            title: &c.title,
            url: c.source_url.as_deref(),
            snippet: &c.snippet,
            file_name: c.file_name.as_deref(),
            page: c.page,
        })
        .collect()
}

/// Keeps the newest turns that fit the token budget, oldest first.
fn trim_history(newest_first: Vec<(StoredRole, String)>) -> Vec<(Role, String)> {
    let mut budget = HISTORY_TOKEN_BUDGET;
    let mut kept = Vec::new();
    for (role, content) in newest_first {
        budget -= estimate_tokens(&content);
        if budget < 0 {
            break;
        }
        // The model sees two sides: the visitor, and the website, which is the chatbot's answers
        // and a person's replies from the team (`admin`) alike.
        let side = match role {
            StoredRole::User => Role::User,
            StoredRole::Assistant | StoredRole::Admin => Role::Assistant,
        };
        kept.push((side, content));
    }
    kept.reverse();
    kept
}

struct Generation {
    db: Db,
    model: Arc<dyn ChatModel>,
    message_id: String,
    conversation_id: String,
    workspace_id: String,
    chatbot_id: String,
    key_id: Option<String>,
    prices: Arc<PriceList>,
    hub: Arc<StreamHub>,
    visitor_id: Option<String>,
}

/// How often a generator writes its progress, so that other processes can follow and stop it.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(750);

impl Generation {
    async fn run(self, request: ModelRequest, live: Arc<LiveAnswer>) {
        let prompt_tokens = estimate_tokens(&request.message)
            + request.history.iter().map(|(_, text)| estimate_tokens(text)).sum::<i64>()
            + request.knowledge.iter().map(|hit| estimate_tokens(&hit.entry.content)).sum::<i64>();
        let mut text = String::new();
        let mut chunk_ends: Vec<usize> = Vec::new();
        let mut citations: Vec<Citation> = Vec::new();
        let mut failure: Option<String> = None;
        let mut reported: Option<Usage> = None;
        let mut stopped = false;
        let mut last_checkpoint = tokio::time::Instant::now();

        match self.model.reply(request).await {
            Err(err) => failure = Some(err.0),
            Ok(mut model_stream) => loop {
                let item = tokio::select! {
                    () = live.cancel.cancelled() => {
                        stopped = true;
                        break;
                    }
                    item = model_stream.next() => item,
                };
                match item {
                    None => break,
                    Some(Ok(ModelEvent::Delta(delta))) => {
                        text.push_str(&delta);
                        chunk_ends.push(text.len());
                        live.push_piece(delta);
                    }
                    Some(Ok(ModelEvent::Citations(found))) => {
                        citations.extend(found.iter().cloned());
                        live.push_citations(found);
                    }
                    // The client learns the usage from the final Done event, so the model's
                    // report is only kept, not forwarded.
                    Some(Ok(ModelEvent::Usage { prompt_tokens, completion_tokens })) => {
                        reported = Some(Usage { prompt_tokens, completion_tokens });
                    }
                    Some(Err(err)) => {
                        failure = Some(err.0);
                        break;
                    }
                }
                if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                    last_checkpoint = tokio::time::Instant::now();
                    match self.checkpoint(&text, &chunk_ends).await {
                        Ok(true) => {
                            stopped = true;
                            break;
                        }
                        Ok(false) => {}
                        Err(err) => {
                            tracing::warn!(message_id = %self.message_id, error = ?err, "could not save progress");
                        }
                    }
                }
            },
        }

        let usage = reported.unwrap_or(Usage { prompt_tokens, completion_tokens: estimate_tokens(&text) });
        let (status, finish_reason) = match (&failure, stopped) {
            (Some(_), _) => (MessageStatus::Failed, "error"),
            (None, true) => (MessageStatus::Stopped, "stopped"),
            (None, false) => (MessageStatus::Complete, "stop"),
        };
        let stored = self.store(&text, &chunk_ends, &citations, status, finish_reason, usage).await;
        if let Err(err) = &stored {
            tracing::error!(message_id = %self.message_id, error = ?err, "could not store an answer");
        }
        let last = match (failure, stored) {
            (Some(message), _) => {
                tracing::warn!(message_id = %self.message_id, model = self.model.name(), reason = %message, "the model failed");
                ChatEvent::Failed { message: "the model failed to answer; please try again".into() }
            }
            (None, Err(_)) => ChatEvent::Failed { message: "the answer could not be stored; please try again".into() },
            (None, Ok(())) => ChatEvent::Done { usage, finish_reason },
        };
        live.finish(last);
        self.hub.retire(self.message_id.clone());
    }

    /// Saves the answer so far, so that clients of other processes can follow it, and returns
    /// whether someone asked it to stop.
    async fn checkpoint(&self, text: &str, chunk_ends: &[usize]) -> Result<bool> {
        let ends = serde_json::to_string(chunk_ends).map_err(|err| Error::Internal(err.into()))?;
        turns::save_progress(&self.db, &self.message_id, text, &ends, now_ms()).await
    }

    async fn store(
        &self,
        text: &str,
        chunk_ends: &[usize],
        citations: &[Citation],
        status: MessageStatus,
        finish_reason: &str,
        usage: Usage,
    ) -> Result<()> {
        let now = now_ms();
        let citations_json = citations;
        let citations = serde_json::to_string(citations).map_err(|err| Error::Internal(err.into()))?;
        let chunk_ends = serde_json::to_string(chunk_ends).map_err(|err| Error::Internal(err.into()))?;
        // The answer and its usage are stored together, so reports always match the messages.
        let mut tx = self.db.begin().await?;
        let answer = turns::FinishedAnswer {
            message_id: &self.message_id,
            conversation_id: &self.conversation_id,
            text,
            chunk_ends: &chunk_ends,
            citations: &citations,
            status,
            finish_reason,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            at_ms: now,
        };
        turns::finish_answer(&mut tx, &answer).await?;
        let model = self.model.model_id();
        let turn = usage::Turn {
            workspace_id: &self.workspace_id,
            chatbot_id: &self.chatbot_id,
            key_id: self.key_id.as_deref(),
            message_id: &self.message_id,
            model: &model,
            input_tokens: usage.prompt_tokens,
            output_tokens: usage.completion_tokens,
            cost_micros: self.prices.cost_micros(&model, usage.prompt_tokens, usage.completion_tokens),
            at_ms: now,
        };
        usage::record(&mut tx, &turn).await?;
        let event = events::MessageSent {
            message_id: &self.message_id,
            conversation_id: &self.conversation_id,
            chatbot_id: &self.chatbot_id,
            visitor_id: self.visitor_id.as_deref(),
            message: text,
            sender: events::Sender::Bot,
            status: status.as_str(),
            citations: citations_for_webhook(citations_json),
            created_at: rfc3339(now),
        };
        webhooks::emit(&mut tx, &self.workspace_id, &event).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_trimmed_and_bounded() {
        assert_eq!(NewMessage::parse("  hi ", None, None).unwrap().message, "hi");
        assert!(NewMessage::parse(" \n ", None, None).is_err());
        assert!(NewMessage::parse(&"x".repeat(MAX_MESSAGE_CHARS + 1), None, None).is_err());
    }

    #[test]
    fn history_keeps_the_newest_turns_within_budget_oldest_first() {
        let long = "word ".repeat(1000);
        let newest_first = vec![
            (StoredRole::Assistant, "newest".to_owned()),
            (StoredRole::User, "older".to_owned()),
            (StoredRole::Assistant, long.clone()),
            (StoredRole::User, long),
        ];
        let kept = trim_history(newest_first);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[1], (Role::User, "older".to_owned()));
        assert_eq!(kept[2], (Role::Assistant, "newest".to_owned()));
    }
}
