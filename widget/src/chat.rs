//! The state every part of the widget shares ([`Chat`]), the conversation's lines, and what the
//! visitor does with them: send, start over, ask for a person, leave their details.

use std::cell::RefCell;
use std::collections::VecDeque;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{Lang, Texts};
use crate::live::Live;
use crate::net::{self, Source, opt};
use crate::page::{Identity, object};
use crate::reply::Streaming;
use crate::storage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
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
pub enum Note {
    Escalated,
    EscalateFailed,
    LeadThanks,
}

impl Note {
    pub fn text(self, t: &Texts) -> &'static str {
        match self {
            Note::Escalated => t.escalated,
            Note::EscalateFailed => t.escalate_failed,
            Note::LeadThanks => t.lead_thanks,
        }
    }
}

/// Why an answer failed, said in the visitor's language when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Gone,
    Network,
    Interrupted,
    /// The server refused the message, with its reason.
    Refused(String),
    /// The answer failed while streaming, with the server's reason.
    Answer(String),
}

impl Failure {
    pub fn text(&self, t: &Texts) -> String {
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
pub enum LeadForm {
    Hidden,
    /// Asked for before the chat: the visitor cannot skip it.
    Required,
    /// Asked for when a person is needed: the visitor may skip it.
    Offered,
    Sending,
    /// The details were sent but not stored; the form shows why.
    Failed,
}

impl LeadForm {
    const ALL: [LeadForm; 5] =
        [LeadForm::Hidden, LeadForm::Required, LeadForm::Offered, LeadForm::Sending, LeadForm::Failed];

    fn from_index(index: u32) -> LeadForm {
        LeadForm::ALL.get(index as usize).copied().unwrap_or(LeadForm::Hidden)
    }
}

/// How many of the page's messages (`Parlor.sendMessage`) may wait for the streaming answer.
const MAX_QUEUED: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
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
pub struct Line {
    pub key: u32,
    pub role: Role,
    /// The visitor's message: the text of a visitor's line, and for an answer the message it
    /// answers, which "Retry" sends again. The text of an agent's or the widget's line.
    pub message: String,
    /// An answer's state, for `Role::Bot` lines.
    pub answer: RwSignal<Answer>,
    /// A note's text key, for `Role::System` lines.
    pub note: Option<Note>,
}

/// An answer as it streams in and after. One signal holds all of it: each signal type costs the
/// WASM its own copy of the reactive code, and five of these fields' types were found nowhere
/// else (BENCHMARKS.md, "Widget weight").
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub text: String,
    pub citations: Vec<Source>,
    pub status: Status,
    pub error: Option<Failure>,
    /// The conversation and message ids, from the `start` event: what feedback names.
    pub ids: Option<(String, String)>,
    /// The thumbs chosen (`up`, `down`) and whether the server has it.
    pub vote: Option<&'static str>,
    pub voted: bool,
}

impl Line {
    pub fn new(key: u32, role: Role, message: String) -> Self {
        Line { key, role, message, answer: RwSignal::new(Answer::default()), note: None }
    }

    pub fn status(&self) -> Status {
        self.answer.with_untracked(|answer| answer.status)
    }

