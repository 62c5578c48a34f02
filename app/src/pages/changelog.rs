//! The "Changelog" page: CHANGELOG.md of this build, parsed on the server into versions and
//! sections whose items arrive as sanitised HTML.

use leptos::prelude::*;

use crate::api::docs::{Changelog, get_changelog};
use crate::pages::docs::{DocsNav, loaded};

#[component]
pub fn ChangelogPage() -> impl IntoView {
    let changelog = Resource::new(|| (), |()| get_changelog());
    view! {
        <div class="docs">
            <DocsNav/>
            <div class="docs-body">
                <h1>"Changelog"</h1>
                <p class="lead">"What changed in Parlor, newest first, in the form of Keep a Changelog."</p>
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || changelog.get().map(|result| loaded(result, |changelog| view! { <Versions changelog/> }.into_any()))}
                </Suspense>
            </div>
        </div>
    }
}

#[component]
fn Versions(changelog: Changelog) -> impl IntoView {
    view! {
        <nav class="card toc" aria-labelledby="versions">
            <h2 id="versions">"Versions"</h2>
            <ul>
                {changelog.versions.iter().map(|version| view! {
                    <li><a href=format!("#{}", version.anchor)>{version.name.clone()}</a>
                        {version.date.clone().map(|date| view! { " " <span class="muted">{date}</span> })}</li>
                }).collect_view()}
            </ul>
        </nav>
        {changelog.versions.into_iter().map(|version| {
            let heading = format!("{}-title", version.anchor);
            let labelled_by = heading.clone();
            view! {
                <section class="card version" id=version.anchor aria-labelledby=labelled_by data-testid="changelog-version">
                    <h2 id=heading>
                        {version.name}
                        {version.date.map(|date| view! { " " <span class="muted date">{date}</span> })}
                    </h2>
                    {version.sections.into_iter().map(|section| view! {
                        <h3>{section.name}</h3>
                        // The server escapes the items' text and keeps only safe tags and http(s) links.
                        <ul class="changes">
                            {section.items.into_iter().map(|item| view! { <li inner_html=item></li> }).collect_view()}
                        </ul>
                    }).collect_view()}
                </section>
            }
        }).collect_view()}
    }
}
