//! One webhook endpoint's page (`/webhooks/:id`): its settings, secret rotation, test events,
//! replay of a time range, and the delivery log with every attempt and a redeliver button.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::webhooks::{EventPicker, SecretReveal, StatusBadge, events_summary};
use crate::api::PortalError;
use crate::api::webhooks::{
    DeleteWebhook, DeliveryLogEntry, RedeliverWebhook, ReplayWebhook, RotateWebhookSecret, SendTestWebhook,
    UpdateWebhook, get_webhook, webhook_deliveries, webhook_events,
};
use crate::components::{action_error, confirm, error_view};
use parlor_protocol::wire::{self, Page, Webhook, WebhookEventType};

/// One endpoint: settings, secret rotation, test event, replay and the delivery log.
#[component]
pub fn WebhookPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    view! { <WebhookEndpoint id=id/> }
}

/// The endpoint's page as one island.
#[island]
fn WebhookEndpoint(id: String) -> impl IntoView {
    let id = StoredValue::new(id);
    let id = move || id.get_value();
    let update = ServerAction::<UpdateWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let test = ServerAction::<SendTestWebhook>::new();
    let redeliver = ServerAction::<RedeliverWebhook>::new();
    let replay = ServerAction::<ReplayWebhook>::new();
    let endpoint =
        Resource::new(move || (id(), update.version().get(), rotate.version().get()), |(id, ..)| get_webhook(id));
    let catalogue = Resource::new(|| (), |_| webhook_events());
    let log_state = LogState::new(Signal::derive(id), test, redeliver, replay);
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(()))) {
            crate::components::go("/webhooks");
        }
    });
    view! {
        <p><a href="/webhooks">"← Webhooks"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || endpoint.get().map(|result| match result {
                Ok(endpoint) => view! {
                    <h1>"Webhook endpoint"</h1>
                    <p class="lead"><code data-testid="webhook-url">{endpoint.url.clone()}</code></p>
                    {move || rotate.value().get().and_then(Result::ok).and_then(|rotated| rotated.secret.clone().map(|secret| view! {
                        <SecretReveal url=rotated.url.clone() secret=secret/>
                    }))}
                    <EndpointDetails endpoint=endpoint.clone() update=update rotate=rotate delete=delete test=test/>
                    <Transition fallback=|| ()>
                        {let endpoint = endpoint.clone(); move || catalogue.get().map(|result| match result {
                            Ok(events) => view! { <EditWebhookForm endpoint=endpoint.clone() update=update events=events/> }.into_any(),
                            Err(err) => error_view(err),
                        })}
                    </Transition>
                }.into_any(),
                Err(err) => error_view(err),
            })}
        </Transition>
        // The log and the replay form stay mounted while the endpoint's details reload.
        <Show when=move || !matches!(endpoint.get(), Some(Err(_)))>
            <ReplayForm id=Signal::derive(id) replay=replay/>
            <DeliveryLog id=Signal::derive(id) state=log_state redeliver=redeliver/>
        </Show>
    }
}

