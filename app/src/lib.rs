//! Parlor's developer portal: the Leptos pages and server functions, rendered on the server
//! (feature `ssr`) and hydrated in the browser (feature `hydrate`). The JSON types that the
//! server, the portal and the widget share live in the `parlor-protocol` crate (`app/protocol/`),
//! which links no portal code.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod pages;

pub use api::server_info::{GetServerInfo, ServerInfo, get_server_info};

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::nav::TopBar;
use crate::pages::webhook::WebhookPage;
use crate::pages::webhooks::WebhooksPage;
use crate::pages::{changelog::ChangelogPage, docs::DocsPage, widget_sdk::WidgetSdkPage};
use crate::pages::{chatbot::ChatbotPage, chatbots::ChatbotsPage, inbox::InboxPage};
use crate::pages::{
    dashboard::DashboardPage, home::HomePage, invite::InvitePage, keys::KeysPage, knowledge::KnowledgePage,
    not_found::NotFound, sign_in::SignInPage, sign_up::SignUpPage, team::TeamPage, usage::UsagePage,
};

/// The HTML document around the app, rendered on the server only.
///
/// A page with islands loads the portal's WASM to hydrate them. A page of text (see
/// [`page_hydrates`]) loads none, and its `<html>` carries the `data-hydrated` mark from the start:
/// there is nothing to wait for.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let hydrates = use_context::<http::request::Parts>().is_none_or(|parts| page_hydrates(parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let hydrates = true;
    let scripts = if hydrates {
        view! { <HydrationScripts options=options.clone() islands=true/> }.into_any()
    } else {
        // What `HydrationScripts` does in islands mode besides its scripts: outside islands,
        // the HTML needs no hydration markers.
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
        ().into_any()
    };
    view! {
        <!DOCTYPE html>
        <html lang="en" data-hydrated=(!hydrates).then_some("")>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options/>
                {scripts}
                <noscript><style>{components::copy::NO_SCRIPT_STYLE}</style></noscript>
                <MetaTags/>
            </head>
            <body>
                <App/>
                <script>{components::copy::COPY_SCRIPT}</script>
            </body>
        </html>
    }
}

/// Whether the page at `path` has islands, and so loads the portal's WASM. The pages of text
/// (home, dashboard, docs, changelog) have none: their only script is the copy buttons'
/// ([`components::copy::COPY_SCRIPT`]). `server/tests/api/portal_docs.rs` checks this against
/// what each page renders.
pub fn page_hydrates(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let text = path.is_empty()
        || path == "/dashboard"
        || path == "/changelog"
        || path == "/docs"
        || (path.starts_with("/docs/") && path != "/docs/widget");
    !text
}

/// The portal: its layout and its one route table.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="parlor" href="/pkg/parlor.css"/>
        <Title text="Parlor"/>
        <Router>
            <TopBar/>
            // Pages that load data render in `Async` mode: the server sends the HTML once it is
            // complete, so every page reads the same without JavaScript.
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <Route path=path!("/sign-up") view=SignUpPage/>
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/chatbots") view=ChatbotsPage ssr=SsrMode::Async/>
                    <Route path=path!("/chatbots/:id") view=ChatbotPage ssr=SsrMode::Async/>
                    <Route path=path!("/inbox") view=InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/inbox/:id") view=InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/keys") view=KeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/team") view=TeamPage ssr=SsrMode::Async/>
                    <Route path=path!("/usage") view=UsagePage ssr=SsrMode::Async/>
                    <Route path=path!("/knowledge") view=KnowledgePage ssr=SsrMode::Async/>
                    <Route path=path!("/webhooks") view=WebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("/webhooks/:id") view=WebhookPage ssr=SsrMode::Async/>
                    <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async/>
                    <Route path=path!("/docs") view=DocsPage ssr=SsrMode::Async/>
                    <Route path=path!("/docs/widget") view=WidgetSdkPage ssr=SsrMode::Async/>
                    <Route path=path!("/docs/:section") view=DocsPage ssr=SsrMode::Async/>
                    <Route path=path!("/changelog") view=ChangelogPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="footer">"Parlor — self-hosted chatbots, full-stack Rust."</footer>
        </Router>
    }
}

/// The browser entry point. The portal is rendered on the server in islands mode: only the
/// `#[island]` components (forms, live lists, copy buttons, the snippet builder) hydrate, so the
/// WASM holds only them and the pages read as plain HTML. Links are ordinary page loads; a server
/// function that redirects (signing in, say) moves the page with `window.location`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let _already_set = leptos::server_fn::redirect::set_redirect_hook(|path: &str| components::go(path));
    leptos::mount::hydrate_islands();
    // The islands hydrate right after this returns, in one run of promise callbacks; a timer
    // fires after them. The mark tells tests (and anyone curious) that the page now reacts.
    set_timeout(
        || {
            if let Some(root) = document().document_element() {
                let _ignored = root.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}
