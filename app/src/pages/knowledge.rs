//! "Knowledge": pick a chatbot, see its sources with status and live progress, add Q&A pairs,
//! texts, pages and sites, upload files (drop them on the form, or choose them), delete.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::knowledge::{AddKnowledge, DeleteSource, knowledge_chatbots, list_sources};
use crate::components::{action_error, error_view};
use parlor_protocol::wire::KnowledgeSource;

#[component]
pub fn KnowledgePage() -> impl IntoView {
    let query = use_query_map();
    let chatbots = Resource::new(|| (), |()| knowledge_chatbots());
    view! {
        <h1>"Knowledge"</h1>
        <p class="lead">"What your chatbot answers from: pages and whole sites, PDF, DOCX, Markdown and text files, and Q&A pairs."</p>
        {move || query.with(|q| q.get("error")).map(|error| view! { <p class="error" role="alert" data-testid="upload-error">{error}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || chatbots.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <p class="notice">"Create a chatbot first; its knowledge is managed here."</p>
                }.into_any(),
                Ok(list) => {
                    let chosen = query.with(|q| q.get("chatbot")).filter(|id| list.iter().any(|c| &c.id == id))
                        .unwrap_or_else(|| list[0].id.clone());
                    view! { <ChatbotKnowledge chatbots=list chosen=chosen/> }.into_any()
                }
                Err(err) => error_view(err),
            })}
        </Suspense>
    }
}

/// The chosen chatbot's knowledge, an island: adding, uploading, deleting, live progress.
#[island]
fn ChatbotKnowledge(chatbots: Vec<crate::api::knowledge::ChatbotChoice>, chosen: String) -> impl IntoView {
    let add = ServerAction::<AddKnowledge>::new();
    let delete = ServerAction::<DeleteSource>::new();
    let tick = RwSignal::new(0_u32);
    // Progress is live: the list is asked again every two seconds while the page is open.
    Effect::new(move |_| {
        if let Ok(handle) =
            set_interval_with_handle(move || tick.update(|t| *t += 1), std::time::Duration::from_secs(2))
        {
            on_cleanup(move || handle.clear());
        }
    });
    let chatbot_id = chosen.clone();
    let sources = Resource::new(
        move || (add.version().get(), delete.version().get(), tick.get()),
        move |_| list_sources(chatbot_id.clone()),
    );
    let kind = RwSignal::new("url".to_owned());
    let current = chosen.clone();
    let for_add = chosen.clone();
    let for_upload = chosen;
    view! {
        <form class="toolbar" method="get" action="/knowledge">
            <label for="knowledge-chatbot">"Chatbot"</label>
            <select id="knowledge-chatbot" name="chatbot" onchange="this.form.submit()">
                {chatbots.into_iter().map(|c| {
                    let selected = c.id == current;
                    view! { <option value=c.id selected=selected>{c.name}</option> }
                }).collect_view()}
            </select>
            <noscript><button type="submit" class="secondary">"Show"</button></noscript>
        </form>
        <section class="card" aria-labelledby="add-knowledge">
            <h2 id="add-knowledge">"Add knowledge"</h2>
            <ActionForm action=add attr:class="form" attr:data-testid="add-knowledge-form">
                <input type="hidden" name="chatbot_id" value=for_add/>
                <fieldset class="choices">
                    <legend>"What"</legend>
                    {[("url", "A page"), ("scrape", "A whole site or sitemap"), ("qa", "A question and its answer"), ("text", "A text")]
                        .into_iter().map(|(value, label)| view! {
                            <label>
                                <input type="radio" name="kind" value=value checked={value == "url"}
                                    on:change=move |_| kind.set(value.to_owned())/>
                                " " {label}
                            </label>
                        }).collect_view()}
                </fieldset>
                <label for="knowledge-title">{move || if kind.get() == "qa" { "Question" } else { "Title (optional)" }}</label>
                <input id="knowledge-title" name="title" type="text" maxlength="300"/>
                <label for="knowledge-content">{move || match kind.get().as_str() {
                    "qa" => "Answer",
                    "text" => "Text",
                    _ => "URL",
                }}</label>
                <textarea id="knowledge-content" name="content" rows="3" placeholder="https://example.com/docs"></textarea>
                {action_error(add.value())}
                <button type="submit" disabled=move || add.pending().get()>"Add"</button>
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="upload-files">
            <h2 id="upload-files">"Upload files"</h2>
            <form class="form dropzone" method="post" action="/portal/knowledge/upload" enctype="multipart/form-data"
                data-testid="upload-form"
                ondragover="event.preventDefault(); this.classList.add('over')"
                ondragleave="this.classList.remove('over')"
                ondrop="event.preventDefault(); this.classList.remove('over'); this.file.files = event.dataTransfer.files; this.submit()">
                <input type="hidden" name="chatbot_id" value=for_upload/>
                <p>"Drop a PDF, DOCX, Markdown or text file here (up to 20 MB), or choose one:"</p>
                <label for="knowledge-file" class="visually-hidden">"File"</label>
                <input id="knowledge-file" name="file" type="file" accept=".pdf,.docx,.md,.markdown,.txt" required=true/>
                <button type="submit">"Upload"</button>
            </form>
        </section>
        <section class="card" aria-labelledby="sources">
            <h2 id="sources">"Sources"</h2>
            {action_error(delete.value())}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || sources.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>"Nothing yet: add a page, a site or a file above."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="rows" data-testid="sources">
                            {list.into_iter().map(|source| view! { <SourceRow source=source delete=delete/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => error_view(err),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SourceRow(source: KnowledgeSource, delete: ServerAction<DeleteSource>) -> impl IntoView {
    let id = source.id.clone();
    let progress = source.progress.clone();
    let label = source.file_name.clone().or_else(|| source.source_url.clone()).unwrap_or_else(|| source.kind.clone());
    view! {
        <li data-testid="source" data-status=source.status>
            <span class="source-title">
                <strong>{source.title.clone()}</strong>
                <span class="muted">" " {label}</span>
            </span>
            <span class=format!("badge status-{}", source.status)>{source.status.clone()}</span>
            {(source.status == "processing" || progress.pages_total > 0).then(|| view! {
                <progress max=progress.pages_total.max(1) value=progress.pages_done
                    aria-label=format!("{} of {} pages", progress.pages_done, progress.pages_total)></progress>
                <span class="muted">{format!("{} / {} pages", progress.pages_done, progress.pages_total)}</span>
            })}
            <span class="muted">{format!("{} chunks", source.chunk_count)}</span>
            {source.error.clone().map(|error| view! { <span class="error">{error}</span> })}
            <button type="button" class="secondary" on:click=move |_| { delete.dispatch(DeleteSource { id: id.clone() }); }>
                "Delete"
            </button>
        </li>
    }
}
