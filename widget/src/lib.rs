//! The visitor chat widget: a client-side-rendered Leptos app that `public/widget.js` mounts
//! inside a Shadow DOM root on the host page, talking to Parlor's widget API over CORS.

mod i18n;
mod markdown;
mod net;
mod options;
mod render;
mod storage;

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::i18n::{Lang, Texts};
use crate::net::{Abort, ChatFailure, ChatRequest, Config, FollowEnd, LiveEvent, Source, StreamEvent, opt};
use crate::options::{Mode, Options};

/// Mounts the widget into `target` (an element inside the loader's shadow root) and returns
/// the handle behind `window.Parlor`.
///
/// `options` is the object the loader builds from its script tag: `{backend, chatbotId, theme,
/// position, accent, mode, open, focus, language, frame}` (see `options.rs`), plus `emit`, the
/// loader's function that hands the widget's events (`open`, `close`, `message`, `lead`,
/// `identify`, `error`) to the page's listeners, and `identity`, an identity the page gave
/// before the widget loaded.
#[wasm_bindgen]
pub fn mount(target: web_sys::HtmlElement, options: &JsValue) -> Handle {
    let emit = js_sys::Reflect::get(options, &"emit".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let identity = js_sys::Reflect::get(options, &"identity".into()).ok().and_then(|v| Identity::from_js(&v));
    let options = Options::from_js(options);
    let slot = Rc::new(Cell::new(None));
    let filled = slot.clone();
    let handle = leptos::mount::mount_to(target, move || view! { <Widget options emit identity chat_out=filled/> });
    // The widget lives as long as the page: `destroy` silences it and the loader removes its
    // element, but its reactive graph is not torn down under tasks that may still be running.
    handle.forget();
    Handle { chat: slot.get() }
}

/// `window.Parlor` once the widget has loaded: the loader calls these for the page.
#[wasm_bindgen]
pub struct Handle {
    chat: Option<Chat>,
}

#[wasm_bindgen]
impl Handle {
    /// Opens the panel and puts the focus in it (the page called it, usually from a click).
    pub fn open(&self) {
        if let Some(chat) = self.chat {
            chat.show(true);
        }
    }

    pub fn close(&self) {
        if let Some(chat) = self.chat {
            chat.hide();
        }
    }

    pub fn toggle(&self) {
        if let Some(chat) = self.chat {
            if chat.open.get_untracked() && !chat.inline { chat.hide() } else { chat.show(true) }
        }
    }

    /// `{id, name, email, hash}`: who the visitor is, checked by the server when `hash` is given.
    pub fn identify(&self, identity: &JsValue) {
        let Some(chat) = self.chat else { return };
        match Identity::from_js(identity) {
            Some(identity) => {
                chat.identity.set_value(Some(identity));
                chat.identify_now();
            }
            None => chat.report("identify needs an object with an id"),
        }
    }

    /// Switches the widget's language (`en`, `de`, `fr`, `es`, `pt`, `ja`, or a regional tag of
    /// one of them); another tag is ignored with a warning.
    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, tag: &str) {
        let Some(chat) = self.chat else { return };
        match Lang::parse(tag) {
            Some(lang) => chat.lang.set(lang),
            None => web_sys::console::warn_1(
                &["[parlor] no translation for ", tag, "; keeping the language"].concat().into(),
            ),
        }
    }

    /// Opens the panel and sends `text` as the visitor's message.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&self, text: &str) {
        if let Some(chat) = self.chat {
            chat.show(false);
            chat.send_from_page(text.trim().to_owned());
        }
    }

    /// Stops everything the widget does (its streams, its events); the loader removes it.
    pub fn destroy(&mut self) {
        if let Some(chat) = self.chat.take() {
            chat.queued.update_value(VecDeque::clear);
            chat.stop();
            chat.unfollow();
            chat.emit.set_value(None);
        }
    }
}

/// Who the page says its visitor is (`Parlor.identify`).
#[derive(Debug, Clone)]
struct Identity {
    id: String,
    name: Option<String>,
    email: Option<String>,
    hash: Option<String>,
}

impl Identity {
    fn from_js(value: &JsValue) -> Option<Identity> {
        if !value.is_object() {
            return None;
        }
        let text = |name: &str| js_sys::Reflect::get(value, &name.into()).ok().and_then(|v| v.as_string());
        let id = text("id").or_else(|| {
            // A numeric id is read as an integer: float formatting would cost the WASM 15 KB.
            js_sys::Reflect::get(value, &"id".into()).ok().and_then(|v| v.as_f64()).map(|n| (n as i64).to_string())
        })?;
        Some(Identity { id, name: text("name"), email: text("email"), hash: text("hash") })
    }
}

/// A plain object for an event's detail.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*name).into(), value);
    }
    object.into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Visitor,
    Bot,
    /// A person answering through the API, followed live; shown as plain text.
    Agent,
    /// A note from the widget itself, such as "We've asked a person to join", in the visitor's
    /// language (the line's `note`).
    System,
}

/// The widget's own notes, which follow the visitor's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Note {
    Escalated,
    EscalateFailed,
    LeadThanks,
}

impl Note {
    fn text(self, t: &Texts) -> &'static str {
        match self {
            Note::Escalated => t.escalated,
            Note::EscalateFailed => t.escalate_failed,
            Note::LeadThanks => t.lead_thanks,
        }
    }
}

/// Why an answer failed, said in the visitor's language when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    Gone,
    Network,
    Interrupted,
    /// The server refused the message, with its reason.
    Refused(String),
    /// The answer failed while streaming, with the server's reason.
    Answer(String),
}

impl Failure {
    fn text(&self, t: &Texts) -> String {
        match self {
            Failure::Gone => t.conversation_ended.to_owned(),
            Failure::Network => t.network.to_owned(),
            Failure::Interrupted => t.interrupted.to_owned(),
            Failure::Refused(reason) => [t.refused, reason].concat(),
            Failure::Answer(reason) => [t.answer_failed, reason].concat(),
        }
    }
}

