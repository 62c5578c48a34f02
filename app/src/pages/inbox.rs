//! "Inbox": the conversations of the workspace's chatbots, those waiting for a person first, a
//! page at a time ("Load more") and filtered by status, chatbot and the visitors' words, and one
//! conversation's transcript with a reply box (the visitor's open widget shows the reply at
//! once), its tags and "End conversation". The filters and the number of pages are in the
//! address (`/inbox?status=escalated&chatbot=…&q=refund&pages=2`), so the list works without
//! script and can be linked to. The open page follows the server's inbox events and reads the
//! list and the conversation again when something changes.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::PortalError;
use crate::api::chatbots::list_chatbots;
use crate::api::inbox::{
    EndConversation, InboxFilter, InboxItem, InboxThread, PAGE_SIZE, ReplyToConversation, SetConversationTags,
    get_inbox_conversation, list_inbox,
};
use crate::components::{action_error, error_view};

/// The most pages "Load more" reads at once (a thousand conversations).
const MAX_PAGES: usize = 40;

/// What the address asks the list to show.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListQuery {
    filter: InboxFilter,
    pages: usize,
}

impl ListQuery {
    /// The query string of this list with `pages` pages, for links that keep the filters.
    fn to_query_string(&self, pages: usize) -> String {
        let mut pairs = Vec::new();
        for (name, value) in [("status", &self.filter.status), ("chatbot", &self.filter.chatbot), ("q", &self.filter.q)]
        {
            if !value.is_empty() {
                pairs.push(format!("{name}={}", encode(value)));
            }
        }
        if pages > 1 {
            pairs.push(format!("pages={pages}"));
        }
        if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) }
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The conversations of `pages` pages, one page after another, and whether there are more.
async fn load_pages(filter: InboxFilter, pages: usize) -> Result<(Vec<InboxItem>, bool), PortalError> {
    let mut items = Vec::new();
    let mut after = None;
    for _ in 0..pages {
        let page = list_inbox(filter.status.clone(), filter.chatbot.clone(), filter.q.clone(), after, None).await?;
        let full = page.len() == PAGE_SIZE;
        after = page.last().map(|item| item.cursor.clone());
        items.extend(page);
        if !full {
            return Ok((items, false));
        }
    }
    // The last page was full: one more conversation decides whether "Load more" has anything
    // to load (with exactly 25, it has not).
    let next = list_inbox(filter.status, filter.chatbot, filter.q, after, Some(1)).await?;
    Ok((items, !next.is_empty()))
}

/// Reads the address on the server and hands it to the page's island.
#[component]
pub fn InboxPage() -> impl IntoView {
    let selected = use_params_map().with_untracked(|p| p.get("id")).filter(|id| !id.is_empty());
    let (status, chatbot, q, pages) = use_query_map().with_untracked(|q| {
        (
            q.get("status").filter(|s| s != "all").unwrap_or_default(),
            q.get("chatbot").unwrap_or_default(),
            q.get("q").map(|text| text.trim().to_owned()).unwrap_or_default(),
            q.get("pages").and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, MAX_PAGES),
        )
    });
    view! { <Inbox selected=selected status=status chatbot=chatbot q=q pages=pages/> }
}

/// The conversation an inbox address opens: `/inbox/{id}`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code, reason = "used in the browser, and by tests"))]
fn conversation_in(path: &str) -> Option<String> {
    path.strip_prefix("/inbox/").map(|id| id.trim_end_matches('/')).filter(|id| !id.is_empty()).map(str::to_owned)
}

