//! The visitor chat widget: a client-side-rendered Leptos app that `public/widget.js` mounts
//! inside a Shadow DOM root on the host page, talking to Parlor's widget API over CORS.

mod markdown;
mod net;
mod options;
mod render;
mod storage;

use leptos::prelude::*;
use leptos::task::spawn_local;
use parlor_app::wire::{ChatRequest, Citation, CreateFeedback, WidgetConfig};
use wasm_bindgen::prelude::*;

use crate::net::{Abort, ChatFailure, FollowEnd, LiveEvent, StreamEvent};
use crate::options::{Mode, Options};

/// Mounts the widget into `target` (an element inside the loader's shadow root).
///
/// `options` is the object the loader builds from its script tag: `{backend, chatbotId, theme,
/// position, accent, mode, open, focus}` (see `options.rs`).
#[wasm_bindgen]
pub fn mount(target: web_sys::HtmlElement, options: &JsValue) {
    let options = Options::from_js(options);
    let handle = leptos::mount::mount_to(target, move || view! { <Widget options/> });
    // The widget lives as long as the page; dropping the handle would unmount it.
    handle.forget();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Visitor,
    Bot,
    /// A person answering through the API, followed live; shown as plain text.
    Agent,
    /// A note from the widget itself, such as "We've asked a person to join".
    System,
}

/// The line the widget shows once a person has been asked to join.
const ESCALATED: &str = "We've asked a person to join. You can keep writing here.";

/// The pause in milliseconds before following the live stream again after `failures` failed or
/// ended connections in a row (counting from 0): 1 s, 2 s, 5 s, then 10 s.
fn backoff_ms(failures: usize) -> i32 {
    const BACKOFF_MS: [i32; 4] = [1_000, 2_000, 5_000, 10_000];
    BACKOFF_MS[failures.min(BACKOFF_MS.len() - 1)]
}

/// Where an answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Asked for, with no text yet: the typing indicator shows.
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
    text: RwSignal<String>,
    citations: RwSignal<Vec<Citation>>,
    status: RwSignal<Status>,
    error: RwSignal<Option<String>>,
    /// An answer's conversation and message ids, from the `start` event: what feedback names.
    ids: RwSignal<Option<(String, String)>>,
    /// The thumbs chosen (`up`, `down`) and whether the server has it.
    vote: RwSignal<Option<&'static str>>,
    voted: RwSignal<bool>,
}

impl Line {
    fn new(key: u32, role: Role, message: String) -> Self {
        Line {
            key,
            role,
            message,
            text: RwSignal::new(String::new()),
            citations: RwSignal::new(Vec::new()),
            status: RwSignal::new(Status::Waiting),
            error: RwSignal::new(None),
            ids: RwSignal::new(None),
            vote: RwSignal::new(None),
            voted: RwSignal::new(false),
        }
    }

