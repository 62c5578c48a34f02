//! "Webhooks": the workspace's endpoints with a form to add one (its `whsec_…` secret revealed
//! once, with a copy button) and quick actions. One endpoint's page is [`super::webhook`], which
//! shares this page's secret reveal, event picker and status badge.

use leptos::prelude::*;

use crate::api::webhooks::{
    CreateWebhook, DeleteWebhook, SendTestWebhook, UpdateWebhook, list_webhooks, webhook_events,
};
use crate::components::copy::CopyButton;
use crate::components::{action_error, confirm, error_view};
use parlor_protocol::wire::{self, Webhook, WebhookEventType};

#[island]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let update = ServerAction::<UpdateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let test = ServerAction::<SendTestWebhook>::new();
    let endpoints = Resource::new(
        move || (create.version().get(), update.version().get(), delete.version().get()),
        |_| list_webhooks(),
    );
    let catalogue = Resource::new(|| (), |_| webhook_events());
    view! {
        <h1>"Webhooks"</h1>
        <p class="lead">
            "Parlor POSTs each event to your endpoints as it happens, signed with the endpoint's secret ("
            <code>"webhook-signature"</code> " and " <code>"X-Parlor-Signature"</code>
            "), and retries failed deliveries for about a day."
        </p>
        {move || create.value().get().and_then(Result::ok).and_then(|endpoint| endpoint.secret.clone().map(|secret| view! {
            <SecretReveal url=endpoint.url.clone() secret=secret/>
        }))}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || catalogue.get().map(|result| match result {
                Ok(events) => view! { <CreateWebhookForm create=create events=events/> }.into_any(),
                Err(err) => error_view(err),
            })}
        </Transition>
        <section class="card" aria-labelledby="webhook-list">
            <h2 id="webhook-list">"Endpoints"</h2>
            {action_error(update.value())}
            {action_error(delete.value())}
            {action_error(test.value())}
            {move || test.value().get().and_then(Result::ok).map(|delivery| view! {
                <p class="notice" role="status">
                    "Test event queued. "
                    <a href=format!("/webhooks/{}", delivery.endpoint_id)>"See it in the delivery log"</a>
                </p>
            })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || endpoints.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>"No endpoints yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="data" data-testid="webhook-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"URL"</th>
                                        <th scope="col">"Events"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Actions"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|endpoint| view! {
                                        <EndpointRow endpoint=endpoint update=update delete=delete test=test/>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(err) => error_view(err),
                })}
            </Transition>
        </section>
    }
}

/// A secret shown once, right after it was made.
#[component]
pub(super) fn SecretReveal(url: String, secret: String) -> impl IntoView {
    view! {
        <section class="card reveal" role="status" data-testid="new-secret">
            <h2>"Copy the signing secret now"</h2>
            <p>"This is the only time the secret of " <code>{url}</code> " is shown. Your receiver verifies each delivery with it."</p>
            <div class="secret-row">
                <code data-testid="new-secret-value">{secret.clone()}</code>
                <CopyButton text=Signal::derive(move || secret.clone())/>
            </div>
        </section>
    }
}

#[component]
fn CreateWebhookForm(create: ServerAction<CreateWebhook>, events: Vec<WebhookEventType>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let classic = RwSignal::new(false);
    let all = RwSignal::new(true);
    let chosen = RwSignal::new(Vec::<String>::new());
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !all.get() && chosen.with(Vec::is_empty) {
            problem.set(Some("Choose at least one event, or all events.".to_owned()));
            return;
        }
        problem.set(None);
        create.dispatch(CreateWebhook {
            endpoint: wire::CreateWebhook {
                url: url.get().trim().to_owned(),
                events: if all.get() { Vec::new() } else { chosen.get() },
                description: Some(description.get()),
                naming: Some(if classic.get() { "classic" } else { "parlor" }.to_owned()),
                enabled: None,
            },
        });
    };
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <section class="card" aria-labelledby="create-webhook">
            <h2 id="create-webhook">"Add an endpoint"</h2>
            <form inert=waiting class="form" on:submit=submit data-testid="create-webhook-form">
                <label for="webhook-url">"URL"</label>
                <input id="webhook-url" type="url" required=true maxlength="2000" placeholder="https://crm.example.com/hooks/parlor"
                    prop:value=url on:input=move |ev| url.set(event_target_value(&ev))/>
                <p class="hint">"It must be reachable from the Internet: private and internal addresses are refused."</p>
                <label for="webhook-description">"Description"</label>
                <input id="webhook-description" type="text" maxlength="500" placeholder="CRM sync"
                    prop:value=description on:input=move |ev| description.set(event_target_value(&ev))/>
                <EventPicker events=events all=all chosen=chosen classic=classic group="new"/>
                {move || problem.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
                {action_error(create.value())}
                <button type="submit" disabled=move || create.pending().get()>"Add endpoint"</button>
            </form>
        </section>
    }
}