/// The inbox as one island: `selected` is the open conversation, the rest the list's filters.
/// Choosing a conversation opens it in place (see [`open_in_place`]).
#[island]
fn Inbox(selected: Option<String>, status: String, chatbot: String, q: String, pages: usize) -> impl IntoView {
    let selected = RwSignal::new(selected);
    #[cfg(feature = "hydrate")]
    place::follow_history(selected);
    let thread_section = NodeRef::<leptos::html::Section>::new();
    let list_query = Memo::new(move |_| ListQuery {
        filter: InboxFilter { status: status.clone(), chatbot: chatbot.clone(), q: q.clone() },
        pages,
    });
    let reply = ServerAction::<ReplyToConversation>::new();
    let tags = ServerAction::<SetConversationTags>::new();
    let end = ServerAction::<EndConversation>::new();
    let tick = RwSignal::new(0_u64);
    #[cfg(feature = "hydrate")]
    live::follow(tick);
    let changes = move || (tick.get(), reply.version().get(), tags.version().get(), end.version().get());
    let list = Resource::new(move || (list_query.get(), changes()), |(query, _)| load_pages(query.filter, query.pages));
    let chatbots = Resource::new(|| (), |()| list_chatbots());
    let thread = Resource::new(
        move || (selected.get(), changes()),
        |(id, _)| async move {
            match id {
                Some(id) => get_inbox_conversation(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <h1>"Inbox"</h1>
        <Transition fallback=|| ()>
            {move || chatbots.get().map(|bots| {
                let bots = bots.unwrap_or_default().into_iter().map(|bot| (bot.id, bot.name)).collect();
                view! { <Filters current=list_query.get_untracked().filter bots=bots/> }
            })}
        </Transition>
        <div class="inbox">
            <section class="card inbox-list" aria-labelledby="conversation-list">
                <h2 id="conversation-list">"Conversations"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || list.get().map(|result| match result {
                        Ok((items, _)) if items.is_empty() => {
                            let filtered = list_query.with(|q| q.filter != InboxFilter::default());
                            if filtered {
                                view! { <p data-testid="inbox-empty">"No conversations match these filters."</p> }.into_any()
                            } else {
                                view! {
                                    <p data-testid="inbox-empty">"No conversations yet. They appear here as visitors write to your chatbots."</p>
                                }.into_any()
                            }
                        }
                        Ok((items, more)) => {
                            let query = list_query.get_untracked();
                            view! {
                                <ConversationList items=items more=more query=query selected=selected thread=thread_section/>
                            }.into_any()
                        }
                        Err(err) => error_view(err),
                    })}
                </Transition>
            </section>
            <section class="card inbox-thread" aria-label="Conversation" node_ref=thread_section>
                <Show when=move || selected.get().is_some() fallback=|| view! { <p>"Choose a conversation."</p> }>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || thread.get().map(|result| match result {
                            Ok(Some(thread)) => view! { <Thread thread=thread end=end/> }.into_any(),
                            Ok(None) => ().into_any(),
                            Err(err) => error_view(err),
                        })}
                    </Transition>
                    {action_error(end.value())}
                    <ReplyForm selected=selected reply=reply tags=tags/>
                </Show>
            </section>
        </div>
    }
}

/// The filters as a GET form: choosing and pressing "Filter" loads `/inbox` with them.
#[component]
fn Filters(current: InboxFilter, bots: Vec<(String, String)>) -> impl IntoView {
    let status = current.status.clone();
    let statuses = [("", "All"), ("escalated", "Escalated"), ("open", "Open"), ("ended", "Ended")];
    view! {
        <form class="card toolbar wrap inbox-filters" method="get" action="/inbox" role="search" data-testid="inbox-filters">
            <label for="inbox-status">"Status"</label>
            <select id="inbox-status" name="status">
                {statuses.into_iter().map(|(value, label)| {
                    let chosen = status == value;
                    let value = if value.is_empty() { "all" } else { value };
                    view! { <option value=value selected=chosen>{label}</option> }
                }).collect_view()}
            </select>
            <label for="inbox-chatbot">"Chatbot"</label>
            <select id="inbox-chatbot" name="chatbot">
                <option value="" selected=current.chatbot.is_empty()>"All chatbots"</option>
                {bots.into_iter().map(|(id, name)| {
                    let chosen = id == current.chatbot;
                    view! { <option value=id selected=chosen>{name}</option> }
                }).collect_view()}
            </select>
            <label for="inbox-search">"Visitor wrote"</label>
            <input id="inbox-search" type="search" name="q" value=current.q maxlength="200" placeholder="refund"/>
            <button type="submit">"Filter"</button>
        </form>
    }
}

#[component]
fn ConversationList(
    items: Vec<InboxItem>,
    more: bool,
    query: ListQuery,
    selected: RwSignal<Option<String>>,
    thread: NodeRef<leptos::html::Section>,
) -> impl IntoView {
    let kept = query.to_query_string(query.pages);
    let more_href = move || {
        let next = query.to_query_string(query.pages + 1);
        match selected.get() {
            Some(id) => format!("/inbox/{id}{next}"),
            None => format!("/inbox{next}"),
        }
    };
    view! {
        <ul class="conversations" data-testid="inbox-list">
            {items.into_iter().map(|item| {
                let id = item.conversation.id.clone();
                let current = {
                    let id = id.clone();
                    Signal::derive(move || selected.with(|chosen| chosen.as_deref() == Some(id.as_str())))
                };
                let href = format!("/inbox/{id}{kept}");
                let open = {
                    let href = href.clone();
                    move |ev: leptos::ev::MouseEvent| open_in_place(&ev, &id, &href, selected, thread)
                };
                let status = item.conversation.status.clone();
                let (data_status, badge, label) = (status.clone(), format!("badge status-{status}"), status);
                view! {
                    <li class="conversation" class:current=move || current.get() data-testid="inbox-item" data-status=data_status>
                        <a href=href aria-current=move || current.get().then_some("true") on:click=open>
                            <span class=badge>{label}</span>
                            <span class="bot">{item.chatbot_name}</span>
                            <span class="when">{item.last_message_at.as_deref().map(when).unwrap_or_default()}</span>
                            <span class="count">{format!("{} messages", item.conversation.message_count)}</span>
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
        {more.then(|| view! {
            <a href=more_href class="load-more" data-testid="inbox-more">"Load more"</a>
        })}
    }
    .into_any()
}

/// Opens a conversation without loading the page again: the list keeps its scroll, the live
/// stream its connection, and the address changes as the link's would (so Back returns to the
/// one before). A click meant for a new tab or window (another button, a modifier key) is left
/// to the browser.
fn open_in_place(
    ev: &leptos::ev::MouseEvent,
    id: &str,
    href: &str,
    selected: RwSignal<Option<String>>,
    thread: NodeRef<leptos::html::Section>,
) {
    if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
        return;
    }
    ev.prevent_default();
    #[cfg(feature = "hydrate")]
    place::show(href, thread);
    #[cfg(not(feature = "hydrate"))]
    let _ = (href, thread);
    if selected.with_untracked(|chosen| chosen.as_deref() != Some(id)) {
        selected.set(Some(id.to_owned()));
    }
}

#[component]
fn Thread(thread: InboxThread, end: ServerAction<EndConversation>) -> impl IntoView {
    let conversation = thread.conversation;
    let status = conversation.status.clone();
    let id = conversation.id.clone();
    let bot = thread.chatbot_name.clone();
    let ended = status == "ended";
    view! {
        <header class="thread-head">
            <h2>{thread.chatbot_name}</h2>
            <span class=format!("badge status-{status}") data-testid="thread-status">{status.clone()}</span>
            {conversation.tags.iter().map(|tag| view! { <span class="badge tag">{tag.clone()}</span> }).collect_view()}
            <button type="button" class="secondary" disabled=ended
                on:click=move |_| { end.dispatch(EndConversation { id: id.clone() }); }>
                "End conversation"
            </button>
        </header>
        <ol class="transcript" data-testid="transcript">
            {thread.messages.into_iter().map(|message| {
                let who = match message.role.as_str() {
                    "user" => "Visitor".to_owned(),
                    "admin" => "Agent".to_owned(),
                    _ => bot.clone(),
                };
                view! {
                    <li class=format!("message {}", message.role) data-role=message.role>
                        <span class="who">{who}</span>
                        <span class="when">{when(&message.created_at)}</span>
                        <p class="text">{message.content}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// The reply box and the tags field, outside the part that refreshes so that typing survives.
#[component]
fn ReplyForm(
    selected: RwSignal<Option<String>>,
    reply: ServerAction<ReplyToConversation>,
    tags: ServerAction<SetConversationTags>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let tag_text = RwSignal::new(String::new());
    // A draft belongs to its conversation: choosing another one starts afresh.
    Effect::watch(
        move || selected.get(),
        move |_, _, _| {
            text.set(String::new());
            tag_text.set(String::new());
        },
        false,
    );
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = selected.get_untracked() else { return };
        let message = text.get_untracked();
        if message.trim().is_empty() {
            return;
        }
        reply.dispatch(ReplyToConversation { id, message });
        text.set(String::new());
    };
    let set_tags = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = selected.get_untracked() else { return };
        tags.dispatch(SetConversationTags { id, tags: tag_text.get_untracked() });
    };
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <form inert=waiting class="form reply" on:submit=send data-testid="reply-form">
            <label for="reply-text">"Reply"</label>
            <textarea id="reply-text" rows="3" maxlength="4000" placeholder="Write to the visitor…"
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {action_error(reply.value())}
            <button type="submit" disabled=move || reply.pending().get()>"Send reply"</button>
        </form>
        <form inert=waiting class="form tags" on:submit=set_tags>
            <label for="tag-text">"Tags"</label>
            <input id="tag-text" type="text" placeholder="billing, urgent"
                prop:value=tag_text on:input=move |ev| tag_text.set(event_target_value(&ev))/>
            <p class="hint">"Separated by commas; saving replaces the conversation's tags."</p>
            {action_error(tags.value())}
            <button type="submit" class="secondary">"Save tags"</button>
        </form>
    }
    .into_any()
}

/// The address bar and the scroll position when a conversation is opened in place.
#[cfg(feature = "hydrate")]
mod place {
    use leptos::prelude::*;
    use wasm_bindgen::JsValue;

    /// Puts `href` in the address bar as a new history entry and, where the conversation is
    /// below the list (a narrow screen) and out of sight, scrolls to it.
    pub fn show(href: &str, thread: NodeRef<leptos::html::Section>) {
        if let Ok(history) = window().history() {
            let _ignored = history.push_state_with_url(&JsValue::NULL, "", Some(href));
        }
        if let Some(section) = thread.get_untracked() {
            let bottom = window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(f64::MAX);
            if section.get_bounding_client_rect().top() > bottom * 0.8 {
                section.scroll_into_view();
            }
        }
    }

    /// Back and Forward between conversations opened in place open them again.
    pub fn follow_history(selected: RwSignal<Option<String>>) {
        let handle = window_event_listener(leptos::ev::popstate, move |_| {
            let id = super::conversation_in(&window().location().pathname().unwrap_or_default());
            if selected.get_untracked() != id {
                selected.set(id);
            }
        });
        on_cleanup(move || handle.remove());
    }
}

/// Following `GET /portal/inbox/events` with the browser's `EventSource`, which reconnects by
/// itself; every change (and every connection, which may follow missed changes) moves `tick`.
#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;

    use crate::api::inbox::{CHANGED_EVENT, EVENTS_PATH};

    #[wasm_bindgen]
    extern "C" {
        type EventSource;

        #[wasm_bindgen(constructor, catch)]
        fn new(url: &str) -> Result<EventSource, JsValue>;

        #[wasm_bindgen(method, js_name = addEventListener)]
        fn add_event_listener(this: &EventSource, kind: &str, listener: &Closure<dyn FnMut()>);

        #[wasm_bindgen(method)]
        fn close(this: &EventSource);
    }

    pub fn follow(tick: RwSignal<u64>) {
        let Ok(source) = EventSource::new(EVENTS_PATH) else { return };
        let changed = Closure::<dyn FnMut()>::new(move || tick.update(|n| *n += 1));
        source.add_event_listener(CHANGED_EVENT, &changed);
        source.add_event_listener("open", &changed);
        // The stream closes with the page; the listener lives as long as the stream.
        let held = StoredValue::new_local((source, changed));
        on_cleanup(move || held.with_value(|(source, _)| source.close()));
    }
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM` (UTC).
fn when(rfc3339: &str) -> String {
    rfc3339.get(..16).map_or_else(|| rfc3339.to_owned(), |t| format!("{} UTC", t.replacen('T', " ", 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inbox_address_names_the_conversation_it_opens() {
        assert_eq!(conversation_in("/inbox/conv_abc"), Some("conv_abc".to_owned()));
        assert_eq!(conversation_in("/inbox/conv_abc/"), Some("conv_abc".to_owned()));
        assert_eq!(conversation_in("/inbox"), None);
        assert_eq!(conversation_in("/inbox/"), None);
        assert_eq!(conversation_in("/keys"), None);
    }
}
