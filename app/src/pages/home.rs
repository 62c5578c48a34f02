//! The portal's home page: what Parlor is, the quick start, and the server's status.

use leptos::prelude::*;

use crate::get_server_info;

#[component]
pub fn HomePage() -> impl IntoView {
    let info = Resource::new(|| (), |()| get_server_info());
    view! {
        <section class="hero">
            <h1>"Chatbots that answer from what you know."</h1>
            <p class="lead">
                "Paste one script tag and your visitors chat with a bot that answers from your pages, "
                "documents and Q&A pairs, with citations, and can reach a person. No LLM key needed."
            </p>
        </section>
        <section class="card" aria-labelledby="quick-start">
            <h2 id="quick-start">"Quick start"</h2>
            <ol class="steps">
                <li>"Create an API key: " <code>"parlor key create --name me --all-scopes"</code></li>
                <li>
                    "Create a chatbot:"
                    <pre><code>{quick_start_curl()}</code></pre>
                </li>
                <li>
                    "Embed it on any page:"
                    <pre><code>{EMBED_SNIPPET}</code></pre>
                </li>
            </ol>
        </section>
        <section class="card" aria-labelledby="status">
            <h2 id="status">"Server"</h2>
            <Suspense fallback=|| view! { <p>"Checking the server…"</p> }>
                {move || info.get().map(|result| match result {
                    Ok(info) => view! {
                        <p data-testid="server-status">
                            "Parlor " {info.version} " on " {info.storage} ". API base: " <code>{info.api_base}</code>
                        </p>
                    }.into_any(),
                    Err(err) => view! { <p class="error">"The server did not answer: " {err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

const EMBED_SNIPPET: &str = r#"<script src="http://localhost:3000/widget.js" data-chatbot-id="YOUR_CHATBOT_ID" data-theme="light" async></script>"#;

fn quick_start_curl() -> &'static str {
    r#"curl -X POST http://localhost:3000/api/chatbots \
  -H "Authorization: Bearer YOUR_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"name": "My Chatbot"}'"#
}