/// The naming choice and the events to subscribe to (all, or the ones ticked), each with its
/// description and an example payload.
#[component]
pub(super) fn EventPicker(
    events: Vec<WebhookEventType>,
    all: RwSignal<bool>,
    chosen: RwSignal<Vec<String>>,
    classic: RwSignal<bool>,
    /// Tells this form's radio groups from another form's on the same page.
    group: &'static str,
) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>"Event names"</legend>
            <label><input type="radio" name=format!("naming-{group}") prop:checked=move || !classic.get() on:change=move |_| classic.set(false)/>" Parlor ("<code>"message.received"</code>")"</label>
            <label><input type="radio" name=format!("naming-{group}") prop:checked=move || classic.get() on:change=move |_| classic.set(true)/>" Classic ("<code>"new_message"</code>")"</label>
        </fieldset>
        <fieldset class="choices">
            <legend>"Events"</legend>
            <label><input type="radio" name=format!("events-{group}") prop:checked=move || all.get() on:change=move |_| all.set(true)/>" All events, including new ones"</label>
            <label><input type="radio" name=format!("events-{group}") prop:checked=move || !all.get() on:change=move |_| all.set(false)/>" Only these:"</label>
            <Show when=move || !all.get()>
                <ul class="rows event-list">
                    {events.clone().into_iter().map(|kind| {
                        let name = kind.name.clone();
                        let value = kind.name.clone();
                        let shown = kind.name.clone();
                        let classic_name = kind.classic_name.clone();
                        let example = serde_json::to_string_pretty(&kind.example).unwrap_or_default();
                        view! {
                            <li>
                                <label>
                                    <input type="checkbox"
                                        prop:checked=move || chosen.with(|list| list.contains(&name))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|list| {
                                                list.retain(|n| n != &value);
                                                if on { list.push(value.clone()); }
                                            });
                                        }/>
                                    " " <code>{move || if classic.get() { classic_name.clone().unwrap_or_else(|| shown.clone()) } else { shown.clone() }}</code>
                                </label>
                                <span class="muted">{kind.description}</span>
                                <details>
                                    <summary>"Example"</summary>
                                    <pre><code>{example}</code></pre>
                                </details>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
        </fieldset>
    }
}

#[component]
fn EndpointRow(
    endpoint: Webhook,
    update: ServerAction<UpdateWebhook>,
    delete: ServerAction<DeleteWebhook>,
    test: ServerAction<SendTestWebhook>,
) -> impl IntoView {
    let (toggle_id, delete_id, test_id) = (endpoint.id.clone(), endpoint.id.clone(), endpoint.id.clone());
    let enabled = endpoint.enabled;
    let confirm_url = endpoint.url.clone();
    let (href, url, description) =
        (format!("/webhooks/{}", endpoint.id), endpoint.url.clone(), endpoint.description.clone());
    view! {
        <tr data-testid="webhook-row">
            <td>
                <a href=href>{url}</a>
                {(!description.is_empty()).then(|| view! { <div class="muted">{description}</div> })}
            </td>
            <td class="scopes">{events_summary(&endpoint.events)}</td>
            <td><StatusBadge endpoint=endpoint.clone()/></td>
            <td>{day(&endpoint.created_at)}</td>
            <td class="actions">
                <button type="button" class="secondary" disabled=!enabled
                    on:click=move |_| { test.dispatch(SendTestWebhook { id: test_id.clone() }); }>
                    "Send test"
                </button>
                <button type="button" class="secondary"
                    on:click=move |_| {
                        update.dispatch(UpdateWebhook {
                            id: toggle_id.clone(),
                            patch: wire::UpdateWebhook { enabled: Some(!enabled), ..Default::default() },
                        });
                    }>
                    {if enabled { "Disable" } else { "Enable" }}
                </button>
                <button type="button" class="danger"
                    on:click=move |_| {
                        if confirm(&format!("Delete the endpoint {confirm_url} and its delivery log?")) {
                            delete.dispatch(DeleteWebhook { id: delete_id.clone() });
                        }
                    }>
                    "Delete"
                </button>
            </td>
        </tr>
    }
}

#[component]
pub(super) fn StatusBadge(endpoint: Webhook) -> impl IntoView {
    if endpoint.enabled {
        view! { <span class="badge succeeded">"enabled"</span> }.into_any()
    } else {
        view! {
            <span class="badge failed">"disabled"</span>
            {endpoint.disabled_reason.map(|why| view! { <div class="muted">{why}</div> })}
        }
        .into_any()
    }
}

pub(super) fn events_summary(events: &[String]) -> String {
    if events.iter().any(|e| e == "*") { "all events".to_owned() } else { events.join(", ") }
}

/// The date part of an RFC 3339 time.
fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}