/// Where the lead form stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeadForm {
    Hidden,
    /// Asked for before the chat: the visitor cannot skip it.
    Required,
    /// Asked for when a person is needed: the visitor may skip it.
    Offered,
    Sending,
    /// The details were sent but not stored; the form shows why.
    Failed,
}

/// The pause in milliseconds before following the live stream again after `failures` failed or
/// ended connections in a row (counting from 0): 1 s, 2 s, 5 s, then 10 s.
fn backoff_ms(failures: usize) -> i32 {
    const BACKOFF_MS: [i32; 4] = [1_000, 2_000, 5_000, 10_000];
    BACKOFF_MS[failures.min(BACKOFF_MS.len() - 1)]
}

/// How many times an answer whose connection dropped is resumed before the widget says so
/// (with the pauses of [`backoff_ms`], about a minute in all).
const RESUME_TRIES: usize = 8;

/// How many of the page's messages (`Parlor.sendMessage`) may wait for the streaming answer.
const MAX_QUEUED: usize = 20;

/// Where an answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Status {
    /// Asked for, with no text yet: the typing indicator shows.
    #[default]
    Waiting,
    Streaming,
    Complete,
    /// The visitor stopped it; the text so far stays.
    Stopped,
    /// It could not be had; the line says why and offers to retry.
    Failed,
}

#[derive(Debug, Clone)]
struct Line {
    key: u32,
    role: Role,
    /// The visitor's message: the text of a visitor's line, and for an answer the message it
    /// answers, which "Retry" sends again. The text of an agent's or the widget's line.
    message: String,
    /// An answer's state, for `Role::Bot` lines.
    answer: RwSignal<Answer>,
    /// A note's text key, for `Role::System` lines.
    note: Option<Note>,
}

/// An answer as it streams in and after. One signal holds all of it: each signal type costs the
/// WASM its own copy of the reactive code, and five of these fields' types were found nowhere
/// else (BENCHMARKS.md, "Widget weight").
#[derive(Debug, Clone, Default)]
struct Answer {
    text: String,
    citations: Vec<Source>,
    status: Status,
    error: Option<Failure>,
    /// The conversation and message ids, from the `start` event: what feedback names.
    ids: Option<(String, String)>,
    /// The thumbs chosen (`up`, `down`) and whether the server has it.
    vote: Option<&'static str>,
    voted: bool,
}

impl Line {
    fn new(key: u32, role: Role, message: String) -> Self {
        Line { key, role, message, answer: RwSignal::new(Answer::default()), note: None }
    }

    fn status(&self) -> Status {
        self.answer.with_untracked(|answer| answer.status)
    }

    fn fail(&self, failure: Failure) {
        self.answer.update(|answer| {
            answer.status = Status::Failed;
            answer.error = Some(failure);
        });
    }
}

/// The state every part of the widget shares. It is `Copy`, so the view's closures can each
/// hold it.
#[derive(Clone, Copy)]
struct Chat {
    backend: StoredValue<String>,
    chatbot_id: StoredValue<String>,
    /// An answer is streaming; there is one at a time.
    busy: RwSignal<bool>,
    /// Messages the page sent (`Parlor.sendMessage`) while an answer streamed: each is sent in
    /// turn once the answer before it has ended, so none is lost.
    queued: StoredValue<VecDeque<String>>,
    open: RwSignal<bool>,
    /// Answers that finished while the panel was closed, shown on the launcher.
    unread: RwSignal<u32>,
    /// The streaming answer, if any.
    current: StoredValue<Option<Streaming>, LocalStorage>,
    scroll_tick: RwSignal<u32>,
    composer: NodeRef<leptos::html::Input>,
    /// The lead form's first field, which takes the focus while the form must come first.
    lead_field: NodeRef<leptos::html::Input>,
    lines: RwSignal<Vec<Line>>,
    next_key: StoredValue<u32>,
    /// The widget's reactive owner: lines outlive the part of the view that made them.
    owner: StoredValue<Option<Owner>>,
    /// The conversation in progress, known from storage or from an answer's `start` event.
    conversation: RwSignal<Option<String>>,
    /// A person has been asked to join (by the visitor, or as the live stream reports).
    escalated: RwSignal<bool>,
    /// The request for a person is on its way.
    escalating: RwSignal<bool>,
    live: StoredValue<Live, LocalStorage>,
    lang: RwSignal<Lang>,
    /// The loader's function that hands events to the page's `Parlor.on` listeners.
    emit: StoredValue<Option<js_sys::Function>, LocalStorage>,
    /// Who the page says the visitor is, sent again whenever a conversation starts.
    identity: StoredValue<Option<Identity>>,
    /// Whether opening the panel should move the focus into it (the visitor or the page's
    /// script opened it, rather than `data-open`).
    focus_on_open: StoredValue<bool>,
    inline: bool,
    /// Running inside the iframe fallback, where closing is the host page loader's business.
    frame: bool,
    lead: RwSignal<LeadForm>,
    suggestions: RwSignal<Vec<String>>,
    /// Bumped on every keystroke, so that only the latest suggestion request shows.
    suggest_generation: StoredValue<u32>,
    /// The chatbot's lead capture mode from its configuration (`off`, `when_needed`,
    /// `before_chat`).
    lead_capture: StoredValue<Option<String>>,
}

/// The answer being streamed, with what it takes to stop it.
struct Streaming {
    line: Line,
    abort: Abort,
    /// The answer's id on the server, known once the `start` event has come.
    message_id: Option<String>,
}

/// Following the conversation's live stream of agents' replies.
#[derive(Default)]
struct Live {
    /// Bumped whenever following stops or starts over, so a follower of an older generation
    /// knows to stop.
    generation: u32,
    /// Aborts the current request.
    abort: Abort,
    /// The position of the last agent's message received: where a reconnection resumes.
    after: u64,
    /// The agents' messages shown, as the stream may send one again.
    seen: Vec<String>,
}

