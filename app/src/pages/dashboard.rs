//! The signed-in home: the workspace and the first steps to a working chatbot.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::PortalError;
use crate::api::account::current_viewer;
use crate::components::error_view;
use crate::get_server_info;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(
        || (),
        |()| async move {
            let viewer = current_viewer().await?.ok_or(PortalError::SignedOut)?;
            let info = get_server_info().await.map_err(|err| PortalError::Transport(err.to_string()))?;
            Ok::<_, PortalError>((viewer, info))
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok((viewer, info)) => view! {
                    <h1>{viewer.workspace_name}</h1>
                    <section class="card" aria-labelledby="first-steps">
                        <h2 id="first-steps">"First steps"</h2>
                        <ol class="steps">
                            <li><A href="/keys">"Create a secret API key"</A>" and keep it somewhere safe: it is shown once."</li>
                            <li>"Create a chatbot with it:"
                                <pre><code>{format!(
                                    "curl -X POST {}/api/v2/chatbots \\\n  -H \"Authorization: Bearer YOUR_API_KEY\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{{\"name\": \"My Chatbot\"}}'",
                                    info.public_url
                                )}</code></pre>
                            </li>
                            <li>"Paste the widget on your site, with the chatbot's id:"
                                <pre><code>{format!(
                                    "<script src=\"{}/widget.js\" data-chatbot-id=\"YOUR_CHATBOT_ID\" async></script>",
                                    info.public_url
                                )}</code></pre>
                            </li>
                            <li><A href="/team">"Invite your team"</A>"."</li>
                        </ol>
                    </section>
                }.into_any(),
                Err(err) => error_view(err),
            })}
        </Suspense>
    }
}