    pub fn fail(&self, failure: Failure) {
        self.answer.update(|answer| {
            answer.status = Status::Failed;
            answer.error = Some(failure);
        });
    }
}

/// The state every part of the widget shares. It is `Copy`, so the view's closures can each
/// hold it.
#[derive(Clone, Copy)]
pub struct Chat {
    /// What no view reads ([`Kept`]).
    pub kept: &'static SendWrapper<RefCell<Kept>>,
    /// An answer is streaming; there is one at a time.
    pub busy: RwSignal<bool>,
    pub open: RwSignal<bool>,
    /// Answers that finished while the panel was closed, shown on the launcher.
    pub unread: RwSignal<u32>,
    pub scroll_tick: RwSignal<u32>,
    pub composer: NodeRef<leptos::html::Input>,
    /// The lead form's first field, which takes the focus while the form must come first.
    pub lead_field: NodeRef<leptos::html::Input>,
    pub lines: RwSignal<Vec<Line>>,
    /// The conversation in progress, known from storage or from an answer's `start` event.
    pub conversation: RwSignal<Option<String>>,
    /// A person has been asked to join (by the visitor, or as the live stream reports).
    pub escalated: RwSignal<bool>,
    /// The request for a person is on its way.
    pub escalating: RwSignal<bool>,
    /// The visitor's language ([`Lang::index`]); read through [`Chat::lang`]. It and the lead
    /// form's state are numbers because a signal of a type the widget has already costs no new
    /// copy of the reactive code (BENCHMARKS.md, "Widget weight").
    pub lang_index: RwSignal<u32>,
    pub inline: bool,
    /// Running inside the iframe fallback, where closing is the host page loader's business.
    pub frame: bool,
    /// Where the lead form stands ([`LeadForm`]'s order); read through [`Chat::lead`].
    pub lead_state: RwSignal<u32>,
    pub suggestions: RwSignal<Vec<String>>,
}

/// What the widget keeps that no view reads, in a plain `RefCell` rather than the reactive arena:
/// a `StoredValue` costs the WASM its arena code for the type and again for every closure that
/// reads it (BENCHMARKS.md, "Widget weight"). It lives as long as the page, like the widget
/// ([`Kept::leak`]), and is read and changed through [`Chat::keep`]; nothing that could call back
/// into the widget (the page's listeners) runs while it is borrowed.
#[derive(Default)]
pub struct Kept {
    pub backend: String,
    pub chatbot_id: String,
    /// Messages the page sent (`Parlor.sendMessage`) while an answer streamed: each is sent in
    /// turn once the answer before it has ended, so none is lost.
    pub queued: VecDeque<String>,
    /// The streaming answer, if any.
    pub current: Option<Streaming>,
    pub next_key: u32,
    /// The widget's reactive owner: lines outlive the part of the view that made them.
    pub owner: Option<Owner>,
    pub live: Live,
    /// The loader's function that hands events to the page's `Parlor.on` listeners.
    pub emit: Option<js_sys::Function>,
    /// Who the page says the visitor is, sent again whenever a conversation starts.
    pub identity: Option<Identity>,
    /// Whether opening the panel should move the focus into it (the visitor or the page's
    /// script opened it, rather than `data-open`).
    pub focus_on_open: bool,
    /// Whether the lead form, once it shows, should take the focus (the visitor was typing).
    pub focus_lead: bool,
    /// Bumped on every keystroke, so that only the latest suggestion request shows.
    pub suggest_generation: u32,
    /// The chatbot's lead capture mode from its configuration (`off`, `when_needed`,
    /// `before_chat`).
    pub lead_capture: Option<String>,
}

impl Kept {
    /// Kept for the page's lifetime: the widget is mounted once per page and its handle, tasks
    /// and view closures all hold it.
    pub fn leak(self) -> &'static SendWrapper<RefCell<Kept>> {
        Box::leak(Box::new(SendWrapper::new(RefCell::new(self))))
    }
}

impl Chat {
    /// Reads or changes what the widget keeps.
    pub fn keep<R>(self, f: impl FnOnce(&mut Kept) -> R) -> R {
        f(&mut self.kept.borrow_mut())
    }

    /// The server and the chatbot, for a request.
    pub fn endpoint(self) -> (String, String) {
        self.keep(|k| (k.backend.clone(), k.chatbot_id.clone()))
    }

    pub fn chatbot_id(self) -> String {
        self.keep(|k| k.chatbot_id.clone())
    }

    /// The visitor's language (a tracked read).
    pub fn lang(self) -> Lang {
        Lang::from_index(self.lang_index.get())
    }

    pub fn lang_untracked(self) -> Lang {
        Lang::from_index(self.lang_index.get_untracked())
    }

    pub fn set_lang(self, lang: Lang) {
        self.lang_index.set(lang.index());
    }

