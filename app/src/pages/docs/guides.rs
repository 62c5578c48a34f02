//! The guides: webhooks and their signatures, rate limits, errors, pagination,
//! authentication with scopes and allowed origins, and coming from a platform API. The prose is written here; every table and
//! sample comes from the server.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{CodeBlock, Samples, loaded};
use crate::api::docs::{
    DialectDocs, ErrorDocs, Guides, RateLimitDocs, WebhookDocs, get_error_docs, get_guides, get_platform_api_docs,
    get_rate_limit_docs, get_webhook_docs,
};

fn limit<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "no limit".to_owned(), |n| n.to_string())
}

#[component]
pub fn WebhooksSection() -> impl IntoView {
    let data = Resource::new(|| (), |()| get_webhook_docs());
    view! {
        <h1>"Webhooks"</h1>
        <p class="lead">
            "Parlor tells your server what happens as it happens: it POSTs a JSON body "
            <code>"{\"event\", \"timestamp\", \"data\"}"</code> " to each endpoint you add on the "
            <A href="/webhooks">"Webhooks"</A> " page (or with " <code>"POST /api/v2/webhooks"</code> ")."
        </p>
        <p>
            "Answer with any 2xx status within a few seconds. Other answers and timeouts are retried with growing "
            "pauses (a " <code>"Retry-After"</code> " is honoured), and " <code>"410 Gone"</code> " stops them. "
            "Delivery is at least once: a retried event keeps its " <code>"webhook-id"</code> ", so keep the ids "
            "you have handled and skip repeats."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| loaded(result, |docs| view! { <Webhooks docs/> }.into_any()))}
        </Suspense>
    }
}

