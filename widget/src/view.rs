//! The widget's view: the launcher, and the panel with its header, lines, lead form, suggestions
//! and composer.

use std::cell::Cell;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::chat::{Answer, Chat, Kept, LeadForm, Line, Role, Status};
use crate::i18n::{Lang, Texts};
use crate::net::{self, Config};
use crate::options::{Mode, Options};
use crate::page::Identity;
use crate::{render, storage};

// The icons, as constant markup set with `inner_html`: the view builds no SVG elements, each of
// whose element and attribute types would cost the WASM its own code (BENCHMARKS.md, "Widget
// weight"). Only these constants are ever set this way, never text from the server or the page.
const NEW_ICON: &str = r#"<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z"/></svg>"#;
const LAUNCHER_ICON: &str = r#"<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>"#;
const THUMB_UP: &str = concat!(
    r#"<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="currentColor" d=""#,
    "M2 10h4v11H2zM8 10l4-7c1.5 0 2.5 1 2 3l-1 4h6.5c1.4 0 2.3 1.3 1.9 2.6l-2 7c-.3.9-1.1 1.4-2 1.4H8z",
    r#""/></svg>"#
);
const THUMB_DOWN: &str = concat!(
    r#"<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path transform="rotate(180 12 12)" fill="currentColor" d=""#,
    "M2 10h4v11H2zM8 10l4-7c1.5 0 2.5 1 2 3l-1 4h6.5c1.4 0 2.3 1.3 1.9 2.6l-2 7c-.3.9-1.1 1.4-2 1.4H8z",
    r#""/></svg>"#
);