impl Chat {
    /// Asks for the answer `line` stands for and streams it into the line. A retry calls this
    /// again with the same line, which starts afresh.
    fn answer(self, line: Line) {
        line.answer.set(Answer::default());
        self.busy.set(true);
        // A browser without AbortController still gets its answer; only the request cannot be
        // cut short when the visitor stops it.
        let abort = Abort::new();
        let signal = abort.signal();
        self.current.set_value(Some(Streaming { line: line.clone(), abort, message_id: None }));
        let (backend, chatbot_id) = (self.backend.get_value(), self.chatbot_id.get_value());
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
                        self.current.update_value(|current| {
                            if let Some(current) = current {
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
                language: self.lang.get_untracked().tag().to_owned(),
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
            self.current.set_value(None);
            self.busy.set(false);
            if let Some(next) = self.queued.try_update_value(VecDeque::pop_front).flatten() {
                self.send_text(next);
            }
        });
    }

    /// Puts the keyboard focus in the message field.
    fn focus_composer(self) {
        let field = if self.lead.get_untracked() == LeadForm::Required { self.lead_field } else { self.composer };
        if let Some(input) = field.get_untracked() {
            // Focus is a convenience; a page that refuses it loses nothing.
            let _ = input.focus();
        }
    }

    /// Stops the streaming answer where it is: the visitor keeps what has arrived, the request
    /// ends, and the server is asked to stop generating.
    fn stop(self) {
        let Some(current) = self.current.try_update_value(Option::take).flatten() else { return };
        current.line.answer.update(|answer| answer.status = Status::Stopped);
        current.abort.abort();
        if let Some(message_id) = current.message_id {
            spawn_local(net::stop_answer(self.backend.get_value(), self.chatbot_id.get_value(), message_id));
        }
    }

    /// Makes a line, owned by the widget so that it outlives the view that asked for it.
    fn line(self, role: Role, message: String) -> Line {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.owner.with_value(|owner| match owner {
            Some(owner) => owner.with(|| Line::new(key, role, message)),
            None => Line::new(key, role, message),
        })
    }

    /// Adds a line to the conversation.
    fn push(self, role: Role, message: String) -> Line {
        let line = self.line(role, message);
        self.lines.update(|all| all.push(line.clone()));
        line
    }

    /// Adds one of the widget's own notes.
    fn note(self, note: Note) {
        let mut line = self.line(Role::System, String::new());
        line.note = Some(note);
        self.lines.update(|all| all.push(line));
    }

    /// Remembers (or, with `None`, forgets) the conversation in progress. Another conversation
    /// starts the live stream afresh.
    fn set_conversation(self, id: Option<String>) {
        if self.conversation.get_untracked() == id {
            return;
        }
        let chatbot_id = self.chatbot_id.get_value();
        match &id {
            Some(id) => storage::set_conversation(&chatbot_id, id),
            None => storage::clear_conversation(&chatbot_id),
        }
        // The old conversation's stream stops at once; the effect that follows the conversation
        // starts the new one's.
        self.unfollow();
        self.live.update_value(|live| {
            live.after = 0;
            live.seen.clear();
        });
        self.escalated.set(false);
        let started = id.is_some();
        self.conversation.set(id);
        // The page's identity belongs to every conversation the visitor has.
        if started && self.identity.with_value(Option::is_some) {
            self.identify_now();
        }
    }

    /// Rates an answer. The buttons are disabled while the rating is sent and after; if it could
    /// not be sent they are offered again, with nothing more said.
    fn rate(self, line: &Line, thumbs: &'static str) {
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
            if net::send_feedback(self.backend.get_value(), self.chatbot_id.get_value(), &feedback).await {
                answer.update(|answer| answer.voted = true);
            } else {
                answer.update(|answer| answer.vote = None);
            }
        });
    }

    /// Asks for a person to join the conversation.
    fn escalate(self) {
        let Some(conversation_id) = self.conversation.get_untracked() else { return };
        if self.escalating.get_untracked() {
            return;
        }
        self.escalating.set(true);
        spawn_local(async move {
            let done = net::escalate(self.backend.get_value(), self.chatbot_id.get_value(), conversation_id).await;
            self.escalating.set(false);
            if done {
                self.escalated.set(true);
                self.note(Note::Escalated);
                if self.lead.get_untracked() == LeadForm::Hidden
                    && self.lead_capture_when_needed()
                    && !storage::lead_given(&self.chatbot_id.get_value())
                {
                    self.lead.set(LeadForm::Offered);
                }
            } else {
                self.note(Note::EscalateFailed);
            }
            // The button goes away (or was pressed), so the focus goes to the message field.
            self.focus_composer();
        });
    }

    /// The strings in the visitor's language (a tracked read).
    fn t(self) -> &'static Texts {
        self.lang.get().texts()
    }

    /// Hands an event to the page's `Parlor.on` listeners, through the loader.
    fn emit(self, name: &str, detail: &JsValue) {
        self.emit.with_value(|emit| {
            if let Some(emit) = emit {
                // A listener that throws is the page's problem; the widget carries on.
                let _ = emit.call2(&JsValue::NULL, &name.into(), detail);
            }
        });
    }

    /// The `message` event: a message the visitor sees, from `user`, `assistant` or `agent`.
    fn emit_message(self, role: &str, text: &str, id: Option<String>) {
        let id = id.map_or(JsValue::NULL, JsValue::from);
        let conversation = self.conversation.get_untracked().map_or(JsValue::NULL, JsValue::from);
        self.emit(
            "message",
            &object(&[("role", role.into()), ("text", text.into()), ("id", id), ("conversationId", conversation)]),
        );
    }

    /// Tells the page's developer what went wrong: in the console and as an `error` event.
    fn report(self, message: &str) {
        web_sys::console::error_1(&["[parlor] ", message].concat().into());
        self.emit("error", &object(&[("message", message.into())]));
    }

    /// Opens the panel; `focus` moves the keyboard focus into it.
    fn show(self, focus: bool) {
        self.focus_on_open.set_value(focus);
        self.unread.set(0);
        self.open.set(true);
        if focus && self.inline {
            self.focus_composer();
        }
    }

    /// Closes the panel and returns the focus to the launcher, so a keyboard user is not left
    /// on the page's first element. In the iframe fallback the host page's loader hides the
    /// frame, so the widget only says so.
    fn hide(self) {
        if self.frame {
            self.emit("close", &JsValue::NULL);
            return;
        }
        if self.inline {
            return;
        }
        // Only a focus that was in the widget moves to the launcher: a page that closes the chat
        // from its own button keeps its focus there.
        let root = self.composer.get_untracked().and_then(|input| input.closest(".parlor").ok().flatten());
        let had_focus = root.as_ref().is_some_and(|root| root.matches(":focus-within").unwrap_or(false));
        self.open.set(false);
        let launcher = root.filter(|_| had_focus).and_then(|root| root.query_selector(".launcher").ok().flatten());
        if let Some(launcher) = launcher.and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = launcher.focus();
        }
    }

    /// Sends a message the page asked for: now, or after the streaming answer when there is
    /// one. A page that sends faster than answers come is told once the queue is full.
    fn send_from_page(self, message: String) {
        if message.is_empty() {
            return;
        }
        if !self.busy.get_untracked() {
            return self.send_text(message);
        }
        let queued = self.queued.try_update_value(|queue| {
            let room = queue.len() < MAX_QUEUED;
            if room {
                queue.push_back(message);
            }
            room
        });
        if queued != Some(true) {
            web_sys::console::warn_1(
                &"[parlor] sendMessage: too many messages wait for an answer; this one is dropped".into(),
            );
        }
    }

    /// Sends the visitor's message, unless an answer is streaming or the lead form must come
    /// first.
    fn send_text(self, message: String) {
        if message.is_empty() || self.busy.get_untracked() || self.lead.get_untracked() == LeadForm::Required {
            return;
        }
        self.suggestions.set(Vec::new());
        self.suggest_generation.update_value(|n| *n += 1);
        self.emit_message("user", &message, None);
        self.push(Role::Visitor, message.clone());
        self.answer(self.push(Role::Bot, message));
    }

    /// Sends the page's identity to the server, with the conversation when there is one. A
    /// refusal (a hash that does not match) is reported to the page's developer; the visitor
    /// sees nothing, as it is not theirs to fix.
    fn identify_now(self) {
        let Some(identity) = self.identity.get_value() else { return };
        let conversation = self.conversation.get_untracked();
        spawn_local(async move {
            let request = [
                ("visitor_id", storage::visitor_id().into()),
                ("conversation_id", opt(conversation)),
                ("id", identity.id.as_str().into()),
                ("name", opt(identity.name)),
                ("email", opt(identity.email)),
                ("hash", opt(identity.hash)),
            ];
            match net::identify(self.backend.get_value(), self.chatbot_id.get_value(), &request).await {
                Ok(verified) => {
                    self.emit("identify", &object(&[("id", identity.id.into()), ("verified", verified.into())]));
                }
                Err(reason) => self.report(&["identify was refused: ", &reason].concat()),
            }
        });
    }

    /// Shows the remembered conversation again after a reload: the visitor's messages, the
    /// bot's answers (with their sources and feedback) and the agents' replies.
    fn restore(self, conversation_id: String) {
        let (backend, chatbot_id) = (self.backend.get_value(), self.chatbot_id.get_value());
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
                                self.live.update_value(|live| live.seen.push(message.id.clone()));
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

    /// Starts a new conversation: the current one is ended and forgotten, and the panel is
    /// emptied.
    fn new_conversation(self) {
        self.stop();
        if let Some(old) = self.conversation.get_untracked() {
            spawn_local(net::end_conversation(self.backend.get_value(), self.chatbot_id.get_value(), old));
        }
        self.set_conversation(None);
        self.lines.set(Vec::new());
        self.queued.update_value(VecDeque::clear);
        self.busy.set(false);
        self.focus_composer();
    }

    fn lead_capture_when_needed(self) -> bool {
        self.lead_capture.with_value(|mode| mode.as_deref() == Some("when_needed"))
    }

    /// Sends the lead form's details.
    fn submit_lead(self, name: &str, email: &str) {
        let was = self.lead.get_untracked();
        if email.trim().is_empty() || was == LeadForm::Sending {
            return;
        }
        self.lead.set(LeadForm::Sending);
        let name = Some(name.trim().to_owned()).filter(|n| !n.is_empty());
        let email = email.trim();
        let lead = [
            ("conversation_id", opt(self.conversation.get_untracked())),
            ("name", opt(name.clone())),
            ("email", email.into()),
        ];
        let detail = object(&[("name", name.map_or(JsValue::NULL, JsValue::from)), ("email", email.into())]);
        spawn_local(async move {
            let chatbot_id = self.chatbot_id.get_value();
            if net::send_lead(self.backend.get_value(), chatbot_id.clone(), &lead).await {
                storage::set_lead_given(&chatbot_id);
                self.lead.set(LeadForm::Hidden);
                self.note(Note::LeadThanks);
                self.emit("lead", &detail);
                self.focus_composer();
            } else {
                self.lead.set(LeadForm::Failed);
            }
        });
    }

    /// Asks for completions of what the visitor is typing, once they have paused for 250 ms;
    /// only the answer to the latest request is shown.
    fn suggest(self, typed: String) {
        self.suggest_generation.update_value(|n| *n += 1);
        let generation = self.suggest_generation.get_value();
        if typed.trim().chars().count() < 3 {
            self.suggestions.set(Vec::new());
            return;
        }
        let latest = move || self.suggest_generation.try_get_value() == Some(generation);
        spawn_local(async move {
            net::sleep(250).await;
            if !latest() {
                return;
            }
            let found = net::suggest(self.backend.get_value(), self.chatbot_id.get_value(), typed.clone()).await;
            if latest() {
                // The visitor's own words are not a suggestion.
                self.suggestions.set(found.into_iter().filter(|s| s.trim() != typed.trim()).collect());
            }
        });
    }

    /// Keeps the keyboard focus inside the open panel (a dialog): Tab from its last control goes
    /// to its first, and Shift+Tab from the first to the last.
    fn trap_focus(self, panel: &web_sys::Element, ev: &web_sys::KeyboardEvent) {
        let Ok(found) = panel.query_selector_all("button:not([disabled]),input:not([disabled]),a[href]") else {
            return;
        };
        let visible: Vec<web_sys::HtmlElement> = (0..found.length())
            .filter_map(|i| found.item(i))
            .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
            .filter(|el| el.get_client_rects().length() > 0)
            .collect();
        let (Some(first), Some(last)) = (visible.first(), visible.last()) else { return };
        let target = ev.target().map(JsValue::from).unwrap_or(JsValue::NULL);
        let inside = visible.iter().any(|el| JsValue::from(el) == target);
        let wrap_to = if ev.shift_key() {
            (!inside || JsValue::from(first) == target).then_some(last)
        } else {
            (!inside || JsValue::from(last) == target).then_some(first)
        };
        if let Some(element) = wrap_to {
            ev.prevent_default();
            let _ = element.focus();
        }
    }

    /// Stops following the live stream, aborting its request.
    fn unfollow(self) {
        self.live.update_value(|live| {
            live.generation = live.generation.wrapping_add(1);
            live.abort.abort();
        });
    }

    /// Follows the conversation's live stream until `unfollow`: agents' messages become lines,
    /// and the status shows whether a person has been asked for. A stream that fails or ends is
    /// followed again after a pause that grows with each failure in a row, from where it was.
    fn follow(self, conversation_id: String) {
        let generation = self.live.with_value(|live| live.generation);
        // `try_`: a widget destroyed meanwhile simply stops following.
        let current = move || self.live.try_with_value(|live| live.generation) == Some(generation);
        let (backend, chatbot_id) = (self.backend.get_value(), self.chatbot_id.get_value());
        spawn_local(async move {
            let mut failures = 0;
            while current() {
                let abort = Abort::new();
                let signal = abort.signal();
                let after = self.live.try_update_value(|live| {
                    live.abort = abort;
                    live.after
                });
                let Some(after) = after else { return };
                let mut heard = false;
                let end = net::follow_conversation(
                    &backend,
                    &chatbot_id,
                    &conversation_id,
                    after,
                    signal.as_ref(),
                    |event| {
                        if current() {
                            heard = true;
                            self.on_live(event);
                        }
                    },
                )
                .await;
                if end == FollowEnd::Refused || !current() {
                    return;
                }
                if heard {
                    failures = 0;
                }
                net::sleep(backoff_ms(failures)).await;
                failures += 1;
            }
        });
    }

    /// Shows what the live stream said. An agent's message the stream sends again (after a
    /// reconnection) is shown once.
    fn on_live(self, event: LiveEvent) {
        match event {
            LiveEvent::Status(status) => self.escalated.set(status == "escalated"),
            LiveEvent::Message { position, message } => {
                let fresh = self.live.try_update_value(|live| {
                    live.after = live.after.max(position);
                    let fresh = !live.seen.contains(&message.id);
                    if fresh {
                        live.seen.push(message.id.clone());
                    }
                    fresh
                });
                if fresh == Some(true) {
                    self.emit_message("agent", &message.content, Some(message.id));
                    self.push(Role::Agent, message.content);
                }
            }
        }
    }
}

