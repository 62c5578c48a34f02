//! The visitor chat widget: a client-side-rendered Leptos app that `public/widget.js` mounts
//! inside a Shadow DOM root on the host page, talking to Parlor's widget API over CORS.

mod markdown;
mod net;
mod options;
mod render;
mod storage;

use leptos::prelude::*;
use leptos::task::spawn_local;
use parlor_app::wire::{ChatRequest, Citation, WidgetConfig};
use wasm_bindgen::prelude::*;

use crate::net::{ChatFailure, StreamEvent};
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
    /// answers, which "Retry" sends again.
    message: String,
    text: RwSignal<String>,
    citations: RwSignal<Vec<Citation>>,
    status: RwSignal<Status>,
    error: RwSignal<Option<String>>,
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
}

/// The answer being streamed, with what it takes to stop it.
struct Streaming {
    line: Line,
    /// Aborts the request; `None` in a browser without `AbortController`.
    controller: Option<web_sys::AbortController>,
    /// The answer's id on the server, known once the `start` event has come.
    message_id: Option<String>,
}

impl Chat {
    /// Asks for the answer `line` stands for and streams it into the line. A retry calls this
    /// again with the same line, which starts afresh.
    fn answer(self, line: Line) {
        line.text.set(String::new());
        line.citations.set(Vec::new());
        line.error.set(None);
        line.status.set(Status::Waiting);
        self.busy.set(true);
        // A browser without AbortController still gets its answer; only the request cannot be
        // cut short when the visitor stops it.
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(web_sys::AbortController::signal);
        self.current.set_value(Some(Streaming { line: line.clone(), controller, message_id: None }));
        let (backend, chatbot_id) = (self.backend.get_value(), self.chatbot_id.get_value());
        spawn_local(async move {
            let mut on_event = |event| {
                // A piece read just before the visitor pressed stop must not revive the answer.
                if line.status.get_untracked() == Status::Stopped {
                    return;
                }
                match event {
                    StreamEvent::Started { conversation_id, message_id } => {
                        storage::set_conversation(&chatbot_id, &conversation_id);
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
                storage::clear_conversation(&chatbot_id);
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
        if let Some(controller) = current.controller {
            controller.abort();
        }
        if let Some(message_id) = current.message_id {
            spawn_local(net::stop_answer(self.backend.get_value(), self.chatbot_id.get_value(), message_id));
        }
    }
}

#[component]
fn Widget(options: Options) -> impl IntoView {
    let inline = options.mode == Mode::Inline;
    let root_class = options.root_class();
    let root_style = options.root_style();
    let open = RwSignal::new(options.open || inline);
    let chat = Chat {
        backend: StoredValue::new(options.backend),
        chatbot_id: StoredValue::new(options.chatbot_id),
        busy: RwSignal::new(false),
        open,
        unread: RwSignal::new(0),
        current: StoredValue::new_local(None),
        scroll_tick: RwSignal::new(0),
        composer: NodeRef::new(),
    };
    let lines = RwSignal::new(Vec::<Line>::new());
    let draft = RwSignal::new(String::new());
    let next_key = StoredValue::new(0u32);
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    let input_ref = chat.composer;
    let launcher_ref = NodeRef::<leptos::html::Button>::new();
    let focus_input = StoredValue::new(options.focus);
    // An answer outlives the part of the view where the visitor pressed Send (it streams on
    // while the panel is closed), so the signals of every line belong to the widget itself.
    let owner = StoredValue::new(Owner::current());
    let new_line = move |key: u32, role: Role, message: String| {
        owner.with_value(|owner| match owner {
            Some(owner) => owner.with(|| Line::new(key, role, message)),
            None => Line::new(key, role, message),
        })
    };

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
        let key = next_key.get_value();
        next_key.set_value(key + 2);
        let answer = new_line(key + 1, Role::Bot, message.clone());
        lines.update(|all| {
            all.push(new_line(key, Role::Visitor, message));
            all.push(answer.clone());
        });
        chat.answer(answer);
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
    if line.role == Role::Visitor {
        return view! { <li class="line visitor">{line.message}</li> }.into_any();
    }
    let Line { text, status, error, citations, .. } = line;
    let is = move |wanted: Status| status.get() == wanted;
    // The retry button is disabled while the answer streams and then goes away, so the focus
    // moves to the message field rather than being dropped on the host page.
    let retry = move |_| {
        chat.answer(line.clone());
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
