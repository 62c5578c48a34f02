//! The top bar: the brand, the workspace's pages when signed in, and the account menu.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::account::{SignOut, SwitchWorkspace, current_viewer};

#[component]
pub fn TopBar() -> impl IntoView {
    let location = use_location();
    // Every navigation asks again, so signing in or out shows at once.
    let viewer = Resource::new(move || location.pathname.get(), |_| current_viewer());
    let sign_out = ServerAction::<SignOut>::new();
    let switch = ServerAction::<SwitchWorkspace>::new();
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">"Parlor"</A>
            <Transition fallback=|| ()>
                {move || viewer.get().map(|result| match result {
                    Ok(Some(viewer)) => {
                        let others: Vec<_> = viewer.workspaces.iter().filter(|w| w.id != viewer.workspace_id).cloned().collect();
                        view! {
                            <nav aria-label="Workspace">
                                <A href="/dashboard">"Dashboard"</A>
                                <A href="/chatbots">"Chatbots"</A>
                                <A href="/inbox">"Inbox"</A>
                                <A href="/knowledge">"Knowledge"</A>
                                <A href="/keys">"API Keys"</A>
                                <A href="/webhooks">"Webhooks"</A>
                                <A href="/usage">"Usage"</A>
                                <A href="/team">"Team"</A>
                                <A href="/docs">"Docs"</A>
                            </nav>
                            <div class="account">
                                <span class="workspace" data-testid="workspace-name">{viewer.workspace_name.clone()}</span>
                                {(!others.is_empty()).then(|| view! {
                                    <ActionForm action=switch attr:class="inline-form">
                                        <label class="visually-hidden" for="workspace-switch">"Switch workspace"</label>
                                        <select id="workspace-switch" name="workspace_id">
                                            {others.into_iter().map(|w| view! { <option value=w.id>{w.name}</option> }).collect_view()}
                                        </select>
                                        <button type="submit" class="secondary">"Switch"</button>
                                    </ActionForm>
                                })}
                                <span class="email">{viewer.email}</span>
                                <ActionForm action=sign_out attr:class="inline-form">
                                    <button type="submit" class="secondary">"Sign out"</button>
                                </ActionForm>
                            </div>
                        }.into_any()
                    }
                    _ => view! {
                        <nav aria-label="Main">
                            <A href="/">"Home"</A>
                            <A href="/docs">"Docs"</A>
                            <A href="/changelog">"Changelog"</A>
                            <A href="/sign-in">"Sign in"</A>
                            <A href="/sign-up">"Sign up"</A>
                        </nav>
                    }.into_any(),
                })}
            </Transition>
        </header>
    }
}