/// The whole widget. `chat_out` receives the shared state, which the page's handle uses.
pub fn widget(
    options: Options,
    emit: Option<js_sys::Function>,
    identity: Option<Identity>,
    chat_out: &Cell<Option<Chat>>,
) -> impl IntoView + use<> {
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
    let has_identity = identity.is_some();
    let kept = Kept {
        backend: options.backend,
        chatbot_id: options.chatbot_id,
        // An answer outlives the part of the view where the visitor pressed Send (it streams on
        // while the panel is closed), so the signals of every line belong to the widget itself.
        owner: Owner::current(),
        emit,
        identity,
        focus_on_open: options.focus,
        ..Kept::default()
    };
    let chat = Chat {
        kept: kept.leak(),
        busy: RwSignal::new(false),
        open,
        unread: RwSignal::new(0),
        scroll_tick: RwSignal::new(0),
        composer: NodeRef::new(),
        lead_field: NodeRef::new(),
        lines: RwSignal::new(Vec::new()),
        conversation: RwSignal::new(conversation.clone()),
        escalated: RwSignal::new(false),
        escalating: RwSignal::new(false),
        lang_index: RwSignal::new(lang.index()),
        inline,
        frame,
        lead_state: RwSignal::new(LeadForm::Hidden as u32),
        suggestions: RwSignal::new(Vec::new()),
    };
    chat_out.set(Some(chat));
    let lines = chat.lines;
    let input_ref = chat.composer;
    // The panel and the list are found from the message field rather than held by node refs of
    // their own: each element type of a node ref costs the WASM its own reactive code.
    let within_panel = move |selector: &str| {
        input_ref
            .get()
            .and_then(|input| input.closest(".panel").ok().flatten())
            .and_then(|panel| panel.query_selector(selector).ok().flatten())
    };

    if let Some(conversation_id) = conversation {
        chat.restore(conversation_id);
    }
    if has_identity {
        chat.identify_now();
    }

    // Fetched once into a signal: a `LocalResource` would bring its async machinery into the WASM
    // for a value that never reloads.
    let config = RwSignal::new(None);
    spawn_local(async move {
        let (backend, chatbot_id) = chat.endpoint();
        let loaded = net::fetch_config(backend, chatbot_id).await;
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
    effect(Box::new(move || {
        if let Some(config) = loaded() {
            let given = storage::lead_given(&chat.chatbot_id());
            if config.lead_capture.as_deref() == Some("before_chat") && !given {
                // The message field is about to hide: if the visitor was in it, they go to the
                // form instead of losing the focus to the page.
                let typing = input_ref.get_untracked().is_some_and(|input| input.matches(":focus").unwrap_or(false));
                chat.keep(|k| k.focus_lead = typing);
                chat.set_lead(LeadForm::Required);
            }
            chat.keep(|k| k.lead_capture = config.lead_capture);
        }
    }));

    // Runs once the form shows (it is in the page from the start, hidden until needed); the
    // focus moves on the next frame, once the form is no longer hidden.
    effect(Box::new(move || {
        if chat.lead() != LeadForm::Hidden && chat.keep(|k| std::mem::take(&mut k.focus_lead)) {
            request_animation_frame(move || chat.focus_composer());
        }
    }));

    effect(Box::new(move || {
        chat.scroll_tick.track();
        lines.track();
        // Reading the node ref subscribes to it: this runs again once the field exists.
        if let Some(list) = within_panel(".messages") {
            list.set_scroll_top(list.scroll_height());
        }
    }));

    // Agents' replies are followed live while the panel is open and there is a conversation;
    // closing the panel (or another conversation) aborts the stream.
    effect(Box::new(move || {
        let following = if open.get() { chat.conversation.get() } else { None };
        chat.unfollow();
        if let Some(conversation_id) = following {
            chat.follow(conversation_id);
        }
    }));

    // The page hears when the panel opens and closes, whoever did it.
    let mut was = None;
    effect(Box::new(move || {
        let now = open.get();
        if was.is_some_and(|was| was != now) {
            chat.emit(if now { "open" } else { "close" }, &JsValue::NULL);
        }
        was = Some(now);
    }));

    // The composer (or the lead form) takes the focus once the panel is there, but only when
    // the visitor or the page's script opened it: `data-open` leaves the page its focus.
    effect(Box::new(move || {
        // Reading the node ref subscribes to it, so this runs again once the field exists.
        if open.get() && input_ref.get().is_some() && chat.keep(|k| std::mem::take(&mut k.focus_on_open)) {
            chat.focus_composer();
        }
    }));

    let no_lines = move || lines.with(Vec::is_empty);

    view! {
        <div
            class=root_class
            style=root_style
            lang=text(move || chat.lang().tag())
            class:open=flag(move || open.get())
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
                hidden=flag(move || !open.get())
                role=if inline { "region" } else { "dialog" }
                aria-modal=(!inline).then_some("true")
                aria-label=owned(move || chat.t().chat_with(&title()))
            >
                {header(chat, title, avatar, no_lines)}
                <ol class="messages" aria-live="polite" aria-busy=text(move || if chat.busy.get() { "true" } else { "false" })>
                    {dynamic(move || welcome().map(|text| view! { <li class="line bot welcome">{text}</li> }).into_any())}
                    // Lines are appended, or all replaced: a list rebuilt in place by position
                    // does, without a keyed list's diffing (BENCHMARKS.md).
                    {dynamic(move || lines.with(|lines| {
                        lines.iter().map(|line| line_view(line.clone(), chat)).collect_view()
                    }).into_any())}
                </ol>
                <ul class="chips starters" hidden=flag(move || !(no_lines() && !starters().is_empty() && chat.lead() == LeadForm::Hidden)) aria-label=tr(chat, |t| t.starters)>
                    {dynamic(move || starters().into_iter().map(|question| {
                        let asked = question.clone();
                        view! { <li><button type="button" on:click=click(move |_| chat.send_text(asked.clone()))>{question}</button></li> }
                    }).collect_view().into_any())}
                </ul>
                {lead_form(chat)}
                {composer(chat)}
            </section>
            {(!inline).then(|| launcher(chat))}
        </div>
    }
}

/// The panel's header: the chatbot's avatar and title, "Talk to a person", "New conversation"
/// and, where the panel can close, "Close".
fn header(
    chat: Chat,
    title: impl Fn() -> String + Send + Sync + 'static,
    avatar: impl Fn() -> Option<String> + Send + Sync + 'static,
    no_lines: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <header class="panel-header">
            // Decorative: the title beside it names the chatbot.
            {dynamic(move || avatar().map(|src| view! { <img class="avatar" src=src alt="" width="28" height="28"/> }).into_any())}
            <span class="title">{title}</span>
            // Parts that come and go are in the page from the start and hidden while they do not
            // apply: one `hidden` attribute costs the WASM far less than a `<Show>` (BENCHMARKS.md,
            // "Widget weight").
            <button
                class="human"
                type="button"
                hidden=flag(move || chat.conversation.with(Option::is_none) || chat.escalated.get())
                disabled=flag(move || chat.escalating.get())
                on:click=click(move |_| chat.escalate())
            >
                {tr(chat, |t| t.talk_to_human)}
            </button>
            <button
                class="icon new"
                type="button"
                hidden=flag(move || chat.conversation.with(Option::is_none) && no_lines())
                aria-label=tr(chat, |t| t.new_conversation)
                title=tr(chat, |t| t.new_conversation)
                on:click=click(move |_| chat.new_conversation())
                inner_html=NEW_ICON
            ></button>
            {(!chat.inline || chat.frame).then(|| view! {
                <button class="icon close" type="button" aria-label=tr(chat, |t| t.close_chat) on:click=click(move |_| chat.hide())>"×"</button>
            })}
        </header>
    }
}

/// The lead form: asked for before the chat, or offered once a person has been asked for.
fn lead_form(chat: Chat) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    view! {
        <form class="lead" hidden=flag(move || chat.lead() == LeadForm::Hidden) on:submit=submit(move |ev| {
            ev.prevent_default();
            chat.submit_lead(&name.get_untracked(), &email.get_untracked());
        })>
            <p class="lead-intro">{tr(chat, |t| t.lead_intro)}</p>
            <input
                node_ref=chat.lead_field
                type="text"
                name="name"
                autocomplete="name"
                maxlength="200"
                placeholder=tr(chat, |t| t.lead_name)
                aria-label=tr(chat, |t| t.lead_name)
                prop:value=owned(move || name.get())
                on:input=input(move |ev| name.set(event_target_value(&ev)))
            />
            <input
                type="email"
                name="email"
                autocomplete="email"
                required
                maxlength="254"
                placeholder=tr(chat, |t| t.lead_email)
                aria-label=tr(chat, |t| t.lead_email)
                prop:value=owned(move || email.get())
                on:input=input(move |ev| email.set(event_target_value(&ev)))
            />
            // Added when it applies, so that it is announced as an alert.
            {dynamic(move || (chat.lead() == LeadForm::Failed).then(|| view! {
                <p class="error" role="alert">{tr(chat, |t| t.lead_failed)}</p>
            }).into_any())}
            <div class="lead-actions">
                <button type="submit" class="send" disabled=flag(move || chat.lead() == LeadForm::Sending)>
                    {tr(chat, |t| t.lead_send)}
                </button>
                <button type="button" class="retry" hidden=flag(move || chat.lead() == LeadForm::Required) on:click=click(move |_| {
                    chat.set_lead(LeadForm::Hidden);
                    chat.focus_composer();
                })>{tr(chat, |t| t.lead_skip)}</button>
            </div>
        </form>
    }
}