    /// Where the lead form stands (a tracked read).
    pub fn lead(self) -> LeadForm {
        LeadForm::from_index(self.lead_state.get())
    }

    pub fn lead_untracked(self) -> LeadForm {
        LeadForm::from_index(self.lead_state.get_untracked())
    }

    pub fn set_lead(self, form: LeadForm) {
        self.lead_state.set(form as u32);
    }
}

impl Chat {
    /// Puts the keyboard focus in the message field.
    pub fn focus_composer(self) {
        let field = if self.lead_untracked() == LeadForm::Required { self.lead_field } else { self.composer };
        if let Some(input) = field.get_untracked() {
            // Focus is a convenience; a page that refuses it loses nothing.
            let _ = input.focus();
        }
    }

    /// Makes a line, owned by the widget so that it outlives the view that asked for it.
    pub fn line(self, role: Role, message: String) -> Line {
        let (key, owner) = self.keep(|k| {
            k.next_key += 1;
            (k.next_key, k.owner.clone())
        });
        match owner {
            Some(owner) => owner.with(|| Line::new(key, role, message)),
            None => Line::new(key, role, message),
        }
    }

    /// Adds a line to the conversation.
    pub fn push(self, role: Role, message: String) -> Line {
        let line = self.line(role, message);
        self.lines.update(|all| all.push(line.clone()));
        line
    }

    /// Adds one of the widget's own notes.
    pub fn note(self, note: Note) {
        let mut line = self.line(Role::System, String::new());
        line.note = Some(note);
        self.lines.update(|all| all.push(line));
    }

    /// Remembers (or, with `None`, forgets) the conversation in progress. Another conversation
    /// starts the live stream afresh.
    pub fn set_conversation(self, id: Option<String>) {
        if self.conversation.get_untracked() == id {
            return;
        }
        let chatbot_id = self.chatbot_id();
        match &id {
            Some(id) => storage::set_conversation(&chatbot_id, id),
            None => storage::clear_conversation(&chatbot_id),
        }
        // The old conversation's stream stops at once; the effect that follows the conversation
        // starts the new one's.
        self.unfollow();
        self.keep(|k| {
            k.live.after = 0;
            k.live.seen.clear();
        });
        self.escalated.set(false);
        let started = id.is_some();
        self.conversation.set(id);
        // The page's identity belongs to every conversation the visitor has.
        if started && self.keep(|k| k.identity.is_some()) {
            self.identify_now();
        }
    }

    /// Asks for a person to join the conversation.
    pub fn escalate(self) {
        let Some(conversation_id) = self.conversation.get_untracked() else { return };
        if self.escalating.get_untracked() {
            return;
        }
        self.escalating.set(true);
        spawn_local(async move {
            let (backend, chatbot_id) = self.endpoint();
            let done = net::escalate(backend, chatbot_id, conversation_id).await;
            self.escalating.set(false);
            if done {
                self.escalated.set(true);
                self.note(Note::Escalated);
                if self.lead_untracked() == LeadForm::Hidden
                    && self.lead_capture_when_needed()
                    && !storage::lead_given(&self.chatbot_id())
                {
                    self.set_lead(LeadForm::Offered);
                }
            } else {
                self.note(Note::EscalateFailed);
            }
            // The button goes away (or was pressed), so the focus goes to the message field.
            self.focus_composer();
        });
    }

