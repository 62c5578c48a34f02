//! Accepting an invitation: the invited email joins the workspace, with a new password or the
//! account's existing one.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::sign_in::PasswordField;
use crate::api::account::{AcceptInvite, get_invite};
use crate::components::{action_error, error_view};

#[component]
pub fn InvitePage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    view! { <Invitation token=token/> }
}

/// The invitation and its form, an island.
#[island]
fn Invitation(token: String) -> impl IntoView {
    let token = StoredValue::new(token);
    let token = move || token.get_value();
    let info = Resource::new(token, get_invite);
    let accept = ServerAction::<AcceptInvite>::new();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || info.get().map(|result| match result {
                Ok(info) => view! {
                    <section class="card narrow" aria-labelledby="invite-title">
                        <h1 id="invite-title">{format!("Join {}", info.workspace_name)}</h1>
                        <p>"You are invited as " <strong>{info.role.clone()}</strong> " with " <strong>{info.email.clone()}</strong> "."</p>
                        <ActionForm action=accept attr:class="form" attr:data-testid="accept-form">
                            <input type="hidden" name="token" value=token()/>
                            <p class="hint">{if info.account_exists {
                                "Enter your account's password to join."
                            } else {
                                "Choose a password (at least 8 characters) for your new account."
                            }}</p>
                            <PasswordField autocomplete=if info.account_exists { "current-password" } else { "new-password" }/>
                            {action_error(accept.value())}
                            <button type="submit" disabled=move || accept.pending().get()>"Join workspace"</button>
                        </ActionForm>
                    </section>
                }.into_any(),
                Err(err) => error_view(err),
            })}
        </Suspense>
    }
}
