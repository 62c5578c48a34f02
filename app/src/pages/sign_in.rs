//! The sign-in page: email and password, with the password's visibility toggle and a hint
//! for an email that cannot be right. Works without JavaScript (a plain form post).

use leptos::prelude::*;

use crate::api::account::SignIn;
use crate::components::action_error;

#[island]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    view! {
        <section class="card narrow" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">"Sign in"</h1>
            <ActionForm action=action attr:class="form" attr:data-testid="sign-in-form">
                <EmailField/>
                <PasswordField autocomplete="current-password"/>
                {action_error(action.value())}
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p>"New here? " <a href="/sign-up">"Create an account"</a></p>
        </section>
    }
}

/// The email field with a hint while what is typed cannot be an address.
#[component]
pub fn EmailField() -> impl IntoView {
    let (email, set_email) = signal(String::new());
    let looks_valid = move || {
        let value = email.get();
        value.is_empty() || (value.contains('@') && value.contains('.'))
    };
    view! {
        <label for="email">"Email"</label>
        <input
            id="email"
            name="email"
            type="email"
            required=true
            autocomplete="email"
            on:input=move |ev| set_email.set(event_target_value(&ev))
            aria-invalid=move || (!looks_valid()).to_string()
        />
        <Show when=move || !looks_valid()>
            <p class="field-error" data-testid="email-error">"Enter an email address such as you@example.com."</p>
        </Show>
    }
}

/// The password field with a button that shows or hides what is typed.
#[component]
pub fn PasswordField(autocomplete: &'static str) -> impl IntoView {
    let (shown, set_shown) = signal(false);
    view! {
        <label for="password">"Password"</label>
        <div class="password-row">
            <input
                id="password"
                name="password"
                required=true
                minlength=if autocomplete == "new-password" { "8" } else { "1" }
                autocomplete=autocomplete
                type=move || if shown.get() { "text" } else { "password" }
            />
            <button
                type="button"
                class="secondary"
                aria-pressed=move || shown.get().to_string()
                on:click=move |_| set_shown.update(|shown| *shown = !*shown)
            >
                {move || if shown.get() { "Hide" } else { "Show" }}
            </button>
        </div>
    }
}