    /// The strings in the visitor's language (a tracked read).
    pub fn t(self) -> &'static Texts {
        self.lang().texts()
    }

    /// Opens the panel; `focus` moves the keyboard focus into it.
    pub fn show(self, focus: bool) {
        self.keep(|k| k.focus_on_open = focus);
        self.unread.set(0);
        self.open.set(true);
        if focus && self.inline {
            self.focus_composer();
        }
    }

    /// Closes the panel and returns the focus to the launcher, so a keyboard user is not left
    /// on the page's first element. In the iframe fallback the host page's loader hides the
    /// frame, so the widget only says so.
    pub fn hide(self) {
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
    pub fn send_from_page(self, message: String) {
        if message.is_empty() {
            return;
        }
        if !self.busy.get_untracked() {
            return self.send_text(message);
        }
        let queued = self.keep(|k| {
            let room = k.queued.len() < MAX_QUEUED;
            if room {
                k.queued.push_back(message);
            }
            room
        });
        if !queued {
            web_sys::console::warn_1(
                &"[parlor] sendMessage: too many messages wait for an answer; this one is dropped".into(),
            );
        }
    }

    /// Sends the visitor's message, unless an answer is streaming or the lead form must come
    /// first.
    pub fn send_text(self, message: String) {
        if message.is_empty() || self.busy.get_untracked() || self.lead_untracked() == LeadForm::Required {
            return;
        }
        self.suggestions.set(Vec::new());
        self.keep(|k| k.suggest_generation += 1);
        self.emit_message("user", &message, None);
        self.push(Role::Visitor, message.clone());
        self.answer(self.push(Role::Bot, message));
    }

    /// Starts a new conversation: the current one is ended and forgotten, and the panel is
    /// emptied.
    pub fn new_conversation(self) {
        self.stop();
        if let Some(old) = self.conversation.get_untracked() {
            let (backend, chatbot_id) = self.endpoint();
            spawn_local(net::end_conversation(backend, chatbot_id, old));
        }
        self.set_conversation(None);
        self.lines.set(Vec::new());
        self.keep(|k| k.queued.clear());
        self.busy.set(false);
        self.focus_composer();
    }

    pub fn lead_capture_when_needed(self) -> bool {
        self.keep(|k| k.lead_capture.as_deref() == Some("when_needed"))
    }

    /// Sends the lead form's details.
    pub fn submit_lead(self, name: &str, email: &str) {
        let was = self.lead_untracked();
        if email.trim().is_empty() || was == LeadForm::Sending {
            return;
        }
        self.set_lead(LeadForm::Sending);
        let name = Some(name.trim().to_owned()).filter(|n| !n.is_empty());
        let email = email.trim();
        let lead = [
            ("conversation_id", opt(self.conversation.get_untracked())),
            ("name", opt(name.clone())),
            ("email", email.into()),
        ];
        let detail = object(&[("name", name.map_or(JsValue::NULL, JsValue::from)), ("email", email.into())]);
        spawn_local(async move {
            let (backend, chatbot_id) = self.endpoint();
            if net::send_lead(backend, chatbot_id.clone(), &lead).await {
                storage::set_lead_given(&chatbot_id);
                self.set_lead(LeadForm::Hidden);
                self.note(Note::LeadThanks);
                self.emit("lead", &detail);
                self.focus_composer();
            } else {
                self.set_lead(LeadForm::Failed);
            }
        });
    }

    /// Asks for completions of what the visitor is typing, once they have paused for 250 ms;
    /// only the answer to the latest request is shown.
    pub fn suggest(self, typed: String) {
        let generation = self.keep(|k| {
            k.suggest_generation = k.suggest_generation.wrapping_add(1);
            k.suggest_generation
        });
        if typed.trim().chars().count() < 3 {
            self.suggestions.set(Vec::new());
            return;
        }
        let latest = move || self.keep(|k| k.suggest_generation) == generation;
        spawn_local(async move {
            net::sleep(250).await;
            if !latest() {
                return;
            }
            let (backend, chatbot_id) = self.endpoint();
            let found = net::suggest(backend, chatbot_id, typed.clone()).await;
            if latest() {
                // The visitor's own words are not a suggestion.
                self.suggestions.set(found.into_iter().filter(|s| s.trim() != typed.trim()).collect());
            }
        });
    }

    /// Keeps the keyboard focus inside the open panel (a dialog): Tab from its last control goes
    /// to its first, and Shift+Tab from the first to the last.
    pub fn trap_focus(self, panel: &web_sys::Element, ev: &web_sys::KeyboardEvent) {
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
}
