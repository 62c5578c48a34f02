//! "Inbox": the conversations of the workspace's chatbots, those waiting for a person first, and
//! one conversation's transcript with a reply box (the visitor's open widget shows the reply at
//! once), its tags and "End conversation". The page asks for news every few seconds.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::inbox::{
    EndConversation, InboxItem, InboxThread, ReplyToConversation, SetConversationTags, get_inbox_conversation,
    list_inbox,
};
use crate::components::{action_error, error_view};

/// How often the open inbox asks for new conversations and messages.
#[cfg(feature = "hydrate")]
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

#[component]
pub fn InboxPage() -> impl IntoView {
    let params = use_params_map();
    let selected = Memo::new(move |_| params.with(|p| p.get("id")).filter(|id| !id.is_empty()));
    let reply = ServerAction::<ReplyToConversation>::new();
    let tags = ServerAction::<SetConversationTags>::new();
    let end = ServerAction::<EndConversation>::new();
    let tick = RwSignal::new(0_u64);
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|n| *n += 1), REFRESH_EVERY) {
            on_cleanup(move || handle.clear());
        }
    }
    let changes = move || (tick.get(), reply.version().get(), tags.version().get(), end.version().get());
    let list = Resource::new(changes, |_| list_inbox());
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
        <div class="inbox">
            <section class="card inbox-list" aria-labelledby="conversation-list">
                <h2 id="conversation-list">"Conversations"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || list.get().map(|result| match result {
                        Ok(items) if items.is_empty() => view! {
                            <p>"No conversations yet. They appear here as visitors write to your chatbots."</p>
                        }.into_any(),
                        Ok(items) => view! { <ConversationList items=items selected=selected/> }.into_any(),
                        Err(err) => error_view(err),
                    })}
                </Transition>
            </section>
            <section class="card inbox-thread" aria-label="Conversation">
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

#[component]
fn ConversationList(items: Vec<InboxItem>, selected: Memo<Option<String>>) -> impl IntoView {
    view! {
        <ul class="conversations" data-testid="inbox-list">
            {items.into_iter().map(|item| {
                let id = item.conversation.id.clone();
                let current = {
                    let id = id.clone();
                    move || selected.get().as_deref() == Some(id.as_str())
                };
                let status = item.conversation.status.clone();
                let (data_status, badge, label) = (status.clone(), format!("badge status-{status}"), status);
                view! {
                    <li class="conversation" class:current=current data-testid="inbox-item" data-status=data_status>
                        <A href=format!("/inbox/{id}")>
                            <span class=badge>{label}</span>
                            <span class="bot">{item.chatbot_name}</span>
                            <span class="when">{item.last_message_at.as_deref().map(when).unwrap_or_default()}</span>
                            <span class="count">{format!("{} messages", item.conversation.message_count)}</span>
                        </A>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
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
    selected: Memo<Option<String>>,
    reply: ServerAction<ReplyToConversation>,
    tags: ServerAction<SetConversationTags>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let tag_text = RwSignal::new(String::new());
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
    view! {
        <form class="form reply" on:submit=send data-testid="reply-form">
            <label for="reply-text">"Reply"</label>
            <textarea id="reply-text" rows="3" maxlength="4000" placeholder="Write to the visitor…"
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {action_error(reply.value())}
            <button type="submit" disabled=move || reply.pending().get()>"Send reply"</button>
        </form>
        <form class="form tags" on:submit=set_tags>
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

/// An RFC 3339 time as `YYYY-MM-DD HH:MM` (UTC).
fn when(rfc3339: &str) -> String {
    rfc3339.get(..16).map_or_else(|| rfc3339.to_owned(), |t| format!("{} UTC", t.replacen('T', " ", 1)))
}
