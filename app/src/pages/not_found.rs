//! The page for unknown paths.

use leptos::prelude::*;
use leptos_router::components::A;

/// Answers 404 when the page is rendered on the server, so that links checkers, crawlers and
/// scripts see that there is nothing here. (In the browser it does nothing.)
pub fn set_not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_not_found_status();
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <A href="/">"Go to the home page"</A>"."</p>
        </section>
    }
}
