//! The sign-up page: an account, its own workspace, and a session, in one step.

use leptos::prelude::*;

use super::sign_in::{EmailField, PasswordField};
use crate::api::account::SignUp;
use crate::components::action_error;

#[island]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    view! {
        <section class="card narrow" aria-labelledby="sign-up-title">
            <h1 id="sign-up-title">"Create your account"</h1>
            <ActionForm action=action attr:class="form" attr:data-testid="sign-up-form">
                <EmailField/>
                <PasswordField autocomplete="new-password"/>
                <p class="hint">"At least 8 characters. A passphrase of a few words is best."</p>
                <label for="workspace">"Workspace name"</label>
                <input id="workspace" name="workspace" type="text" maxlength="80" placeholder="Acme support"/>
                {action_error(action.value())}
                <button type="submit" disabled=move || action.pending().get()>"Create account"</button>
            </ActionForm>
            <p>"Have an account? " <a href="/sign-in">"Sign in"</a></p>
        </section>
    }
}
