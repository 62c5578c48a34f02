//! The portal's home page: what Parlor is, the quick start with this server's address, and the
//! server's status.

use leptos::prelude::*;

use crate::api::server_info::get_server_info;

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
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || info.get().map(|result| match result {
                Ok(info) => view! {
                    <section class="card" aria-labelledby="quick-start">
                        <h2 id="quick-start">"Quick start"</h2>
                        <ol class="steps">
                            <li>"Create an API key on the server: " <code>"parlor key create --name me --all-scopes"</code></li>
                            <li>"Create a chatbot:" <pre><code>{quick_start_curl(&info.public_url)}</code></pre></li>
                            <li>"Embed it on any page:" <pre><code>{embed_snippet(&info.public_url)}</code></pre></li>
                        </ol>
                    </section>
                    <section class="card" aria-labelledby="status">
                        <h2 id="status">"Server"</h2>
                        <p data-testid="server-status">
                            "Parlor " {info.version} " on " {info.storage} ". API base: "
                            <code>{info.api_base}</code>
                        </p>
                    </section>
                }.into_any(),
                Err(err) => view! {
                    <section class="card"><p class="error">"The server did not answer: " {err.to_string()}</p></section>
                }.into_any(),
            })}
        </Suspense>
    }
}

fn embed_snippet(base: &str) -> String {
    format!(r#"<script src="{base}/widget.js" data-chatbot-id="YOUR_CHATBOT_ID" data-theme="light" async></script>"#)
}

fn quick_start_curl(base: &str) -> String {
    format!(
        r#"curl -X POST {base}/api/chatbots \
  -H "Authorization: Bearer YOUR_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{{"name": "My Chatbot"}}'"#
    )
}