    fn fail(&self, message: String) {
        self.status.set(Status::Failed);
        self.error.set(Some(message));
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
    open: RwSignal<bool>,
    /// Answers that finished while the panel was closed, shown on the launcher.
    unread: RwSignal<u32>,
    /// The streaming answer, if any.
    current: StoredValue<Option<Streaming>, LocalStorage>,
    scroll_tick: RwSignal<u32>,
    composer: NodeRef<leptos::html::Input>,
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
        line.text.set(String::new());
        line.citations.set(Vec::new());
        line.error.set(None);
        line.ids.set(None);
        line.status.set(Status::Waiting);
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
                if line.status.get_untracked() == Status::Stopped {
                    return;
                }
                match event {
                    StreamEvent::Started { conversation_id, message_id } => {
                        line.ids.set(Some((conversation_id.clone(), message_id.clone())));
                        self.set_conversation(Some(conversation_id));
                        self.current.update_value(|current| {
                            if let Some(current) = current {
                                current.message_id = Some(message_id);
                            }
                        });
                    }
                    StreamEvent::Delta(text) => {
                        line.status.set(Status::Streaming);
                        line.text.update(|t| t.push_str(&text));
                        self.scroll_tick.update(|n| *n += 1);
                    }
                    StreamEvent::Citations(found) => line.citations.set(found),
                    StreamEvent::Failed(message) => line.fail(message),
                }
            };
            let mut request = ChatRequest {
                message: line.message.clone(),
                conversation_id: storage::conversation(&chatbot_id),
                visitor_id: Some(storage::visitor_id()),
                language: None,
                stream: true,
            };
            let mut result = net::stream_chat(&backend, &chatbot_id, &request, signal.as_ref(), &mut on_event).await;
            if matches!(result, Err(ChatFailure::ConversationGone)) {
                self.set_conversation(None);
                request.conversation_id = None;
                result = net::stream_chat(&backend, &chatbot_id, &request, signal.as_ref(), &mut on_event).await;
            }
            let status = line.status.get_untracked();
            match result {
                // Stopping aborts the request, which fails it: that is the visitor's doing, not
                // an error to show.
                _ if status == Status::Stopped => {}
                Err(ChatFailure::ConversationGone) => {
                    line.fail("This conversation has ended. Please send your message again.".to_owned());
                }
                Err(ChatFailure::Message(message)) => line.fail(message),
                Ok(()) if status == Status::Failed => {}
                Ok(()) => line.status.set(Status::Complete),
            }
            if status != Status::Stopped && !self.open.get_untracked() {
                self.unread.update(|n| *n += 1);
            }
            self.current.set_value(None);
            self.busy.set(false);
        });
    }

    /// Puts the keyboard focus in the message field.
    fn focus_composer(self) {
        if let Some(input) = self.composer.get_untracked() {
            // Focus is a convenience; a page that refuses it loses nothing.
            let _ = input.focus();
        }
    }

    /// Stops the streaming answer where it is: the visitor keeps what has arrived, the request
    /// ends, and the server is asked to stop generating.
    fn stop(self) {
        let Some(current) = self.current.try_update_value(Option::take).flatten() else { return };
        current.line.status.set(Status::Stopped);
        current.abort.abort();
        if let Some(message_id) = current.message_id {
            spawn_local(net::stop_answer(self.backend.get_value(), self.chatbot_id.get_value(), message_id));
        }
    }

    /// Adds a line to the conversation, owned by the widget so that it outlives the view that
    /// asked for it.
    fn push(self, role: Role, message: String) -> Line {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let line = self.owner.with_value(|owner| match owner {
            Some(owner) => owner.with(|| Line::new(key, role, message)),
            None => Line::new(key, role, message),
        });
        self.lines.update(|all| all.push(line.clone()));
        line
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
        self.conversation.set(id);
    }

    /// Rates an answer. The buttons are disabled while the rating is sent and after; if it could
    /// not be sent they are offered again, with nothing more said.
    fn rate(self, line: &Line, thumbs: &'static str) {
        let Some((conversation_id, message_id)) = line.ids.get_untracked() else { return };
        if line.vote.get_untracked().is_some() {
            return;
        }
        line.vote.set(Some(thumbs));
        let (vote, voted) = (line.vote, line.voted);
        let feedback = CreateFeedback {
            conversation_id,
            message_id: Some(message_id),
            thumbs: Some(thumbs.to_owned()),
            ..CreateFeedback::default()
        };
        spawn_local(async move {
            if net::send_feedback(self.backend.get_value(), self.chatbot_id.get_value(), feedback).await {
                voted.set(true);
            } else {
                vote.set(None);
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
                self.push(Role::System, ESCALATED.to_owned());
            } else {
                self.push(Role::System, "Sorry, we could not reach a person just now. Please try again.".to_owned());
            }
            // The button goes away (or was pressed), so the focus goes to the message field.
            self.focus_composer();
        });
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
        let current = move || self.live.with_value(|live| live.generation) == generation;
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
                    self.push(Role::Agent, message.content);
                }
            }
        }
    }
}