/// The suggestions for what the visitor is typing, and the message field with its Send (or
/// Stop) button.
fn composer(chat: Chat) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let send = move || {
        let message = draft.get_untracked().trim().to_owned();
        if message.is_empty() || chat.busy.get_untracked() {
            return;
        }
        draft.set(String::new());
        chat.send_text(message);
    };
    view! {
        <ul class="chips suggestions" hidden=flag(move || chat.suggestions.with(Vec::is_empty) || chat.busy.get()) aria-label=tr(chat, |t| t.suggestions)>
            {dynamic(move || chat.suggestions.get().into_iter().map(|text| {
                let chosen = text.clone();
                view! {
                    <li><button type="button" on:click=click(move |_| {
                        draft.set(String::new());
                        chat.send_text(chosen.clone());
                        chat.focus_composer();
                    })>{text}</button></li>
                }
            }).collect_view().into_any())}
        </ul>
        <form class="composer" hidden=flag(move || chat.lead() == LeadForm::Required) on:submit=submit(move |ev| {
            ev.prevent_default();
            send();
        })>
            <input
                node_ref=chat.composer
                type="text"
                name="message"
                maxlength="4000"
                autocomplete="off"
                placeholder=tr(chat, |t| t.placeholder)
                aria-label=tr(chat, |t| t.your_message)
                prop:value=owned(move || draft.get())
                on:input=input(move |ev| {
                    let typed = event_target_value(&ev);
                    draft.set(typed.clone());
                    chat.suggest(typed);
                })
            />
            // One button that is "Send" or, while an answer streams, "Stop": it keeps the
            // keyboard focus when it changes.
            <button
                type="submit"
                class="send"
                class:stop=flag(move || chat.busy.get())
                on:click=click(move |ev| {
                    if chat.busy.get_untracked() {
                        ev.prevent_default();
                        chat.stop();
                    }
                })
            >
                {text(move || if chat.busy.get() { chat.t().stop } else { chat.t().send })}
            </button>
        </form>
    }
}

