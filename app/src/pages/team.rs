//! "Team": the workspace's members, and for owners the invitations (a link shown once to pass
//! on) and removing members.

use leptos::prelude::*;

use crate::api::PortalError;
use crate::api::account::{InviteMember, RemoveMember, RevokeInvite, Team, Viewer, current_viewer, get_team};
use crate::components::copy::CopyButton;
use crate::components::{action_error, error_view};

#[island]
pub fn TeamPage() -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let data = Resource::new(
        move || (invite.version().get(), revoke.version().get(), remove.version().get()),
        |_| async move {
            let viewer = current_viewer().await?.ok_or(PortalError::SignedOut)?;
            let team = get_team().await?;
            Ok::<(Viewer, Team), PortalError>((viewer, team))
        },
    );
    view! {
        <h1>"Team"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok((viewer, team)) => view! {
                    <section class="card" aria-labelledby="members">
                        <h2 id="members">"Members"</h2>
                        {action_error(remove.value())}
                        <ul class="rows" data-testid="members">
                            {team.members.into_iter().map(|member| {
                                let id = member.account_id.clone();
                                let removable = viewer.is_owner() && member.account_id != viewer.account_id;
                                view! {
                                    <li>
                                        <span>{member.email}</span>
                                        <span class="badge">{member.role}</span>
                                        {removable.then(|| view! {
                                            <button type="button" class="danger"
                                                on:click=move |_| { remove.dispatch(RemoveMember { account_id: id.clone() }); }>
                                                "Remove"
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                    {viewer.is_owner().then(|| view! {
                        <section class="card" aria-labelledby="invite">
                            <h2 id="invite">"Invite someone"</h2>
                            <ActionForm action=invite attr:class="form" attr:data-testid="invite-form">
                                <label for="invite-email">"Email"</label>
                                <input id="invite-email" name="email" type="email" required=true/>
                                <label for="invite-role">"Role"</label>
                                <select id="invite-role" name="role">
                                    <option value="member" selected=true>"Member: everything but the team"</option>
                                    <option value="owner">"Owner: also manages the team"</option>
                                </select>
                                {action_error(invite.value())}
                                <button type="submit" disabled=move || invite.pending().get()>"Create invitation link"</button>
                            </ActionForm>
                            {move || invite.value().get().and_then(Result::ok).map(|created| {
                                let url = created.url.clone();
                                view! {
                                    <div class="reveal" role="status" data-testid="invite-link">
                                        <p>
                                            {if created.emailed { "We e-mailed this link to " } else { "Send this link to " }}
                                            <strong>{created.email}</strong>
                                            ". It works once, for 7 days, and is not shown again here."
                                        </p>
                                        <div class="secret-row">
                                            <code>{created.url}</code>
                                            <CopyButton text=Signal::derive(move || url.clone())/>
                                        </div>
                                    </div>
                                }
                            })}
                            {(!team.invites.is_empty()).then(|| view! {
                                <h3>"Pending invitations"</h3>
                                {action_error(revoke.value())}
                                <ul class="rows">
                                    {team.invites.into_iter().map(|pending| {
                                        let id = pending.id.clone();
                                        view! {
                                            <li>
                                                <span>{pending.email}</span>
                                                <span class="badge">{pending.role}</span>
                                                <span class="muted">"until " {pending.expires_at.get(..10).unwrap_or_default().to_owned()}</span>
                                                <button type="button" class="secondary"
                                                    on:click=move |_| { revoke.dispatch(RevokeInvite { id: id.clone() }); }>
                                                    "Withdraw"
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            })}
                        </section>
                    })}
                }.into_any(),
                Err(err) => error_view(err),
            })}
        </Transition>
    }
}
