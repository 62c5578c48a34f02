//! Pieces that several portal pages share: the top bar, error display and the copy button.

pub mod chart;
pub mod copy;
pub mod nav;

use leptos::prelude::*;
#[cfg(not(feature = "hydrate"))]
use leptos_router::components::Redirect;

use crate::api::PortalError;

/// Shows why a page's data did not load; a signed-out visitor is sent to sign in (by the
/// server's response while the page renders, by the browser after a later request).
pub fn error_view(err: PortalError) -> AnyView {
    match err {
        #[cfg(not(feature = "hydrate"))]
        PortalError::SignedOut => view! { <Redirect path="/sign-in"/> }.into_any(),
        #[cfg(feature = "hydrate")]
        PortalError::SignedOut => {
            go("/sign-in");
            ().into_any()
        }
        other => view! { <p class="error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// Whether an island's form must still refuse input: until the island has hydrated, what is
/// typed into fields bound to signals would be lost when it is sent, so the form is `inert` (it
/// takes no focus, clicks or typing) and comes alive with the island. Server-rendered, it is
/// `inert` from the start.
pub fn inert_until_hydrated() -> Signal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    Signal::derive(move || !hydrated.get())
}

/// Loads another page of the portal. The portal has no client-side router (islands mode), so
/// this is an ordinary page load; on the server it does nothing.
pub fn go(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ignored = window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// The message of a failed action, if the last one failed.
pub fn action_error<T, S>(value: S) -> impl IntoView
where
    T: 'static,
    S: Get<Value = Option<Result<T, PortalError>>> + Send + Sync + 'static,
{
    move || value.get().and_then(Result::err).map(|err| view! { <p class="error" role="alert">{err.to_string()}</p> })
}

/// Asks the person to confirm a destructive action; on the server nothing is asked (and
/// nothing is done).
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(message).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        false
    }
}
