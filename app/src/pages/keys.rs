//! "API Keys": the workspace's keys (name, prefix and last four, scopes, origins, dates), a
//! form to create one (its secret revealed once, with a copy button), roll and revoke.

use leptos::prelude::*;

use crate::api::keys::{CreateKey, RevokeKey, RollKey, list_keys};
use crate::components::copy::CopyButton;
use crate::components::{action_error, confirm, error_view};
use parlor_protocol::wire::{API_SCOPES, ApiKey, CreateApiKey};

/// The page is one island: the key list reloads after every create, roll and revoke.
#[island]
pub fn KeysPage() -> impl IntoView {
    let create = ServerAction::<CreateKey>::new();
    let roll = ServerAction::<RollKey>::new();
    let revoke = ServerAction::<RevokeKey>::new();
    let keys =
        Resource::new(move || (create.version().get(), roll.version().get(), revoke.version().get()), |_| list_keys());
    // The secret of the key created or rolled last, shown until the page is left.
    let revealed = Memo::new(move |_| {
        let created = create.value().get().and_then(Result::ok);
        let rolled = roll.value().get().and_then(Result::ok);
        match (created, rolled) {
            (Some(key), None) | (None, Some(key)) => Some(key),
            (Some(a), Some(b)) => Some(if a.created_at >= b.created_at { a } else { b }),
            (None, None) => None,
        }
    });
    view! {
        <h1>"API Keys"</h1>
        <p class="lead">
            "Secret keys (" <code>"sk_…"</code> ") are for your servers. Publishable keys (" <code>"pk_…"</code>
            ") may sit in web pages: they can only chat, and only from the origins you list."
        </p>
        {move || revealed.get().and_then(|key| key.secret.clone().map(|secret| view! {
            <section class="card reveal" role="status" data-testid="new-key">
                <h2>"Copy your new key now"</h2>
                <p>"This is the only time " <strong>{key.name.clone()}</strong> " is shown in full. Store it in your secrets manager."</p>
                <div class="secret-row">
                    <code data-testid="new-key-secret">{secret.clone()}</code>
                    <CopyButton text=Signal::derive(move || secret.clone())/>
                </div>
            </section>
        }))}
        <CreateKeyForm create=create/>
        <section class="card" aria-labelledby="key-list">
            <h2 id="key-list">"Your keys"</h2>
            {action_error(roll.value())}
            {action_error(revoke.value())}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || keys.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>"No keys yet."</p> }.into_any(),
                    Ok(list) => view! { <KeyTable keys=list roll=roll revoke=revoke/> }.into_any(),
                    Err(err) => error_view(err),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CreateKeyForm(create: ServerAction<CreateKey>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let publishable = RwSignal::new(false);
    let origins = RwSignal::new(String::new());
    let scopes = RwSignal::new(API_SCOPES.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let kind = if publishable.get() { "publishable" } else { "secret" };
        let chosen = if publishable.get() { vec!["chat:write".to_owned()] } else { scopes.get() };
        create.dispatch(CreateKey {
            key: CreateApiKey {
                name: name.get(),
                kind: Some(kind.to_owned()),
                scopes: chosen,
                allowed_origins: origins.get().split_whitespace().map(str::to_owned).collect(),
                expires_at: None,
            },
        });
    };
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <section class="card" aria-labelledby="create-key">
            <h2 id="create-key">"Create a key"</h2>
            <form inert=waiting class="form" on:submit=submit data-testid="create-key-form">
                <label for="key-name">"Name"</label>
                <input id="key-name" type="text" required=true maxlength="100" placeholder="Production server"
                    prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <fieldset class="choices">
                    <legend>"Kind"</legend>
                    <label><input type="radio" name="kind" checked=true on:change=move |_| publishable.set(false)/>" Secret (server)"</label>
                    <label><input type="radio" name="kind" on:change=move |_| publishable.set(true)/>" Publishable (browser, chat only)"</label>
                </fieldset>
                <Show when=move || !publishable.get()>
                    <fieldset class="choices scopes">
                        <legend>"Scopes"</legend>
                        {API_SCOPES.iter().map(|scope| {
                            let scope = (*scope).to_owned();
                            let value = scope.clone();
                            view! {
                                <label>
                                    <input type="checkbox"
                                        prop:checked={let s = scope.clone(); move || scopes.with(|list| list.contains(&s))}
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            scopes.update(|list| {
                                                list.retain(|s| s != &value);
                                                if on { list.push(value.clone()); }
                                            });
                                        }/>
                                    " " <code>{scope}</code>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                </Show>
                <label for="key-origins">"Allowed origins"</label>
                <textarea id="key-origins" rows="2" placeholder="https://shop.example.com"
                    prop:value=origins on:input=move |ev| origins.set(event_target_value(&ev))></textarea>
                <p class="hint">"One per line. Requests from any other origin are refused. Required for publishable keys; leave empty for server keys."</p>
                {action_error(create.value())}
                <button type="submit" disabled=move || create.pending().get()>"Create key"</button>
            </form>
        </section>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKey>, roll: ServerAction<RollKey>, revoke: ServerAction<RevokeKey>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="key-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Origins"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {keys.into_iter().map(|key| view! { <KeyRow key=key roll=roll revoke=revoke/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn KeyRow(key: ApiKey, roll: ServerAction<RollKey>, revoke: ServerAction<RevokeKey>) -> impl IntoView {
    let overlap = RwSignal::new(86_400_i64);
    let (roll_id, revoke_id) = (key.id.clone(), key.id.clone());
    let name = key.name.clone();
    let confirm_name = key.name.clone();
    view! {
        <tr data-testid="key-row">
            <td>{key.name.clone()}</td>
            <td class="nowrap"><code>{format!("{}…{}", key.prefix, key.last_four)}</code></td>
            <td class="scopes">{scope_summary(&key.scopes)}</td>
            <td>{if key.allowed_origins.is_empty() { "any".to_owned() } else { key.allowed_origins.join(", ") }}</td>
            <td>{day(&key.created_at)}</td>
            <td>{key.last_used_at.as_deref().map_or_else(|| "never".to_owned(), day)}</td>
            <td>{key.expires_at.as_deref().map_or_else(|| "never".to_owned(), day)}</td>
            <td class="actions">
                <label class="visually-hidden" for=format!("overlap-{}", key.id)>{format!("How long {name} keeps working")}</label>
                <select id=format!("overlap-{}", key.id) on:change=move |ev| overlap.set(event_target_value(&ev).parse().unwrap_or(86_400))>
                    <option value="86400" selected=true>"old key works 24 h"</option>
                    <option value="3600">"old key works 1 h"</option>
                    <option value="604800">"old key works 7 days"</option>
                    <option value="0">"old key stops now"</option>
                </select>
                <button type="button" class="secondary"
                    on:click=move |_| { roll.dispatch(RollKey { id: roll_id.clone(), expires_in_seconds: overlap.get() }); }>
                    "Roll"
                </button>
                <button type="button" class="danger"
                    on:click=move |_| {
                        if confirm(&format!("Revoke {confirm_name}? Requests with it fail at once.")) {
                            revoke.dispatch(RevokeKey { id: revoke_id.clone() });
                        }
                    }>
                    "Revoke"
                </button>
            </td>
        </tr>
    }
}

/// Scopes as the table shows them: every scope in two words, otherwise the list.
fn scope_summary(scopes: &[String]) -> String {
    if API_SCOPES.iter().all(|scope| scopes.iter().any(|s| s == scope)) {
        "all scopes".to_owned()
    } else {
        scopes.join(", ")
    }
}

/// The date part of an RFC 3339 time.
fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}