/// The button that opens and closes the panel, with the count of answers that came while it was
/// closed.
fn launcher(chat: Chat) -> impl IntoView {
    let open = chat.open;
    view! {
        <button
            class="launcher"
            type="button"
            aria-label=owned(move || chat.t().launcher(open.get(), chat.unread.get()))
            aria-expanded=text(move || if open.get() { "true" } else { "false" })
            on:click=click(move |_| if open.get_untracked() { open.set(false) } else { chat.show(true) })
        >
            <span class="glyph" inner_html=LAUNCHER_ICON></span>
            {dynamic(move || (chat.unread.get() > 0).then(|| view! {
                <span class="badge" aria-hidden="true">{move || chat.unread.get()}</span>
            }).into_any())}
        </button>
    }
}

/// Runs `run` now and again whenever what it read changes. Every effect of the widget is this one
/// boxed closure type, so the WASM holds one copy of an effect's machinery (an async task that
/// waits for changes) instead of one per effect (BENCHMARKS.md, "Widget weight").
fn effect(run: Box<dyn FnMut()>) {
    Effect::new(run);
}

/// A reactive attribute that is on or off (`hidden`, `disabled`, a class). Every one is this one
/// boxed closure type, so the WASM holds one copy of the reactive attribute code per attribute
/// name instead of one per closure (BENCHMARKS.md, "Widget weight").
fn flag(on: impl Fn() -> bool + Send + Sync + 'static) -> Box<dyn Fn() -> bool + Send + Sync> {
    Box::new(on)
}

/// A reactive text (an attribute's value or a text node) of the view's own strings: every one
/// is this one boxed closure type, so the WASM holds one copy of the reactive text and attribute
/// code per attribute name instead of one per closure (BENCHMARKS.md, "Widget weight").
type Text = Box<dyn Fn() -> &'static str + Send + Sync>;

fn text(f: impl Fn() -> &'static str + Send + Sync + 'static) -> Text {
    Box::new(f)
}

/// A part of the view that comes and goes or changes shape (a list, an optional line). Every one
/// is this one boxed closure type of a type-erased view, so the WASM holds one copy of the code
/// that swaps a part in and out instead of one per part (BENCHMARKS.md, "Widget weight").
fn dynamic(f: impl Fn() -> AnyView + Send + Sync + 'static) -> Box<dyn Fn() -> AnyView + Send + Sync> {
    Box::new(f)
}

/// Event handlers, one boxed type per kind of event, so that the WASM holds one copy of the code
/// that attaches a listener per kind instead of one per handler (BENCHMARKS.md, "Widget weight").
fn click(f: impl FnMut(web_sys::MouseEvent) + 'static) -> Box<dyn FnMut(web_sys::MouseEvent)> {
    Box::new(f)
}

fn submit(f: impl FnMut(web_sys::SubmitEvent) + 'static) -> Box<dyn FnMut(web_sys::SubmitEvent)> {
    Box::new(f)
}

fn input(f: impl FnMut(web_sys::Event) + 'static) -> Box<dyn FnMut(web_sys::Event)> {
    Box::new(f)
}

