//! The API reference: every operation of the OpenAPI document, grouped by tag, with its
//! parameters, request body, responses and code samples.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{Samples, loaded};
use crate::api::docs::{ApiReference, OperationDoc, get_api_reference};

#[component]
pub fn ReferenceSection() -> impl IntoView {
    let reference = Resource::new(|| (), |()| get_api_reference());
    view! {
        <h1>"API reference"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || reference.get().map(|result| loaded(result, |reference| view! { <Reference reference/> }.into_any()))}
        </Suspense>
    }
}

#[component]
fn Reference(reference: ApiReference) -> impl IntoView {
    let count: usize = reference.groups.iter().map(|g| g.operations.len()).sum();
    view! {
        <p class="lead">
            "Every endpoint of this server (" {count} " operations), from its OpenAPI 3.1 document at "
            <a href="/api/openapi.json"><code>"/api/openapi.json"</code></a> ". Requests go to "
            <code>{reference.base_url.clone()}</code> " with an API key (see " <A href="/docs/authentication">"Authentication"</A>
            "), except the widget's, which browsers call without one."
        </p>
        <nav class="card toc" aria-labelledby="reference-contents">
            <h2 id="reference-contents">"Contents"</h2>
            <ul>
                {reference.groups.iter().map(|group| view! {
                    <li>
                        <a href=format!("#{}", group.anchor)>{group.name.clone()}</a>
                        <ul>
                            {group.operations.iter().map(|op| view! {
                                <li><a href=format!("#{}", op.anchor)>
                                    <span class="method">{op.method.clone()}</span> " " <code>{op.path.clone()}</code>
                                </a></li>
                            }).collect_view()}
                        </ul>
                    </li>
                }).collect_view()}
            </ul>
        </nav>
        {reference.groups.into_iter().map(|group| view! {
            <section class="tag-group" aria-labelledby=group.anchor>
                <h2 id=group.anchor.clone()>{group.name}</h2>
                {group.operations.into_iter().map(|op| view! { <Operation op/> }).collect_view()}
            </section>
        }).collect_view()}
    }
}

#[component]
fn Operation(op: OperationDoc) -> impl IntoView {
    let method_class = format!("method method-{}", op.method.to_lowercase());
    let heading = format!("{}-title", op.anchor);
    let labelled_by = heading.clone();
    let title = if op.summary.is_empty() { format!("{} {}", op.method, op.path) } else { op.summary.clone() };
    view! {
        <article class="card operation" id=op.anchor.clone() aria-labelledby=labelled_by>
            <h3 id=heading>{title}</h3>
            <p class="endpoint">
                <span class=method_class>{op.method.clone()}</span> " " <code>{op.path.clone()}</code>
                {(!op.authenticated).then(|| view! { " " <span class="badge">"no API key"</span> })}
                {op.streams.then(|| view! { " " <span class="badge">"server-sent events"</span> })}
            </p>
            {(!op.description.is_empty()).then(|| view! { <p class="description">{op.description.clone()}</p> })}
            {(!op.parameters.is_empty()).then(|| view! {
                <h4>"Parameters"</h4>
                <div class="table-wrap" tabindex="0">
                    <table class="data">
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Type"</th>
                            <th scope="col">"Description"</th>
                        </tr></thead>
                        <tbody>
                            {op.parameters.iter().map(|p| view! {
                                <tr>
                                    <td><code>{p.name.clone()}</code>{p.required.then_some(" (required)")}</td>
                                    <td>{p.location.clone()}</td>
                                    <td>{p.kind.clone()}</td>
                                    <td>{p.description.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {op.body_type.clone().map(|body_type| view! {
                <h4>"Request body"</h4>
                <p class="hint"><code>{body_type}</code></p>
                {(!op.body_fields.is_empty()).then(|| view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data">
                            <thead><tr>
                                <th scope="col">"Field"</th><th scope="col">"Type"</th><th scope="col">"Description"</th>
                            </tr></thead>
                            <tbody>
                                {op.body_fields.iter().map(|f| view! {
                                    <tr>
                                        <td><code>{f.name.clone()}</code>{f.required.then_some(" (required)")}</td>
                                        <td>{f.kind.clone()}</td>
                                        <td>{f.description.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })}
            })}
            <h4>"Responses"</h4>
            <ul class="responses">
                {op.responses.iter().map(|r| view! {
                    <li>
                        <strong>{r.status.clone()}</strong> " " {r.description.clone()}
                        {(!r.content_types.is_empty()).then(|| view! { " " <span class="hint">{format!("({})", r.content_types.join(", "))}</span> })}
                    </li>
                }).collect_view()}
            </ul>
            <h4>"Examples"</h4>
            <Samples samples=op.samples/>
        </article>
    }
}