#[component]
fn EndpointDetails(
    endpoint: Webhook,
    update: ServerAction<UpdateWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    delete: ServerAction<DeleteWebhook>,
    test: ServerAction<SendTestWebhook>,
) -> impl IntoView {
    let overlap = RwSignal::new(86_400_i64);
    let enabled = endpoint.enabled;
    let (toggle_id, rotate_id, delete_id, test_id) =
        (endpoint.id.clone(), endpoint.id.clone(), endpoint.id.clone(), endpoint.id.clone());
    view! {
        <section class="card" aria-labelledby="endpoint-details">
            <h2 id="endpoint-details">"Details"</h2>
            <dl class="details" data-testid="webhook-details">
                <dt>"Status"</dt><dd><StatusBadge endpoint=endpoint.clone()/></dd>
                <dt>"Description"</dt><dd>{if endpoint.description.is_empty() { "—".to_owned() } else { endpoint.description.clone() }}</dd>
                <dt>"Events"</dt><dd>{events_summary(&endpoint.events)}</dd>
                <dt>"Event names"</dt><dd>{if endpoint.naming == "classic" { "classic (new_message, …)" } else { "Parlor (message.received, …)" }}</dd>
                <dt>"Failed attempts in a row"</dt><dd>{endpoint.failure_streak}</dd>
                {endpoint.previous_secret_expires_at.clone().map(|until| view! {
                    <dt>"Previous secret"</dt><dd>{format!("still signs until {}", when(&until))}</dd>
                })}
                <dt>"Created"</dt><dd>{when(&endpoint.created_at)}</dd>
                <dt>"ID"</dt><dd><code>{endpoint.id}</code></dd>
            </dl>
            {action_error(test.value())}
            {action_error(update.value())}
            {action_error(rotate.value())}
            {action_error(delete.value())}
            <div class="toolbar wrap">
                <button type="button" disabled=move || !enabled || test.pending().get()
                    on:click=move |_| { test.dispatch(SendTestWebhook { id: test_id.clone() }); }>
                    "Send test event"
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
                <label class="visually-hidden" for="rotate-overlap">"How long the current secret keeps signing"</label>
                <select id="rotate-overlap" on:change=move |ev| overlap.set(event_target_value(&ev).parse().unwrap_or(86_400))>
                    <option value="86400" selected=true>"old secret signs 24 h"</option>
                    <option value="3600">"old secret signs 1 h"</option>
                    <option value="604800">"old secret signs 7 days"</option>
                    <option value="0">"old secret stops now"</option>
                </select>
                <button type="button" class="secondary"
                    on:click=move |_| { rotate.dispatch(RotateWebhookSecret { id: rotate_id.clone(), overlap_seconds: overlap.get() }); }>
                    "Rotate secret"
                </button>
                <button type="button" class="danger"
                    on:click=move |_| {
                        if confirm("Delete this endpoint and its delivery log?") {
                            delete.dispatch(DeleteWebhook { id: delete_id.clone() });
                        }
                    }>
                    "Delete"
                </button>
            </div>
        </section>
    }
}

#[component]
fn EditWebhookForm(
    endpoint: Webhook,
    update: ServerAction<UpdateWebhook>,
    events: Vec<WebhookEventType>,
) -> impl IntoView {
    let url = RwSignal::new(endpoint.url.clone());
    let description = RwSignal::new(endpoint.description.clone());
    let classic = RwSignal::new(endpoint.naming == "classic");
    let all = RwSignal::new(endpoint.events.iter().any(|e| e == "*"));
    let chosen = RwSignal::new(endpoint.events.iter().filter(|e| *e != "*").cloned().collect::<Vec<String>>());
    let problem = RwSignal::new(None::<String>);
    let id = endpoint.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !all.get() && chosen.with(Vec::is_empty) {
            problem.set(Some("Choose at least one event, or all events.".to_owned()));
            return;
        }
        problem.set(None);
        update.dispatch(UpdateWebhook {
            id: id.clone(),
            patch: wire::UpdateWebhook {
                url: Some(url.get().trim().to_owned()),
                events: Some(if all.get() { vec!["*".to_owned()] } else { chosen.get() }),
                description: Some(description.get()),
                naming: Some(if classic.get() { "classic" } else { "parlor" }.to_owned()),
                enabled: None,
            },
        });
    };
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <section class="card" aria-labelledby="edit-webhook">
            <h2 id="edit-webhook">"Settings"</h2>
            <form inert=waiting class="form" on:submit=submit data-testid="edit-webhook-form">
                <label for="edit-url">"URL"</label>
                <input id="edit-url" type="url" required=true maxlength="2000"
                    prop:value=url on:input=move |ev| url.set(event_target_value(&ev))/>
                <label for="edit-description">"Description"</label>
                <input id="edit-description" type="text" maxlength="500"
                    prop:value=description on:input=move |ev| description.set(event_target_value(&ev))/>
                <EventPicker events=events all=all chosen=chosen classic=classic group="edit"/>
                {move || problem.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
                <button type="submit" disabled=move || update.pending().get()>"Save changes"</button>
            </form>
        </section>
    }
}