/// A reactive text made at run time (a name, a count, what the visitor typed), one type for all,
/// as [`Text`] is.
fn owned(f: impl Fn() -> String + Send + Sync + 'static) -> Box<dyn Fn() -> String + Send + Sync> {
    Box::new(f)
}

/// A label in the visitor's language that follows `setLocale`.
fn tr(chat: Chat, pick: fn(&Texts) -> &'static str) -> Text {
    text(move || pick(chat.t()))
}

/// One line of the conversation; an answer with its state, feedback and sources.
fn line_view(line: Line, chat: Chat) -> impl IntoView {
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
        <li class="line bot" class:failed=flag(move || is(Status::Failed)) class:stopped=flag(move || is(Status::Stopped))>
            <span class="typing" role="img" hidden=flag(move || !is(Status::Waiting)) aria-label=tr(chat, |t| t.typing) inner_html="<i></i><i></i><i></i>"></span>
            <div class="text" hidden=flag(move || is(Status::Waiting)) use:answer_text=answer></div>
            <p class="note" hidden=flag(move || !is(Status::Stopped))>{tr(chat, |t| t.stopped)}</p>
            {dynamic(move || answer.with(|answer| answer.error.clone()).map(|failure| view! { <p class="error">{failure.text(chat.t())}</p> }).into_any())}
            <button class="retry" type="button" hidden=flag(move || !is(Status::Failed)) disabled=flag(move || chat.busy.get()) on:click=click(retry)>{tr(chat, |t| t.retry)}</button>
            // Rendered with the answer and shown once it is complete, so that the buttons stay
            // the same elements (and keep the focus) when the visitor chooses.
            <div class="feedback" hidden=flag(move || !(is(Status::Complete) && answer.with(|answer| answer.ids.is_some())))>
                {thumb(&line, chat, "up", |t| t.helpful)}
                {thumb(&line, chat, "down", |t| t.not_helpful)}
                <span class="thanks">{text(move || if answer.with(|answer| answer.voted) { chat.t().thanks_feedback } else { "" })}</span>
            </div>
            // "Source: " is drawn by CSS from `--source` (a fixed string of i18n.rs, never the
            // answer's text), so each item's text is the source's title alone.
            <ul
                    class="citations"
                    hidden=flag(move || answer.with(|answer| answer.citations.is_empty()))
                    aria-label=tr(chat, |t| t.sources)
                    style=owned(move || ["--source:\"", chat.t().source, "\""].concat())
                >
                    {dynamic(move || answer.with(|answer| answer.citations.clone()).into_iter().map(|c| view! { <li title=c.snippet>{c.title}</li> }).collect_view().into_any())}
            </ul>
        </li>
    }
    .into_any()
}

/// Keeps an answer's element showing its text, built from Markdown (`render.rs`), as it streams.
fn answer_text(element: web_sys::Element, answer: RwSignal<Answer>) {
    effect(Box::new(move || answer.with(|answer| render::answer_into(&element, &answer.text))));
}

/// A feedback button under an answer: a toggle that is pressed once chosen. Once either is
/// chosen both are disabled; `aria-disabled` rather than `disabled`, so the keyboard focus stays
/// on the button the visitor pressed instead of falling to the host page.
fn thumb(line: &Line, chat: Chat, thumbs: &'static str, label: fn(&Texts) -> &'static str) -> impl IntoView {
    // An inline SVG rather than an emoji: host pages and systems without an emoji font drew the
    // emoji as empty boxes. "Down" is the same hand turned over.
    let icon = if thumbs == "down" { THUMB_DOWN } else { THUMB_UP };
    let answer = line.answer;
    let line = line.clone();
    view! {
        <button
            class="thumb"
            type="button"
            aria-label=tr(chat, label)
            title=tr(chat, label)
            aria-pressed=text(move || if answer.with(|answer| answer.vote == Some(thumbs)) { "true" } else { "false" })
            aria-disabled=text(move || if answer.with(|answer| answer.vote.is_some()) { "true" } else { "false" })
            on:click=click(move |_| chat.rate(&line, thumbs))
            inner_html=icon
        ></button>
    }
}