#[component]
fn Widget(
    options: Options,
    emit: Option<js_sys::Function>,
    identity: Option<Identity>,
    chat_out: Rc<Cell<Option<Chat>>>,
) -> impl IntoView {
    let inline = options.mode == Mode::Inline;
    let frame = options.frame;
    let root_class = options.root_class();
    let root_style = options.root_style();
    let open = RwSignal::new(options.open || inline);
    let conversation = storage::conversation(&options.chatbot_id);
    let browser_languages: Vec<String> = web_sys::window()
        .map(|w| w.navigator().languages().iter().filter_map(|l| l.as_string()).collect())
        .unwrap_or_default();
    let lang =
        Lang::pick(std::iter::once(options.language.as_str()).chain(browser_languages.iter().map(String::as_str)));
    let chat = Chat {
        backend: StoredValue::new(options.backend),
        chatbot_id: StoredValue::new(options.chatbot_id),
        busy: RwSignal::new(false),
        queued: StoredValue::new(VecDeque::new()),
        open,
        unread: RwSignal::new(0),
        current: StoredValue::new_local(None),
        scroll_tick: RwSignal::new(0),
        composer: NodeRef::new(),
        lead_field: NodeRef::new(),
        lines: RwSignal::new(Vec::new()),
        next_key: StoredValue::new(0),
        // An answer outlives the part of the view where the visitor pressed Send (it streams on
        // while the panel is closed), so the signals of every line belong to the widget itself.
        owner: StoredValue::new(Owner::current()),
        conversation: RwSignal::new(conversation.clone()),
        escalated: RwSignal::new(false),
        escalating: RwSignal::new(false),
        live: StoredValue::new_local(Live::default()),
        lang: RwSignal::new(lang),
        emit: StoredValue::new_local(emit),
        identity: StoredValue::new(identity),
        focus_on_open: StoredValue::new(options.focus),
        inline,
        frame,
        lead: RwSignal::new(LeadForm::Hidden),
        suggestions: RwSignal::new(Vec::new()),
        suggest_generation: StoredValue::new(0),
        lead_capture: StoredValue::new(None),
    };
    chat_out.set(Some(chat));
    let lines = chat.lines;
    let draft = RwSignal::new(String::new());
    let input_ref = chat.composer;
    // The panel and the list are found from the message field rather than held by node refs of
    // their own: each element type of a node ref costs the WASM its own reactive code.
    let within_panel = move |selector: &str| {
        input_ref
            .get()
            .and_then(|input| input.closest(".panel").ok().flatten())
            .and_then(|panel| panel.query_selector(selector).ok().flatten())
    };
    let lead_name = RwSignal::new(String::new());
    let lead_email = RwSignal::new(String::new());
    let focus_lead = StoredValue::new(false);

    if let Some(conversation_id) = conversation {
        chat.restore(conversation_id);
    }
    if chat.identity.with_value(Option::is_some) {
        chat.identify_now();
    }

    // Fetched once into a signal: a `LocalResource` would bring its async machinery into the WASM
    // for a value that never reloads.
    let config = RwSignal::new(None);
    spawn_local(async move {
        let loaded = net::fetch_config(chat.backend.get_value(), chat.chatbot_id.get_value()).await;
        // The page's developer learns why the chat does not start (an origin the chatbot does
        // not allow, an unknown chatbot); the visitor only that it is not available.
        match &loaded {
            Err(Some(reason)) => chat.report(&["the chat cannot start here: ", reason].concat()),
            // The server withholds CORS from a page whose origin the chatbot does not allow, so
            // the browser shows the widget no answer at all, as when the network fails.
            Err(None) => {
                let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                chat.report(
                    &[
                        "the chat cannot start here: Parlor did not answer. Either the network failed, or this page's origin (",
                        &origin,
                        ") is not among the chatbot's allowed origins.",
                    ]
                    .concat(),
                );
            }
            Ok(_) => {}
        }
        config.set(Some(loaded.map_err(drop)));
    });
    let loaded = move || config.get().and_then(Result::ok);
    let title = move || match loaded() {
        Some(Config { title: Some(title), .. }) => title,
        Some(Config { name, .. }) => name,
        None => chat.t().chat.to_owned(),
    };
    let welcome = move || match config.get() {
        Some(Ok(Config { welcome_message, .. })) => Some(welcome_message),
        Some(Err(())) => Some(chat.t().unavailable.to_owned()),
        None => None,
    };
    let starters = move || loaded().map(|c| c.starter_questions).unwrap_or_default();
    let avatar = move || loaded().and_then(|c| c.avatar_url);

    // The lead form comes before the chat when the chatbot asks for it so, unless the visitor
    // has left their details already.
    Effect::new(move |_| {
        if let Some(config) = loaded() {
            let given = storage::lead_given(&chat.chatbot_id.get_value());
            if config.lead_capture.as_deref() == Some("before_chat") && !given {
                // The message field is about to hide: if the visitor was in it, they go to the
                // form instead of losing the focus to the page.
                let typing = input_ref.get_untracked().is_some_and(|input| input.matches(":focus").unwrap_or(false));
                focus_lead.set_value(typing);
                chat.lead.set(LeadForm::Required);
            }
            chat.lead_capture.set_value(config.lead_capture);
        }
    });

    // Runs once the form shows (it is in the page from the start, hidden until needed); the
    // focus moves on the next frame, once the form is no longer hidden.
    Effect::new(move |_| {
        if chat.lead.get() != LeadForm::Hidden && focus_lead.get_value() {
            focus_lead.set_value(false);
            request_animation_frame(move || chat.focus_composer());
        }
    });

    Effect::new(move |_| {
        chat.scroll_tick.track();
        lines.track();
        // Reading the node ref subscribes to it: this runs again once the field exists.
        if let Some(list) = within_panel(".messages") {
            list.set_scroll_top(list.scroll_height());
        }
    });

    // Agents' replies are followed live while the panel is open and there is a conversation;
    // closing the panel (or another conversation) aborts the stream.
    Effect::new(move |_| {
        let following = if open.get() { chat.conversation.get() } else { None };
        chat.unfollow();
        if let Some(conversation_id) = following {
            chat.follow(conversation_id);
        }
    });

    // The page hears when the panel opens and closes, whoever did it.
    Effect::new(move |was: Option<bool>| {
        let now = open.get();
        if was.is_some_and(|was| was != now) {
            chat.emit(if now { "open" } else { "close" }, &JsValue::NULL);
        }
        now
    });

    // The composer (or the lead form) takes the focus once the panel is there, but only when
    // the visitor or the page's script opened it: `data-open` leaves the page its focus.
    Effect::new(move |_| {
        // Reading the node ref subscribes to it, so this runs again once the field exists.
        if open.get() && input_ref.get().is_some() && chat.focus_on_open.get_value() {
            chat.focus_on_open.set_value(false);
            chat.focus_composer();
        }
    });

    let send = move || {
        let message = draft.get_untracked().trim().to_owned();
        if message.is_empty() || chat.busy.get_untracked() {
            return;
        }
        draft.set(String::new());
        chat.send_text(message);
    };
    let lead_shown = move || chat.lead.get() != LeadForm::Hidden;
    let no_lines = move || lines.with(Vec::is_empty);

    view! {
        <div
            class=root_class
            style=root_style
            lang=move || chat.lang.get().tag()
            class:open=move || open.get()
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                let key = ev.key();
                if key == "Escape" && (!inline || frame) && open.get_untracked() {
                    ev.prevent_default();
                    chat.hide();
                } else if key == "Tab" && !inline && open.get_untracked()
                    && let Some(panel) = input_ref.get_untracked().and_then(|input| input.closest(".panel").ok().flatten())
                {
                    chat.trap_focus(&panel, &ev);
                }
            }
        >
            // A closed panel is hidden rather than removed, so it keeps the draft, the scroll
            // position and the answers that go on streaming into it.
            <section
                    class="panel"
                    hidden=move || !open.get()
                    role=if inline { "region" } else { "dialog" }
                    aria-modal=(!inline).then_some("true")
                    aria-label=move || chat.t().chat_with(&title())
                >
                    <header class="panel-header">
                        // Decorative: the title beside it names the chatbot.
                        {move || avatar().map(|src| view! { <img class="avatar" src=src alt="" width="28" height="28"/> })}
                        <span class="title">{title}</span>
                        // Parts that come and go are in the page from the start and hidden while
                        // they do not apply: one `hidden` attribute costs the WASM far less than a
                        // `<Show>` (BENCHMARKS.md, "Widget weight").
                        <button
                            class="human"
                            type="button"
                            hidden=move || chat.conversation.with(Option::is_none) || chat.escalated.get()
                            disabled=move || chat.escalating.get()
                            on:click=move |_| chat.escalate()
                        >
                            {tr(chat, |t| t.talk_to_human)}
                        </button>
                        <button
                            class="icon new"
                            type="button"
                            hidden=move || chat.conversation.with(Option::is_none) && no_lines()
                            aria-label=tr(chat, |t| t.new_conversation)
                            title=tr(chat, |t| t.new_conversation)
                            on:click=move |_| chat.new_conversation()
                        >
                            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                                <path fill="currentColor" d="M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z"/>
                            </svg>
                        </button>
                        {(!inline || frame).then(|| view! {
                            <button class="icon close" type="button" aria-label=tr(chat, |t| t.close_chat) on:click=move |_| chat.hide()>"×"</button>
                        })}
                    </header>
                    <ol class="messages" aria-live="polite" aria-busy=move || if chat.busy.get() { "true" } else { "false" }>
                        {move || welcome().map(|text| view! { <li class="line bot welcome">{text}</li> })}
                        // Lines are appended, or all replaced: a list rebuilt in place by
                        // position does, without a keyed list's diffing (BENCHMARKS.md).
                        {move || lines.with(|lines| {
                            lines.iter().map(|line| view! { <LineView line=line.clone() chat/> }).collect_view()
                        })}
                    </ol>
                    <ul class="chips starters" hidden=move || !(no_lines() && !starters().is_empty() && !lead_shown()) aria-label=tr(chat, |t| t.starters)>
                            {move || starters().into_iter().map(|question| {
                                let asked = question.clone();
                                view! { <li><button type="button" on:click=move |_| chat.send_text(asked.clone())>{question}</button></li> }
                            }).collect_view()}
                    </ul>
                        <form class="lead" hidden=move || !lead_shown() on:submit=move |ev| {
                            ev.prevent_default();
                            chat.submit_lead(&lead_name.get_untracked(), &lead_email.get_untracked());
                        }>
                            <p class="lead-intro">{tr(chat, |t| t.lead_intro)}</p>
                            <input
                                node_ref=chat.lead_field
                                type="text"
                                name="name"
                                autocomplete="name"
                                maxlength="200"
                                placeholder=tr(chat, |t| t.lead_name)
                                aria-label=tr(chat, |t| t.lead_name)
                                prop:value=move || lead_name.get()
                                on:input=move |ev| lead_name.set(event_target_value(&ev))
                            />
                            <input
                                type="email"
                                name="email"
                                autocomplete="email"
                                required
                                maxlength="254"
                                placeholder=tr(chat, |t| t.lead_email)
                                aria-label=tr(chat, |t| t.lead_email)
                                prop:value=move || lead_email.get()
                                on:input=move |ev| lead_email.set(event_target_value(&ev))
                            />
                            // Added when it applies, so that it is announced as an alert.
                            {move || (chat.lead.get() == LeadForm::Failed).then(|| view! {
                                <p class="error" role="alert">{tr(chat, |t| t.lead_failed)}</p>
                            })}
                            <div class="lead-actions">
                                <button type="submit" class="send" disabled=move || chat.lead.get() == LeadForm::Sending>
                                    {tr(chat, |t| t.lead_send)}
                                </button>
                                <button type="button" class="retry" hidden=move || chat.lead.get() == LeadForm::Required on:click=move |_| {
                                    chat.lead.set(LeadForm::Hidden);
                                    chat.focus_composer();
                                }>{tr(chat, |t| t.lead_skip)}</button>
                            </div>
                        </form>
                        <ul class="chips suggestions" hidden=move || chat.suggestions.with(Vec::is_empty) || chat.busy.get() aria-label=tr(chat, |t| t.suggestions)>
                            {move || chat.suggestions.get().into_iter().map(|text| {
                                let chosen = text.clone();
                                view! {
                                    <li><button type="button" on:click=move |_| {
                                        draft.set(String::new());
                                        chat.send_text(chosen.clone());
                                        chat.focus_composer();
                                    }>{text}</button></li>
                                }
                            }).collect_view()}
                        </ul>
                    <form class="composer" hidden=move || chat.lead.get() == LeadForm::Required on:submit=move |ev| {
                        ev.prevent_default();
                        send();
                    }>
                        <input
                            node_ref=input_ref
                            type="text"
                            name="message"
                            maxlength="4000"
                            autocomplete="off"
                            placeholder=tr(chat, |t| t.placeholder)
                            aria-label=tr(chat, |t| t.your_message)
                            prop:value=move || draft.get()
                            on:input=move |ev| {
                                let typed = event_target_value(&ev);
                                draft.set(typed.clone());
                                chat.suggest(typed);
                            }
                        />
                        // One button that is "Send" or, while an answer streams, "Stop": it keeps
                        // the keyboard focus when it changes.
                        <button
                            type="submit"
                            class="send"
                            class:stop=move || chat.busy.get()
                            on:click=move |ev| {
                                if chat.busy.get_untracked() {
                                    ev.prevent_default();
                                    chat.stop();
                                }
                            }
                        >
                            {move || if chat.busy.get() { chat.t().stop } else { chat.t().send }}
                        </button>
                    </form>
            </section>
            {(!inline).then(|| view! {
                <button
                    class="launcher"
                    type="button"
                    aria-label=move || chat.t().launcher(open.get(), chat.unread.get())
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    on:click=move |_| if open.get_untracked() { open.set(false) } else { chat.show(true) }
                >
                    <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
                        <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/>
                    </svg>
                    {move || (chat.unread.get() > 0).then(|| view! {
                        <span class="badge" aria-hidden="true">{move || chat.unread.get()}</span>
                    })}
                </button>
            })}
        </div>
    }
}

