//! The chatbot's answers: streamed into their line, resumed when the connection drops, stopped by
//! the visitor, rated, and shown again from the history after a reload.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::chat::{Answer, Chat, Failure, Line, Role, Status};
use crate::live::backoff_ms;
use crate::net::{self, Abort, ChatFailure, ChatRequest, StreamEvent};
use crate::storage;

/// How many times an answer whose connection dropped is resumed before the widget says so
/// (with the pauses of [`backoff_ms`], about a minute in all).
const RESUME_TRIES: usize = 8;

/// The answer being streamed, with what it takes to stop it.
pub struct Streaming {
    pub line: Line,
    pub abort: Abort,
    /// The answer's id on the server, known once the `start` event has come.
    pub message_id: Option<String>,
}

impl Chat {
    /// Asks for the answer `line` stands for and streams it into the line. A retry calls this
    /// again with the same line, which starts afresh.
    pub fn answer(self, line: Line) {
        line.answer.set(Answer::default());
        self.busy.set(true);
        // A browser without AbortController still gets its answer; only the request cannot be
        // cut short when the visitor stops it.
        let abort = Abort::new();
        let signal = abort.signal();
        self.keep(|k| k.current = Some(Streaming { line: line.clone(), abort, message_id: None }));
        let (backend, chatbot_id) = self.endpoint();
        spawn_local(async move {
            let mut on_event = |event| {
                // A piece read just before the visitor pressed stop must not revive the answer.
                if line.status() == Status::Stopped {
                    return;
                }
                match event {
                    StreamEvent::Started { conversation_id, message_id } => {
                        line.answer.update(|answer| answer.ids = Some((conversation_id.clone(), message_id.clone())));
                        self.set_conversation(Some(conversation_id));
                        self.keep(|k| {
                            if let Some(current) = &mut k.current {
                                current.message_id = Some(message_id);
                            }
                        });
                    }
                    StreamEvent::Delta(text) => {
                        line.answer.update(|answer| {
                            answer.status = Status::Streaming;
                            answer.text.push_str(&text);
                        });
                        self.scroll_tick.update(|n| *n += 1);
                    }
                    StreamEvent::Citations(found) => line.answer.update(|answer| answer.citations = found),
                    StreamEvent::Failed(reason) => line.fail(Failure::Answer(reason)),
                }
            };
            let mut request = ChatRequest {
                message: line.message.clone(),
                conversation_id: storage::conversation(&chatbot_id),
                visitor_id: storage::visitor_id(),
                language: self.lang_untracked().tag().to_owned(),
            };
            let mut seen = 0;
            let mut result =
                net::stream_chat(&backend, &chatbot_id, &request, signal.as_ref(), &mut seen, &mut on_event).await;
            if matches!(result, Err(ChatFailure::ConversationGone)) {
                self.set_conversation(None);
                request.conversation_id = None;
                result =
                    net::stream_chat(&backend, &chatbot_id, &request, signal.as_ref(), &mut seen, &mut on_event).await;
            }
            // The connection dropped after the answer started: the server finishes it anyway,
            // so pick it up where it stopped, waiting longer after each failed try.
            let mut tries = 0;
            while matches!(result, Err(ChatFailure::Network | ChatFailure::Interrupted))
                && tries < RESUME_TRIES
                && line.status() != Status::Stopped
                && let Some((_, message_id)) = line.answer.with_untracked(|answer| answer.ids.clone())
            {
                net::sleep(backoff_ms(tries)).await;
                tries += 1;
                result =
                    net::resume_chat(&backend, &chatbot_id, &message_id, signal.as_ref(), &mut seen, &mut on_event)
                        .await;
            }
            let status = line.status();
            match result {
                // Stopping aborts the request, which fails it: that is the visitor's doing, not
                // an error to show.
                _ if status == Status::Stopped => {}
                Err(ChatFailure::ConversationGone) => line.fail(Failure::Gone),
                Err(ChatFailure::Network) => line.fail(Failure::Network),
                Err(ChatFailure::Interrupted) => line.fail(Failure::Interrupted),
                Err(ChatFailure::Refused(reason)) => line.fail(Failure::Refused(reason)),
                Ok(()) if status == Status::Failed => {}
                // A conversation handed to a person gets no answer from the bot (the stream
                // ends at once, with the `handoff` finish reason): there is no line to show.
                Ok(()) if line.answer.with_untracked(|answer| answer.text.is_empty()) => {
                    let key = line.key;
                    self.lines.update(|lines| lines.retain(|l| l.key != key));
                }
                Ok(()) => {
                    line.answer.update(|answer| answer.status = Status::Complete);
                    let (text, id) = line
                        .answer
                        .with_untracked(|answer| (answer.text.clone(), answer.ids.as_ref().map(|(_, id)| id.clone())));
                    self.emit_message("assistant", &text, id);
                }
            }
            if status != Status::Stopped && !self.open.get_untracked() {
                self.unread.update(|n| *n += 1);
            }
            self.keep(|k| k.current = None);
            self.busy.set(false);
            if let Some(next) = self.keep(|k| k.queued.pop_front()) {
                self.send_text(next);
            }
        });
    }