#[component]
fn ReplayForm(id: Signal<String>, replay: ServerAction<ReplayWebhook>) -> impl IntoView {
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        replay.dispatch(ReplayWebhook { id: id.get(), since: utc(&since.get()), until: utc(&until.get()) });
    };
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <section class="card" aria-labelledby="replay">
            <h2 id="replay">"Replay events"</h2>
            <p class="hint">"Sends again every subscribed event of a time range, including events missed while the endpoint was disabled."</p>
            <form inert=waiting class="form" on:submit=submit data-testid="replay-form">
                <label for="replay-since">"From (UTC)"</label>
                <input id="replay-since" type="datetime-local" required=true
                    prop:value=since on:input=move |ev| since.set(event_target_value(&ev))/>
                <label for="replay-until">"Until (UTC, empty for now)"</label>
                <input id="replay-until" type="datetime-local"
                    prop:value=until on:input=move |ev| until.set(event_target_value(&ev))/>
                {action_error(replay.value())}
                {move || replay.value().get().and_then(Result::ok).map(|done| view! {
                    <p class="notice" role="status">{format!("Queued {} deliveries.", done.queued)}</p>
                })}
                <button type="submit" disabled=move || replay.pending().get()>"Replay"</button>
            </form>
        </section>
    }
}

/// The endpoint's deliveries, newest first, filtered by `status` and read again on `tick` and
/// after every test, redelivery and replay.
type DeliveryLogResource = Resource<Result<Page<DeliveryLogEntry>, PortalError>>;

/// The delivery log's state. It is created with the island's other resources, not inside the
/// `<Show>` that draws the log: an island's data reaches the browser only for resources created
/// while the island itself is built.
#[derive(Clone, Copy)]
struct LogState {
    log: DeliveryLogResource,
    status: RwSignal<String>,
    tick: RwSignal<u32>,
}

impl LogState {
    fn new(
        id: Signal<String>,
        test: ServerAction<SendTestWebhook>,
        redeliver: ServerAction<RedeliverWebhook>,
        replay: ServerAction<ReplayWebhook>,
    ) -> Self {
        let status = RwSignal::new(String::new());
        let tick = RwSignal::new(0_u32);
        let log = Resource::new(
            move || {
                (
                    id.get(),
                    status.get(),
                    tick.get(),
                    test.version().get(),
                    redeliver.version().get(),
                    replay.version().get(),
                )
            },
            |(id, status, ..)| webhook_deliveries(id, status, None),
        );
        Self { log, status, tick }
    }
}