#[component]
fn Webhooks(docs: WebhookDocs) -> impl IntoView {
    let example = docs.example.clone();
    view! {
        <section aria-labelledby="events">
            <h2 id="events">"Events"</h2>
            <p>
                "Subscribe to all events or to chosen ones. Endpoints that chose classic names receive the "
                "classic name in " <code>"event"</code> " instead."
            </p>
            <div class="table-wrap" tabindex="0">
                <table class="data" data-testid="webhook-events">
                    <thead><tr>
                        <th scope="col">"Event"</th><th scope="col">"Classic name"</th><th scope="col">"When"</th>
                    </tr></thead>
                    <tbody>
                        {docs.events.iter().map(|event| view! {
                            <tr>
                                <td><a href=format!("#event-{}", event.name.replace('.', "-"))><code>{event.name.clone()}</code></a></td>
                                <td>{event.classic.clone().map(|c| view! { <code>{c}</code> })}</td>
                                <td>{event.description.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {docs.events.into_iter().map(|event| {
                let anchor = format!("event-{}", event.name.replace('.', "-"));
                let labelled_by = anchor.clone();
                view! {
                    <section class="event" aria-labelledby=labelled_by>
                        <h3 id=anchor><code>{event.name.clone()}</code></h3>
                        <p>{event.description}</p>
                        <CodeBlock code=event.payload label=format!("Copy the {} example", event.name)/>
                    </section>
                }
            }).collect_view()}
        </section>
        <section aria-labelledby="signatures">
            <h2 id="signatures">"Verifying signatures"</h2>
            <p>
                "Every delivery is signed with your endpoint's secret (" <code>"whsec_…"</code>
                ", shown once when you add the endpoint or rotate it). Check the signature before you trust "
                "the body, and check it on the body exactly as received, before parsing the JSON."
            </p>
            <div class="table-wrap" tabindex="0">
                <table class="data">
                    <thead><tr><th scope="col">"Header"</th><th scope="col">"Value"</th></tr></thead>
                    <tbody>
                        <tr><td><code>"webhook-id"</code></td><td>"The delivery's id, the same on every retry."</td></tr>
                        <tr><td><code>"webhook-timestamp"</code></td><td>"When it was sent, in Unix seconds."</td></tr>
                        <tr><td><code>"webhook-signature"</code></td><td>
                            <code>"v1,"</code> " and the base64 HMAC-SHA256 of " <code>"id.timestamp.body"</code>
                            ", keyed by the base64-decoded part of the secret after " <code>"whsec_"</code>
                            " (the Standard Webhooks scheme). During a rotation one entry per secret, separated by spaces."
                        </td></tr>
                        <tr><td><code>"X-Parlor-Signature"</code></td><td>
                            "The hex HMAC-SHA256 of the body alone, keyed by the whole secret string, for simple "
                            "receivers; during a rotation one value per secret, separated by commas. It does not "
                            "cover the timestamp, so prefer " <code>"webhook-signature"</code> "."
                        </td></tr>
                        <tr><td><code>"X-Parlor-Event"</code></td><td>"The event's name, as in the body."</td></tr>
                    </tbody>
                </table>
            </div>
            <p>
                "Refuse a delivery whose timestamp is more than five minutes from your clock (a replay), and "
                "compare signatures in constant time."
            </p>
            <h3>"A worked example"</h3>
            <p>"Parlor's own signing code made these headers; your check should accept them (with the tolerance set aside):"</p>
            <dl class="details" data-testid="signed-example">
                <dt>"Secret"</dt><dd><code>{example.secret}</code></dd>
                <dt><code>"webhook-id"</code></dt><dd><code>{example.id}</code></dd>
                <dt><code>"webhook-timestamp"</code></dt><dd><code>{example.timestamp}</code></dd>
                <dt><code>"webhook-signature"</code></dt><dd><code class="wrap">{example.standard}</code></dd>
                <dt><code>"X-Parlor-Signature"</code></dt><dd><code class="wrap">{example.simple}</code></dd>
            </dl>
            <CodeBlock code=example.body label="Copy the example body"/>
            <h3>"Code"</h3>
            <Samples samples=docs.snippets/>
        </section>
    }
}

#[component]
pub fn RateLimitsSection() -> impl IntoView {
    let data = Resource::new(|| (), |()| get_rate_limit_docs());
    view! {
        <h1>"Rate limits"</h1>
        <p class="lead">
            "Each API key is limited by its workspace's plan: a burst per second, a rate per minute and a cap "
            "per UTC day. The limits are shared by every Parlor process and survive restarts."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| loaded(result, |docs| view! { <RateLimits docs/> }.into_any()))}
        </Suspense>
    }
}

#[component]
fn RateLimits(docs: RateLimitDocs) -> impl IntoView {
    let default_plan = docs.plans.first().map(|p| p.name.clone()).unwrap_or_default();
    let megabytes = docs.max_upload_bytes as f64 / (1024.0 * 1024.0);
    view! {
        <section aria-labelledby="plans">
            <h2 id="plans">"Plans on this server"</h2>
            <div class="table-wrap" tabindex="0">
                <table class="data" data-testid="rate-limit-plans">
                    <thead><tr>
                        <th scope="col">"Plan"</th><th scope="col">"Per second"</th><th scope="col">"Per minute"</th>
                        <th scope="col">"Per day"</th>
                    </tr></thead>
                    <tbody>
                        {docs.plans.into_iter().map(|plan| {
                            let is_default = plan.name == default_plan;
                            view! {
                                <tr>
                                    <td><strong>{plan.name}</strong>{is_default.then_some(" (default)")}</td>
                                    <td>{limit(plan.per_second)}</td>
                                    <td>{limit(plan.per_minute)}</td>
                                    <td>{limit(plan.per_day)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section aria-labelledby="other-limits">
            <h2 id="other-limits">"Other limits"</h2>
            <ul>
                <li>"The widget's chat: " <strong>{docs.widget_chat_per_minute}</strong> " messages a minute per visitor IP address."</li>
                <li>"Knowledge scrapes (and " <code>"url"</code> " sources): " <strong>{docs.scrapes}</strong> " per key."</li>
                <li>"Knowledge uploads (and " <code>"document"</code> " sources): " <strong>{docs.uploads}</strong> " per key."</li>
                <li>"The largest upload: " <strong>{format!("{megabytes:.0} MB")}</strong> " (larger files are refused with 413)."</li>
            </ul>
        </section>
        <section aria-labelledby="limit-headers">
            <h2 id="limit-headers">"Headers"</h2>
            <div class="table-wrap" tabindex="0">
                <table class="data">
                    <thead><tr><th scope="col">"Header"</th><th scope="col">"Meaning"</th></tr></thead>
                    <tbody>
                        <tr><td><code>"X-RateLimit-Limit"</code></td><td>"Requests a minute your plan allows (the daily cap when only that is set)."</td></tr>
                        <tr><td><code>"X-RateLimit-Remaining"</code></td><td>"Requests left before that limit refuses."</td></tr>
                        <tr><td><code>"X-RateLimit-Reset"</code></td><td>"When the limit is whole again, in Unix seconds."</td></tr>
                        <tr><td><code>"Retry-After"</code></td><td>"On a 429 answer only: seconds to wait before trying again."</td></tr>
                    </tbody>
                </table>
            </div>
            <p>
                "A refused request is " <code>"429"</code> " with the code " <code>"RATE_LIMITED"</code>
                " and changes nothing. Wait " <code>"Retry-After"</code> " seconds, then retry; spread "
                "steady work out rather than sending it in bursts. The " <A href="/usage">"Usage"</A>
                " page shows where each key stands."
            </p>
        </section>
    }
}

#[component]
pub fn ErrorsSection() -> impl IntoView {
    let data = Resource::new(|| (), |()| get_error_docs());
    view! {
        <h1>"Errors"</h1>
        <p class="lead">
            "Every error, on every path of the API and the widget API, is one JSON body with a stable "
            <code>"code"</code> ", a sentence for you, and the request's id."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| loaded(result, |docs| view! { <Errors docs/> }.into_any()))}
        </Suspense>
    }
}

#[component]
fn Errors(docs: ErrorDocs) -> impl IntoView {
    view! {
        <section aria-labelledby="error-body">
            <h2 id="error-body">"The error body"</h2>
            <CodeBlock code=docs.example label="Copy the example"/>
            <p>
                "Branch on " <code>"code"</code> ", never on " <code>"message"</code> ", whose words may change. "
                "The " <code>"request_id"</code> " is also the " <code>"X-Request-Id"</code> " header (send your own "
                "to follow a request through your logs and ours); quote it when you report a problem."
            </p>
        </section>
        <section aria-labelledby="error-codes">
            <h2 id="error-codes">"Codes"</h2>
            <div class="table-wrap" tabindex="0">
                <table class="data" data-testid="error-codes">
                    <thead><tr>
                        <th scope="col">"Status"</th><th scope="col">"Code"</th><th scope="col">"Meaning"</th>
                    </tr></thead>
                    <tbody>
                        {docs.codes.into_iter().map(|code| view! {
                            <tr><td>{code.status}</td><td><code>{code.code}</code></td><td>{code.meaning}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p>
                "Retry " <code>"429"</code> " after " <code>"Retry-After"</code> " and " <code>"500"</code>
                " with a backoff; the other codes need a change to the request."
            </p>
        </section>
    }
}

#[component]
pub fn PaginationSection() -> impl IntoView {
    let data = Resource::new(|| (), |()| get_guides());
    view! {
        <h1>"Pagination"</h1>
        <p class="lead">
            "Lists come a page at a time, newest first, as "
            <code>"{\"object\": \"list\", \"data\": […], \"has_more\": …, \"next_cursor\": …}"</code> "."
        </p>
        <ul>
            <li><code>"limit"</code> ": how many items a page holds, 1 to 100 (20 when left out)."</li>
            <li><code>"cursor"</code> ": the " <code>"next_cursor"</code> " of the page before, for the next page."</li>
        </ul>
        <p>
            "Keep asking while " <code>"has_more"</code> " is true. Cursors point between items, so items "
            "added meanwhile neither repeat nor shift the pages you have not read yet."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| loaded(result, |guides| view! {
                <section aria-labelledby="first-page">
                    <h2 id="first-page">"The first page"</h2>
                    <Samples samples=guides.first_page/>
                </section>
                <section aria-labelledby="next-page">
                    <h2 id="next-page">"The next page"</h2>
                    <p>"Put the previous answer's " <code>"next_cursor"</code> " in place of " <code>"NEXT_CURSOR"</code> "."</p>
                    <Samples samples=guides.next_page/>
                </section>
            }.into_any()))}
        </Suspense>
    }
}

#[component]
pub fn AuthenticationSection() -> impl IntoView {
    let data = Resource::new(|| (), |()| get_guides());
    view! {
        <h1>"Authentication"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| loaded(result, |guides| view! { <Authentication guides/> }.into_any()))}
        </Suspense>
    }
}

#[component]
fn Authentication(guides: Guides) -> impl IntoView {
    view! {
        <section aria-labelledby="api-keys">
            <h2 id="api-keys">"API keys"</h2>
            <p>
                "Every request to " <code>{format!("{}/api/…", guides.base_url)}</code> " carries a key in the "
                <code>"Authorization: Bearer <key>"</code> " header. Create keys on the "
                <A href="/keys">"API Keys"</A> " page; a key is shown only once, and Parlor keeps only its hash."
            </p>
            <ul>
                <li><strong>"Secret keys"</strong> " (" <code>"sk_…"</code> ") are for your servers. Never put one in a page or an app."</li>
                <li><strong>"Publishable keys"</strong> " (" <code>"pk_…"</code> ") may sit in a page: they can only chat, and only from their allowed origins."</li>
            </ul>
            <p>
                "A key can expire, be revoked, or be rolled with an overlap during which the old and the new one both "
                "work. A refused key answers " <code>"401"</code> " with a code that says why; see "
                <A href="/docs/errors">"Errors"</A> "."
            </p>
            <Samples samples=guides.auth_samples/>
        </section>
        <section aria-labelledby="scopes">
            <h2 id="scopes">"Scopes"</h2>
            <p>
                "A key holds the scopes chosen when it was made, and each endpoint needs one of them; without it "
                "the answer is " <code>"403 MISSING_SCOPE"</code> ". Give each key only what it needs. A key "
                "creating another key cannot grant scopes it lacks."
            </p>
            <div class="table-wrap" tabindex="0">
                <table class="data" data-testid="scopes">
                    <thead><tr><th scope="col">"Scope"</th><th scope="col">"Allows"</th></tr></thead>
                    <tbody>
                        {guides.scopes.into_iter().map(|scope| view! {
                            <tr><td><code>{scope.name}</code></td><td>{scope.description}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section aria-labelledby="origins">
            <h2 id="origins">"Allowed origins"</h2>
            <p>"Two settings decide which web pages may talk to Parlor from a browser:"</p>
            <ul>
                <li>
                    <strong>"A key's allowed origins"</strong> ". A request from a page sends its "
                    <code>"Origin"</code> "; when the key lists origins, the page's must be one of them. A "
                    "publishable key must list its origins and works only from them. A secret key without a "
                    "list is not checked at all, which is one more reason to keep secret keys out of pages."
                </li>
                <li>
                    <strong>"A chatbot's allowed origins"</strong> " (its " <code>"allowed_origins"</code>
                    " setting, on its page under " <A href="/chatbots">"Chatbots"</A> "). When set, the widget "
                    "works only on those sites; when empty, on any site."
                </li>
            </ul>
            <p>
                "An origin is " <code>"scheme://host[:port]"</code> ", such as " <code>"https://shop.example.com"</code>
                ", without a path or wildcards. A refused origin answers " <code>"403 ORIGIN_NOT_ALLOWED"</code> "."
            </p>
        </section>
    }
}

#[component]
pub fn PlatformApiSection() -> impl IntoView {
    let data = Resource::new(|| (), |()| get_platform_api_docs());
    view! {
        <h1>"Coming from a platform API"</h1>
        <p class="lead">
            "A client written for a chatbot platform API with " <code>"/bots"</code> " and "
            <code>"/conversations"</code> " (the API of seed 003's product) keeps working here: change its host to "
            "the base URL below and its key to a Parlor API key."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| loaded(result, |docs| view! { <PlatformApi docs/> }.into_any()))}
        </Suspense>
    }
}

#[component]
fn PlatformApi(docs: DialectDocs) -> impl IntoView {
    view! {
        <section aria-labelledby="platform-base">
            <h2 id="platform-base">"Base URL and authentication"</h2>
            <p>"Every path below starts at " <code data-testid="platform-base">{docs.base_url.clone()}</code> "."</p>
            <p>
                "Send " <code>"Authorization: Bearer <key>"</code> " with a key from the " <A href="/keys">"API Keys"</A>
                " page. Its scopes apply as everywhere else: " <code>"chatbots:read"</code> " and "
                <code>"chatbots:write"</code> " for bots, " <code>"conversations:read"</code> " and "
                <code>"conversations:write"</code> " for conversations and messages. The key's plan limits the "
                "requests, with the " <code>"X-RateLimit-*"</code> " headers on every answer and "
                <code>"429"</code> " beyond them; see " <A href="/docs/rate-limits">"Rate limits"</A> "."
            </p>
        </section>
        <section aria-labelledby="platform-nouns">
            <h2 id="platform-nouns">"Its nouns in Parlor"</h2>
            <div class="table-wrap" tabindex="0">
                <table class="data" data-testid="platform-nouns">
                    <thead><tr><th scope="col">"Platform API"</th><th scope="col">"Parlor"</th></tr></thead>
                    <tbody>
                        <tr><td>"bot"</td><td>"chatbot: the same id and the same JSON as " <code>"/api/v2/chatbots"</code> " (" <code>"\"object\": \"chatbot\""</code> ")"</td></tr>
                        <tr><td>"conversation"</td><td>"conversation, with its " <code>"message_count"</code></td></tr>
                        <tr><td>"message"</td><td>"a conversation's message: " <code>"role"</code> " (" <code>"user"</code> ", " <code>"assistant"</code> ", or " <code>"admin"</code> " for a person's reply), " <code>"content"</code> ", " <code>"citations"</code></td></tr>
                        <tr><td>"team"</td><td>"workspace: a key reaches only its own; another workspace's bot or conversation is " <code>"404"</code></td></tr>
                    </tbody>
                </table>
            </div>
            <p>"Integrations, channels and agent loops are not served yet."</p>
        </section>
        <section aria-labelledby="platform-pages">
            <h2 id="platform-pages">"Pages and answers"</h2>
            <p>
                "Lists take " <code>"page"</code> " (from 1) and " <code>"per_page"</code> " (20 by default, at most "
                "100) and answer " <code>"{\"data\": […], \"meta\": {\"page\", \"per_page\", \"total\", \"has_more\"}}"</code>
                ". A " <code>"per_page"</code> " above 100 is not clamped: it answers " <code>"422 VALIDATION_FAILED"</code>
                ". A page past the end is empty, with " <code>"has_more"</code> " false; any other parameter is a "
                <code>"400"</code> "."
            </p>
            <p>
                "A create answers " <code>"201"</code> " and a delete " <code>"200"</code> " with "
                <code>"{\"id\", \"object\", \"deleted\": true}"</code> ". Errors are the JSON body of every Parlor "
                "error; see " <A href="/docs/errors">"Errors"</A> "."
            </p>
        </section>
        <section aria-labelledby="platform-requests">
            <h2 id="platform-requests">"Requests"</h2>
            <p>
                "Each command runs as it is once your key replaces " <code>"YOUR_API_KEY"</code>
                " (and a conversation's id replaces " <code>"YOUR_CONVERSATION_ID"</code> ")."
            </p>
            {docs.requests.into_iter().map(|request| view! {
                <div class="dialect-request" data-request=format!("{} {}", request.method, request.path)>
                    <h3><code>{format!("{} {}", request.method, request.path)}</code> " · " {request.summary}</h3>
                    <CodeBlock code=request.curl label="Copy command"/>
                </div>
            }).collect_view()}
        </section>
    }
}