#[component]
fn Widget(options: Options) -> impl IntoView {
    let inline = options.mode == Mode::Inline;
    let root_class = options.root_class();
    let root_style = options.root_style();
    let open = RwSignal::new(options.open || inline);
    let conversation = storage::conversation(&options.chatbot_id);
    let chat = Chat {
        backend: StoredValue::new(options.backend),
        chatbot_id: StoredValue::new(options.chatbot_id),
        busy: RwSignal::new(false),
        open,
        unread: RwSignal::new(0),
        current: StoredValue::new_local(None),
        scroll_tick: RwSignal::new(0),
        composer: NodeRef::new(),
        lines: RwSignal::new(Vec::new()),
        next_key: StoredValue::new(0),
        // An answer outlives the part of the view where the visitor pressed Send (it streams on
        // while the panel is closed), so the signals of every line belong to the widget itself.
        owner: StoredValue::new(Owner::current()),
        conversation: RwSignal::new(conversation),
        escalated: RwSignal::new(false),
        escalating: RwSignal::new(false),
        live: StoredValue::new_local(Live::default()),
    };
    let lines = chat.lines;
    let draft = RwSignal::new(String::new());
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    let input_ref = chat.composer;
    let launcher_ref = NodeRef::<leptos::html::Button>::new();
    let focus_input = StoredValue::new(options.focus);

    let config = LocalResource::new(move || net::fetch_config(chat.backend.get_value(), chat.chatbot_id.get_value()));
    let title = move || match config.get() {
        Some(Ok(WidgetConfig { name, .. })) => name,
        _ => "Chat".to_owned(),
    };
    let welcome = move || match config.get() {
        Some(Ok(WidgetConfig { welcome_message, .. })) => Some(welcome_message),
        Some(Err(_)) => Some("The chat is not available right now. Please try again later.".to_owned()),
        None => None,
    };

    Effect::new(move |_| {
        chat.scroll_tick.track();
        lines.track();
        if let Some(list) = list_ref.get() {
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

    // The composer takes the focus once the panel is there, but only when the visitor opened
    // it: a page that opens the chat by itself keeps its own focus.
    Effect::new(move |_| {
        // Reading the node ref subscribes to it, so this runs again once the field exists.
        if open.get() && input_ref.get().is_some() && focus_input.get_value() {
            focus_input.set_value(false);
            chat.focus_composer();
        }
    });

    let open_panel = move || {
        focus_input.set_value(true);
        chat.unread.set(0);
        open.set(true);
    };
    // Closing returns the focus to the launcher, so a keyboard user is not left on the page's
    // first element.
    let close_panel = move || {
        open.set(false);
        if let Some(launcher) = launcher_ref.get_untracked() {
            let _ = launcher.focus();
        }
    };

    let send = move || {
        let message = draft.get_untracked().trim().to_owned();
        if message.is_empty() || chat.busy.get_untracked() {
            return;
        }
        draft.set(String::new());
        chat.push(Role::Visitor, message.clone());
        chat.answer(chat.push(Role::Bot, message));
    };

    let launcher_label = move || match (open.get(), chat.unread.get()) {
        (true, _) => "Close chat".to_owned(),
        (false, 0) => "Open chat".to_owned(),
        (false, 1) => "Open chat (1 new answer)".to_owned(),
        (false, n) => format!("Open chat ({n} new answers)"),
    };

    view! {
        <div
            class=root_class
            style=root_style
            class:open=move || open.get()
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Escape" && !inline && open.get_untracked() {
                    ev.prevent_default();
                    close_panel();
                }
            }
        >
            // A closed panel is hidden rather than removed, so it keeps the draft, the scroll
            // position and the answers that go on streaming into it.
            <section
                    class="panel"
                    hidden=move || !open.get()
                    role=if inline { "region" } else { "dialog" }
                    aria-label=move || format!("Chat with {}", title())
                >
                    <header class="panel-header">
                        <span class="title">{title}</span>
                        <Show when=move || chat.conversation.with(Option::is_some) && !chat.escalated.get()>
                            <button class="human" type="button" disabled=move || chat.escalating.get() on:click=move |_| chat.escalate()>
                                "Talk to a human"
                            </button>
                        </Show>
                        {(!inline).then(|| view! {
                            <button class="close" type="button" aria-label="Close chat" on:click=move |_| close_panel()>"×"</button>
                        })}
                    </header>
                    <ol class="messages" node_ref=list_ref aria-live="polite" aria-busy=move || chat.busy.get().to_string()>
                        {move || welcome().map(|text| view! { <li class="line bot welcome">{text}</li> })}
                        <For each=move || lines.get() key=|line| line.key let:line>
                            <LineView line chat/>
                        </For>
                    </ol>
                    <form class="composer" on:submit=move |ev| {
                        ev.prevent_default();
                        send();
                    }>
                        <input
                            node_ref=input_ref
                            type="text"
                            name="message"
                            maxlength="4000"
                            autocomplete="off"
                            placeholder="Type your message…"
                            aria-label="Your message"
                            prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
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
                            {move || if chat.busy.get() { "Stop" } else { "Send" }}
                        </button>
                    </form>
            </section>
            {(!inline).then(|| view! {
                <button
                    class="launcher"
                    type="button"
                    node_ref=launcher_ref
                    aria-label=launcher_label
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| if open.get_untracked() { open.set(false) } else { open_panel() }
                >
                    <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
                        <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/>
                    </svg>
                    <Show when=move || { chat.unread.get() > 0 }>
                        <span class="badge" aria-hidden="true">{move || chat.unread.get()}</span>
                    </Show>
                </button>
            })}
        </div>
    }
}

#[component]
fn LineView(line: Line, chat: Chat) -> impl IntoView {
    match line.role {
        Role::Visitor => return view! { <li class="line visitor">{line.message}</li> }.into_any(),
        Role::System => return view! { <li class="line system">{line.message}</li> }.into_any(),
        // An agent's message is plain text, never Markdown or HTML. The label is read as
        // "Agent:" before the message.
        Role::Agent => {
            return view! {
                <li class="line agent">
                    <span class="who">"Agent"<span class="sr">": "</span></span>
                    {line.message}
                </li>
            }
            .into_any();
        }
        Role::Bot => {}
    }
    let (text, status, error, citations, ids, voted) =
        (line.text, line.status, line.error, line.citations, line.ids, line.voted);
    let is = move |wanted: Status| status.get() == wanted;
    // The retry button is disabled while the answer streams and then goes away, so the focus
    // moves to the message field rather than being dropped on the host page.
    let retried = line.clone();
    let retry = move |_| {
        chat.answer(retried.clone());
        chat.focus_composer();
    };
    view! {
        <li class="line bot" class:failed=move || is(Status::Failed) class:stopped=move || is(Status::Stopped)>
            <Show
                when=move || is(Status::Waiting)
                fallback=move || view! { <div class="text">{move || text.with(|text| render::answer(text))}</div> }
            >
                <span class="typing" role="img" aria-label="The assistant is typing"><i></i><i></i><i></i></span>
            </Show>
            <Show when=move || is(Status::Stopped)>
                <p class="note">"Stopped"</p>
            </Show>
            {move || error.get().map(|message| view! { <p class="error">{message}</p> })}
            <Show when=move || is(Status::Failed)>
                <button class="retry" type="button" disabled=move || chat.busy.get() on:click=retry.clone()>"Retry"</button>
            </Show>
            // Rendered with the answer and shown once it is complete, so that the buttons stay
            // the same elements (and keep the focus) when the visitor chooses.
            <div class="feedback" hidden=move || !(is(Status::Complete) && ids.with(Option::is_some))>
                {thumb(&line, chat, "up", "👍", "Helpful")}
                {thumb(&line, chat, "down", "👎", "Not helpful")}
                <span class="thanks">{move || voted.get().then_some("Thanks for your feedback")}</span>
            </div>
            <Show when=move || !citations.with(Vec::is_empty)>
                <ul class="citations" aria-label="Sources">
                    {move || citations.get().into_iter().map(|c| view! {
                        <li title=c.snippet>{c.title}</li>
                    }).collect_view()}
                </ul>
            </Show>
        </li>
    }
    .into_any()
}

/// A feedback button under an answer: a toggle that is pressed once chosen. Once either is
/// chosen both are disabled; `aria-disabled` rather than `disabled`, so the keyboard focus stays
/// on the button the visitor pressed instead of falling to the host page.
fn thumb(line: &Line, chat: Chat, thumbs: &'static str, icon: &'static str, label: &'static str) -> impl IntoView {
    let vote = line.vote;
    let line = line.clone();
    view! {
        <button
            class="thumb"
            type="button"
            aria-label=label
            title=label
            aria-pressed=move || (vote.get() == Some(thumbs)).to_string()
            aria-disabled=move || vote.with(Option::is_some).to_string()
            on:click=move |_| chat.rate(&line, thumbs)
        >
            {icon}
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