#[component]
fn DeliveryLog(id: Signal<String>, state: LogState, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let LogState { log, status, tick } = state;
    // While a delivery is on its way, the log reads itself again every second.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let pending =
            log.get().and_then(Result::ok).is_some_and(|page| page.data.iter().any(|d| d.delivery.status == "pending"));
        if pending {
            set_timeout(move || tick.update(|n| *n += 1), std::time::Duration::from_secs(1));
        }
    });
    view! {
        <section class="card" aria-labelledby="delivery-log">
            <h2 id="delivery-log">"Delivery log"</h2>
            <div class="toolbar">
                <label for="delivery-status">"Show"</label>
                <select id="delivery-status" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="" selected=true>"every delivery"</option>
                    <option value="pending">"pending"</option>
                    <option value="succeeded">"succeeded"</option>
                    <option value="failed">"failed"</option>
                </select>
                <button type="button" class="secondary" on:click=move |_| tick.update(|n| *n += 1)>"Refresh"</button>
            </div>
            {action_error(redeliver.value())}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || log.get().map(|result| match result {
                    Ok(page) if page.data.is_empty() => view! { <p>"No deliveries yet. Send a test event to see one."</p> }.into_any(),
                    Ok(page) => view! {
                        <div class="table-wrap">
                            <table class="data" data-testid="delivery-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Event"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Last response"</th>
                                        <th scope="col">"Attempts"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Actions"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page.data.into_iter().map(|delivery| view! {
                                        <DeliveryRow endpoint_id=id.get_untracked() delivery=delivery redeliver=redeliver/>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {page.has_more.then(|| view! { <p class="hint">{format!("Showing the {} newest deliveries.", crate::api::webhooks::DELIVERY_PAGE)}</p> })}
                    }.into_any(),
                    Err(err) => error_view(err),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DeliveryRow(
    endpoint_id: String,
    delivery: DeliveryLogEntry,
    redeliver: ServerAction<RedeliverWebhook>,
) -> impl IntoView {
    let DeliveryLogEntry { delivery, payload, attempts } = delivery;
    let last = attempts.last().cloned();
    let last_response = match &last {
        Some(attempt) => match (attempt.status_code, &attempt.error) {
            (Some(code), _) => format!("HTTP {code} in {} ms", attempt.latency_ms),
            (None, Some(error)) => format!("{error} after {} ms", attempt.latency_ms),
            (None, None) => format!("no answer after {} ms", attempt.latency_ms),
        },
        None => "not sent yet".to_owned(),
    };
    let payload = serde_json::to_string_pretty(&payload).unwrap_or_default();
    let delivery_id = delivery.id.clone();
    let count = attempts.len();
    view! {
        <tr data-testid="delivery-row" data-status=delivery.status>
            <td><code>{delivery.event.clone()}</code><div class="muted"><code>{delivery.id.clone()}</code></div></td>
            <td>
                <span class=format!("badge {}", delivery.status) data-testid="delivery-status">{delivery.status.clone()}</span>
                {delivery.next_attempt_at.clone().map(|at| view! { <div class="muted">{format!("next try {}", when(&at))}</div> })}
            </td>
            <td>{last_response}</td>
            <td>
                <details>
                    <summary data-testid="delivery-attempts">{format!("{count} attempt{}", if count == 1 { "" } else { "s" })}</summary>
                    <ol class="attempts">
                        {attempts.into_iter().map(|attempt| view! {
                            <li>
                                {format!("{} · {} · {} ms", when(&attempt.started_at),
                                    attempt.status_code.map_or_else(|| attempt.error.clone().unwrap_or_else(|| "no answer".to_owned()), |c| format!("HTTP {c}")),
                                    attempt.latency_ms)}
                                {attempt.response_snippet.map(|snippet| view! { <pre><code>{snippet}</code></pre> })}
                            </li>
                        }).collect_view()}
                    </ol>
                    <p class="hint">"Payload"</p>
                    <pre><code>{payload}</code></pre>
                </details>
            </td>
            <td>{when(&delivery.created_at)}</td>
            <td class="actions">
                <button type="button" class="secondary" disabled=move || redeliver.pending().get()
                    on:click=move |_| { redeliver.dispatch(RedeliverWebhook { id: endpoint_id.clone(), delivery_id: delivery_id.clone() }); }>
                    "Redeliver"
                </button>
            </td>
        </tr>
    }
}

/// An RFC 3339 time to the second, in UTC, as people read it.
fn when(rfc3339: &str) -> String {
    format!("{} UTC", rfc3339.get(..19).unwrap_or(rfc3339).replace('T', " "))
}

/// A `datetime-local` input's value (`2026-04-12T14:30`), read as UTC, in RFC 3339; empty stays
/// empty.
fn utc(local: &str) -> String {
    match local.trim() {
        "" => String::new(),
        text if text.len() == 16 => format!("{text}:00Z"),
        text if text.len() == 19 => format!("{text}Z"),
        text => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_values_are_read_as_utc() {
        assert_eq!(utc("2026-04-12T14:30"), "2026-04-12T14:30:00Z");
        assert_eq!(utc("2026-04-12T14:30:05"), "2026-04-12T14:30:05Z");
        assert_eq!(utc(" "), "");
        assert_eq!(when("2026-04-12T14:30:05.123Z"), "2026-04-12 14:30:05 UTC");
    }
}
