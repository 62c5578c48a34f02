//! The developer docs (`/docs` and `/docs/:section`): the quick start, the API reference and
//! the guides. Every table and code sample comes from the server, generated from Parlor's own
//! definitions; the pages render on the server and read the same without JavaScript.

mod guides;
mod reference;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::PortalError;
use crate::api::account::current_viewer;
use crate::api::chatbots::list_chatbots;
use crate::api::docs::{QuickStart, Sample, get_quick_start};
use crate::components::copy::CopyCodeButton;

/// The docs' sections in the order of the side navigation.
const SECTIONS: [(&str, &str); 10] = [
    ("/docs", "Quick start"),
    ("/docs/reference", "API reference"),
    ("/docs/webhooks", "Webhooks"),
    ("/docs/rate-limits", "Rate limits"),
    ("/docs/errors", "Errors"),
    ("/docs/pagination", "Pagination"),
    ("/docs/authentication", "Authentication"),
    ("/docs/widget", "Widget SDK"),
    ("/docs/platform-api", "Coming from a platform API"),
    ("/changelog", "Changelog"),
];

#[component]
pub fn DocsPage() -> impl IntoView {
    let params = use_params_map();
    let section = move || params.with(|p| p.get("section"));
    view! {
        <div class="docs">
            <DocsNav/>
            <div class="docs-body">
                {move || match section().as_deref() {
                    None => view! { <QuickStartSection/> }.into_any(),
                    Some("reference") => view! { <reference::ReferenceSection/> }.into_any(),
                    Some("webhooks") => view! { <guides::WebhooksSection/> }.into_any(),
                    Some("rate-limits") => view! { <guides::RateLimitsSection/> }.into_any(),
                    Some("errors") => view! { <guides::ErrorsSection/> }.into_any(),
                    Some("pagination") => view! { <guides::PaginationSection/> }.into_any(),
                    Some("authentication") => view! { <guides::AuthenticationSection/> }.into_any(),
                    Some("platform-api") => view! { <guides::PlatformApiSection/> }.into_any(),
                    Some(_) => view! {
                        {crate::pages::not_found::set_not_found_status()}
                        <h1>"Not found"</h1>
                        <p>"The docs have no such section. Choose one from the list."</p>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}

/// The side navigation of the docs (and of the changelog).
#[component]
pub fn DocsNav() -> impl IntoView {
    view! {
        <nav class="docs-nav" aria-label="Docs">
            <ul>
                {SECTIONS.iter().map(|&(href, label)| view! {
                    <li><A href=href exact=true>{label}</A></li>
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// A code block with a copy button. `testid` names the `<pre>` for tests.
#[component]
pub fn CodeBlock(
    #[prop(into)] code: String,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional, into)] label: Option<String>,
) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Copy".to_owned());
    // The block scrolls sideways on narrow screens, so it takes the keyboard focus to scroll.
    view! {
        <div class="code-block">
            <pre data-testid=testid tabindex="0"><code>{code}</code></pre>
            <CopyCodeButton label=label/>
        </div>
    }
}

/// Code samples, one per language, each in a disclosure; the first is open.
#[component]
pub fn Samples(samples: Vec<Sample>) -> impl IntoView {
    view! {
        <div class="samples">
            {samples.into_iter().enumerate().map(|(i, sample)| view! {
                <details class="sample" open={i == 0} data-language=sample.language>
                    <summary>{sample.label.clone()}</summary>
                    <CodeBlock code=sample.code label=format!("Copy {}", sample.label)/>
                </details>
            }).collect_view()}
        </div>
    }
}

/// Shows a section's data once loaded, or why it did not load.
pub fn loaded<T: 'static>(result: Result<T, PortalError>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    match result {
        Ok(value) => show(value),
        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
    }
}

#[component]
fn QuickStartSection() -> impl IntoView {
    let commands = Resource::new(|| (), |()| get_quick_start());
    // Signed out there is nothing to list, and asking would answer the whole page with a 401.
    let chatbots = Resource::new(
        || (),
        |()| async move {
            match current_viewer().await? {
                Some(_) => list_chatbots().await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <h1>"Quick start"</h1>
        <p class="lead">
            "From nothing to a chatbot that answers on your site in four commands. Each one runs as it is "
            "against this server, once you put your API key in place of " <code>"YOUR_API_KEY"</code> "."
        </p>
        <section class="card" aria-labelledby="qs-key">
            <h2 id="qs-key">"Your API key"</h2>
            <p>
                "Create a key on the " <A href="/keys">"API Keys"</A> " page (or on the server with "
                <code>"parlor key create --name me --all-scopes"</code> "). A key is shown only once, "
                "so these commands say " <code>"YOUR_API_KEY"</code> " where it goes. Send it as "
                <code>"Authorization: Bearer …"</code> "; see " <A href="/docs/authentication">"Authentication"</A> "."
            </p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || chatbots.get().map(|result| match result {
                    Ok(Some(list)) if list.is_empty() => view! {
                        <p data-testid="quickstart-chatbots">
                            "Your workspace has no chatbot yet: the first command makes one. Put its "
                            <code>"id"</code> " where the other commands say " <code>"YOUR_CHATBOT_ID"</code> "."
                        </p>
                    }.into_any(),
                    Ok(Some(list)) => view! {
                        <p>"Your chatbots (the commands use the first):"</p>
                        <ul data-testid="quickstart-chatbots">
                            {list.into_iter().map(|chatbot| view! {
                                <li>{chatbot.name} " " <code>{chatbot.id}</code></li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Ok(None) | Err(_) => view! {
                        <p data-testid="quickstart-chatbots">
                            <A href="/sign-in">"Sign in"</A> " to see your chatbots' ids filled in; until then the "
                            "commands say " <code>"YOUR_CHATBOT_ID"</code> "."
                        </p>
                    }.into_any(),
                })}
            </Suspense>
        </section>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || commands.get().map(|result| loaded(result, |commands| view! { <Steps commands/> }.into_any()))}
        </Suspense>
    }
}

#[component]
fn Steps(commands: QuickStart) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="qs-create">
            <h2 id="qs-create">"1. Create a chatbot"</h2>
            <p>"The answer is the new chatbot; its " <code>"id"</code> " is what the next commands need."</p>
            <CodeBlock code=commands.create testid="quickstart-create" label="Copy command"/>
        </section>
        <section class="card" aria-labelledby="qs-knowledge">
            <h2 id="qs-knowledge">"2. Add a Q&A pair"</h2>
            <p>
                "Chatbots answer from what you give them: Q&A pairs, texts, web pages and files. A pair is "
                "searchable at once."
            </p>
            <CodeBlock code=commands.knowledge testid="quickstart-knowledge" label="Copy command"/>
        </section>
        <section class="card" aria-labelledby="qs-chat">
            <h2 id="qs-chat">"3. Chat"</h2>
            <p>
                "With " <code>"\"stream\": false"</code> " the answer comes as one JSON object, with its "
                "citations. Leave it out to read the answer as server-sent events while it is written; the "
                <A href="/docs/reference">"API reference"</A> " shows how in each language."
            </p>
            <CodeBlock code=commands.chat testid="quickstart-chat" label="Copy command"/>
        </section>
        <section class="card" aria-labelledby="qs-embed">
            <h2 id="qs-embed">"4. Embed the widget"</h2>
            <p>
                "One script tag puts the chat on any page; the " <A href="/docs/widget">"Widget SDK"</A>
                " explains the tag, its options and the JavaScript API."
            </p>
        </section>
    }
}