/// A label in the visitor's language that follows `setLocale`. Every label of the view is this
/// one closure type, so the WASM holds one copy of the reactive text and attribute code for all
/// of them instead of one per label (BENCHMARKS.md, "Widget weight").
fn tr(chat: Chat, pick: fn(&Texts) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || pick(chat.t())
}

#[component]
fn LineView(line: Line, chat: Chat) -> impl IntoView {
    match line.role {
        Role::Visitor => return view! { <li class="line visitor">{line.message}</li> }.into_any(),
        Role::System => {
            let note = line.note;
            let text = move || note.map(|note| note.text(chat.t())).unwrap_or_default();
            return view! { <li class="line system">{text}</li> }.into_any();
        }
        // An agent's message is plain text, never Markdown or HTML. The label is read as
        // "Agent:" before the message.
        Role::Agent => {
            return view! {
                <li class="line agent">
                    <span class="who">{tr(chat, |t| t.agent)}<span class="sr">": "</span></span>
                    {line.message}
                </li>
            }
            .into_any();
        }
        Role::Bot => {}
    }
    let answer = line.answer;
    let is = move |wanted: Status| answer.with(|answer| answer.status == wanted);
    // The retry button is disabled while the answer streams and then goes away, so the focus
    // moves to the message field rather than being dropped on the host page.
    let retried = line.clone();
    let retry = move |_| {
        chat.answer(retried.clone());
        chat.focus_composer();
    };
    view! {
        <li class="line bot" class:failed=move || is(Status::Failed) class:stopped=move || is(Status::Stopped)>
            <span class="typing" role="img" hidden=move || !is(Status::Waiting) aria-label=tr(chat, |t| t.typing)><i></i><i></i><i></i></span>
            <div class="text" hidden=move || is(Status::Waiting) use:answer_text=answer></div>
            <p class="note" hidden=move || !is(Status::Stopped)>{tr(chat, |t| t.stopped)}</p>
            {move || answer.with(|answer| answer.error.clone()).map(|failure| view! { <p class="error">{failure.text(chat.t())}</p> })}
            <button class="retry" type="button" hidden=move || !is(Status::Failed) disabled=move || chat.busy.get() on:click=retry>{tr(chat, |t| t.retry)}</button>
            // Rendered with the answer and shown once it is complete, so that the buttons stay
            // the same elements (and keep the focus) when the visitor chooses.
            <div class="feedback" hidden=move || !(is(Status::Complete) && answer.with(|answer| answer.ids.is_some()))>
                {thumb(&line, chat, "up", |t| t.helpful)}
                {thumb(&line, chat, "down", |t| t.not_helpful)}
                <span class="thanks">{move || if answer.with(|answer| answer.voted) { chat.t().thanks_feedback } else { "" }}</span>
            </div>
            // "Source: " is drawn by CSS from `--source` (a fixed string of i18n.rs, never the
            // answer's text), so each item's text is the source's title alone.
            <ul
                    class="citations"
                    hidden=move || answer.with(|answer| answer.citations.is_empty())
                    aria-label=tr(chat, |t| t.sources)
                    style=move || ["--source:\"", chat.t().source, "\""].concat()
                >
                    {move || answer.with(|answer| answer.citations.clone()).into_iter().map(|c| view! { <li title=c.snippet>{c.title}</li> }).collect_view()}
            </ul>
        </li>
    }
    .into_any()
}

