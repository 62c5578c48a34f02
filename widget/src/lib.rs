//! The visitor chat widget: a client-side-rendered Leptos app that `public/widget.js` mounts
//! inside a Shadow DOM root on the host page, talking to Parlor's widget API over CORS.

mod net;
mod storage;

use leptos::prelude::*;
use leptos::task::spawn_local;
use parlor_app::wire::{ChatRequest, Citation, WidgetConfig};
use wasm_bindgen::prelude::*;

use crate::net::{ChatFailure, StreamEvent};

/// Mounts the widget into `target` (an element inside the loader's shadow root).
///
/// `backend` is Parlor's origin (taken from the loader's `src`), `theme` is `light`, `dark` or
/// `auto`, and `open` says whether to show the chat panel at once.
#[wasm_bindgen]
pub fn mount(target: web_sys::HtmlElement, backend: String, chatbot_id: String, theme: String, open: bool) {
    let handle = leptos::mount::mount_to(target, move || {
        view! { <Widget backend chatbot_id theme open/> }
    });
    // The widget lives as long as the page; dropping the handle would unmount it.
    handle.forget();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Visitor,
    Bot,
}

#[derive(Debug, Clone)]
struct Line {
    key: u32,
    role: Role,
    text: RwSignal<String>,
    citations: RwSignal<Vec<Citation>>,
    waiting: RwSignal<bool>,
    failed: RwSignal<bool>,
}

impl Line {
    fn new(key: u32, role: Role, text: String) -> Self {
        Line {
            key,
            role,
            text: RwSignal::new(text),
            citations: RwSignal::new(Vec::new()),
            waiting: RwSignal::new(role == Role::Bot),
            failed: RwSignal::new(false),
        }
    }
}

#[component]
fn Widget(backend: String, chatbot_id: String, theme: String, open: bool) -> impl IntoView {
    let open = RwSignal::new(open);
    let lines = RwSignal::new(Vec::<Line>::new());
    let draft = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let next_key = StoredValue::new(0u32);
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let scroll_tick = RwSignal::new(0u32);

    // Stored so that every closure below is `Copy` and can be used inside the view's children.
    let backend = StoredValue::new(backend);
    let chatbot_id = StoredValue::new(chatbot_id);
    let config = LocalResource::new(move || net::fetch_config(backend.get_value(), chatbot_id.get_value()));
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
        scroll_tick.track();
        lines.track();
        if let Some(list) = list_ref.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });

    let send = move || {
        let message = draft.get_untracked().trim().to_owned();
        if message.is_empty() || busy.get_untracked() {
            return;
        }
        draft.set(String::new());
        busy.set(true);
        let key = next_key.get_value();
        next_key.set_value(key + 2);
        let bot = Line::new(key + 1, Role::Bot, String::new());
        lines.update(|all| {
            all.push(Line::new(key, Role::Visitor, message.clone()));
            all.push(bot.clone());
        });
        let (backend, chatbot_id) = (backend.get_value(), chatbot_id.get_value());
        spawn_local(async move {
            let mut on_event = |event| match event {
                StreamEvent::Started { conversation_id } => storage::set_conversation(&chatbot_id, &conversation_id),
                StreamEvent::Delta(text) => {
                    bot.waiting.set(false);
                    bot.text.update(|t| t.push_str(&text));
                    scroll_tick.update(|n| *n += 1);
                }
                StreamEvent::Citations(found) => bot.citations.set(found),
                StreamEvent::Failed(message) => {
                    bot.waiting.set(false);
                    bot.failed.set(true);
                    bot.text.set(message);
                }
            };
            let mut request = ChatRequest {
                message,
                conversation_id: storage::conversation(&chatbot_id),
                visitor_id: Some(storage::visitor_id()),
                language: None,
                stream: true,
            };
            let mut result = net::stream_chat(&backend, &chatbot_id, &request, &mut on_event).await;
            if matches!(result, Err(ChatFailure::ConversationGone)) {
                storage::clear_conversation(&chatbot_id);
                request.conversation_id = None;
                result = net::stream_chat(&backend, &chatbot_id, &request, &mut on_event).await;
            }
            if let Err(failure) = result {
                bot.waiting.set(false);
                bot.failed.set(true);
                bot.text.set(match failure {
                    ChatFailure::ConversationGone => {
                        "This conversation has ended. Please send your message again.".to_owned()
                    }
                    ChatFailure::Message(message) => message,
                });
            }
            busy.set(false);
        });
    };

    let toggle = move |_| {
        open.update(|o| *o = !*o);
        if open.get_untracked()
            && let Some(input) = input_ref.get_untracked()
        {
            // Focus is a convenience; a page that refuses it loses nothing.
            let _ = input.focus();
        }
    };

    view! {
        <div class=format!("parlor theme-{theme}")>
            <Show when=move || open.get()>
                <section class="panel" role="dialog" aria-label=move || format!("Chat with {}", title())>
                    <header class="panel-header">
                        <span class="title">{title}</span>
                        <button class="close" type="button" aria-label="Close chat" on:click=toggle>"×"</button>
                    </header>
                    <ol class="messages" node_ref=list_ref aria-live="polite">
                        {move || welcome().map(|text| view! { <li class="line bot welcome">{text}</li> })}
                        <For each=move || lines.get() key=|line| line.key let:line>
                            <LineView line/>
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
                        <button type="submit" class="send" disabled=move || busy.get() aria-label="Send">"Send"</button>
                    </form>
                </section>
            </Show>
            <button
                class="launcher"
                type="button"
                aria-label=move || if open.get() { "Close chat" } else { "Open chat" }
                aria-expanded=move || open.get().to_string()
                on:click=toggle
            >
                <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
                    <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/>
                </svg>
            </button>
        </div>
    }
}

#[component]
fn LineView(line: Line) -> impl IntoView {
    let class = match line.role {
        Role::Visitor => "line visitor",
        Role::Bot => "line bot",
    };
    let text = line.text;
    let waiting = line.waiting;
    let failed = line.failed;
    let citations = line.citations;
    view! {
        <li class=class class:failed=move || failed.get()>
            <Show when=move || waiting.get() fallback=move || view! { <div class="text">{move || render_text(&text.get())}</div> }>
                <span class="typing" aria-label="The assistant is typing"><i></i><i></i><i></i></span>
            </Show>
            <Show when=move || !citations.get().is_empty()>
                <ul class="citations" aria-label="Sources">
                    {move || citations.get().into_iter().map(|c| view! {
                        <li title=c.snippet>{c.title}</li>
                    }).collect_view()}
                </ul>
            </Show>
        </li>
    }
}

/// Renders answer text as paragraphs, with `> ` blocks as quotes. Everything is a text node, so
/// nothing in an answer can become markup.
fn render_text(text: &str) -> impl IntoView + use<> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let lines: Vec<&str> = block.lines().collect();
            if !lines.is_empty() && lines.iter().all(|line| line.starts_with('>')) {
                let quoted: Vec<&str> = lines.iter().map(|line| line.trim_start_matches('>').trim_start()).collect();
                view! { <blockquote>{quoted.join("\n")}</blockquote> }.into_any()
            } else {
                view! { <p>{block.to_owned()}</p> }.into_any()
            }
        })
        .collect_view()
}