    /// Stops the streaming answer where it is: the visitor keeps what has arrived, the request
    /// ends, and the server is asked to stop generating.
    pub fn stop(self) {
        let Some(current) = self.keep(|k| k.current.take()) else { return };
        current.line.answer.update(|answer| answer.status = Status::Stopped);
        current.abort.abort();
        if let Some(message_id) = current.message_id {
            let (backend, chatbot_id) = self.endpoint();
            spawn_local(net::stop_answer(backend, chatbot_id, message_id));
        }
    }

    /// Rates an answer. The buttons are disabled while the rating is sent and after; if it could
    /// not be sent they are offered again, with nothing more said.
    pub fn rate(self, line: &Line, thumbs: &'static str) {
        let Some((conversation_id, message_id)) = line.answer.with_untracked(|answer| answer.ids.clone()) else {
            return;
        };
        if line.answer.with_untracked(|answer| answer.vote.is_some()) {
            return;
        }
        line.answer.update(|answer| answer.vote = Some(thumbs));
        let answer = line.answer;
        spawn_local(async move {
            let feedback = [
                ("conversation_id", conversation_id.into()),
                ("message_id", message_id.into()),
                ("thumbs", thumbs.into()),
            ];
            let (backend, chatbot_id) = self.endpoint();
            if net::send_feedback(backend, chatbot_id, &feedback).await {
                answer.update(|answer| answer.voted = true);
            } else {
                answer.update(|answer| answer.vote = None);
            }
        });
    }

    /// Shows the remembered conversation again after a reload: the visitor's messages, the
    /// bot's answers (with their sources and feedback) and the agents' replies.
    pub fn restore(self, conversation_id: String) {
        let (backend, chatbot_id) = self.endpoint();
        spawn_local(async move {
            match net::fetch_history(&backend, &chatbot_id, &conversation_id, &storage::visitor_id()).await {
                Ok(messages) => {
                    if self.conversation.get_untracked().as_deref() != Some(&conversation_id) {
                        return;
                    }
                    let mut asked = String::new();
                    let restored: Vec<Line> = messages
                        .into_iter()
                        // The empty answers of a conversation handed to a person are not lines.
                        .filter(|message| {
                            !(message.role == "assistant" && message.content.is_empty() && message.status == "complete")
                        })
                        .map(|message| {
                            let role = match message.role.as_str() {
                                "user" => Role::Visitor,
                                "assistant" => Role::Bot,
                                _ => Role::Agent,
                            };
                            if role == Role::Visitor {
                                asked.clone_from(&message.content);
                            }
                            if role == Role::Agent {
                                self.keep(|k| k.live.seen.push(message.id.clone()));
                            }
                            let text = if role == Role::Bot { asked.clone() } else { message.content.clone() };
                            let line = self.line(role, text);
                            if role == Role::Bot {
                                line.answer.set(Answer {
                                    text: message.content,
                                    citations: message.citations,
                                    ids: Some((conversation_id.clone(), message.id)),
                                    status: match message.status.as_str() {
                                        "stopped" => Status::Stopped,
                                        "failed" => Status::Failed,
                                        _ => Status::Complete,
                                    },
                                    ..Answer::default()
                                });
                            }
                            line
                        })
                        .collect();
                    // Lines added while the history was on its way come after it.
                    self.lines.update(|lines| {
                        let newer = std::mem::replace(lines, restored);
                        lines.extend(newer);
                    });
                }
                Err(true) => self.set_conversation(None),
                Err(false) => {}
            }
        });
    }
}