/// Keeps an answer's element showing its text, built from Markdown (`render.rs`), as it streams.
fn answer_text(element: web_sys::Element, answer: RwSignal<Answer>) {
    Effect::new(move |_| answer.with(|answer| render::answer_into(&element, &answer.text)));
}

/// A feedback button under an answer: a toggle that is pressed once chosen. Once either is
/// chosen both are disabled; `aria-disabled` rather than `disabled`, so the keyboard focus stays
/// on the button the visitor pressed instead of falling to the host page.
fn thumb(line: &Line, chat: Chat, thumbs: &'static str, label: fn(&Texts) -> &'static str) -> impl IntoView {
    // An inline SVG rather than an emoji: host pages and systems without an emoji font drew the
    // emoji as empty boxes. "Down" is the same hand turned over.
    let turn = if thumbs == "down" { "rotate(180 12 12)" } else { "" };
    let answer = line.answer;
    let line = line.clone();
    let label = tr(chat, label);
    view! {
        <button
            class="thumb"
            type="button"
            aria-label=label
            title=label
            aria-pressed=move || if answer.with(|answer| answer.vote == Some(thumbs)) { "true" } else { "false" }
            aria-disabled=move || if answer.with(|answer| answer.vote.is_some()) { "true" } else { "false" }
            on:click=move |_| chat.rate(&line, thumbs)
        >
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
                <path
                    transform=turn
                    fill="currentColor"
                    d="M2 10h4v11H2zM8 10l4-7c1.5 0 2.5 1 2 3l-1 4h6.5c1.4 0 2.3 1.3 1.9 2.6l-2 7c-.3.9-1.1 1.4-2 1.4H8z"
                />
            </svg>
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn reconnection_waits_one_two_five_then_ten_seconds() {
        let waits: Vec<i32> = (0..6).map(backoff_ms).collect();
        assert_eq!(waits, [1_000, 2_000, 5_000, 10_000, 10_000, 10_000]);
    }
}
