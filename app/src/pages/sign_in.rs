//! The sign-in page. Accounts arrive with the accounts issue; until then the page says so and
//! points to the command that creates an API key.

use leptos::prelude::*;

#[component]
pub fn SignInPage() -> impl IntoView {
    let (show_password, set_show_password) = signal(false);
    let (email, set_email) = signal(String::new());
    let email_looks_valid = move || {
        let value = email.get();
        value.is_empty() || (value.contains('@') && value.contains('.'))
    };
    view! {
        <section class="card narrow" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">"Sign in"</h1>
            <p class="notice" role="note">
                "Portal accounts are not available yet in this version. To use the API now, create a key on the server: "
                <code>"parlor key create --name me --all-scopes"</code>
            </p>
            <form class="form" on:submit=|ev| ev.prevent_default()>
                <label for="email">"Email"</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    prop:value=email
                    on:input=move |ev| set_email.set(event_target_value(&ev))
                    aria-invalid=move || (!email_looks_valid()).to_string()
                />
                <Show when=move || !email_looks_valid()>
                    <p class="field-error" data-testid="email-error">"Enter an email address such as you@example.com."</p>
                </Show>
                <label for="password">"Password"</label>
                <div class="password-row">
                    <input
                        id="password"
                        name="password"
                        autocomplete="current-password"
                        type=move || if show_password.get() { "text" } else { "password" }
                    />
                    <button
                        type="button"
                        class="secondary"
                        aria-pressed=move || show_password.get().to_string()
                        on:click=move |_| set_show_password.update(|shown| *shown = !*shown)
                    >
                        {move || if show_password.get() { "Hide" } else { "Show" }}
                    </button>
                </div>
                <button type="submit" disabled=true title="Accounts are not available yet">"Sign in"</button>
            </form>
        </section>
    }
}
