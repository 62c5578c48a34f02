//! "Usage": chat requests per day as a server-rendered SVG bar chart, totals, and each key's
//! standing against the plan's rate limits.

use leptos::prelude::*;

use crate::api::usage::{DayUsage, UsageOverview, get_usage};
use crate::components::chart::{Bar, BarChart};
use crate::components::error_view;

/// The page is an island: choosing a period reloads the chart in place.
#[island]
pub fn UsagePage() -> impl IntoView {
    let days = RwSignal::new(30_u32);
    let usage = Resource::new(move || days.get(), get_usage);
    view! {
        <h1>"Usage"</h1>
        <div class="toolbar">
            <label for="usage-days">"Period"</label>
            <select id="usage-days" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(30))>
                <option value="7">"Last 7 days"</option>
                <option value="30" selected=true>"Last 30 days"</option>
                <option value="90">"Last 90 days"</option>
            </select>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || usage.get().map(|result| match result {
                Ok(overview) => view! { <Overview overview=overview/> }.into_any(),
                Err(err) => error_view(err),
            })}
        </Transition>
    }
}

#[component]
fn Overview(overview: UsageOverview) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="usage-chart">
            <h2 id="usage-chart">"Chat requests per day"</h2>
            <p class="totals" data-testid="usage-totals">
                {format!("{} requests · {} tokens · ${:.4} · plan {}", overview.total_requests, overview.total_tokens, overview.total_cost, overview.plan)}
            </p>
            {(overview.total_requests == 0).then(|| view! {
                <p class="muted">"No chat requests in this period yet. They appear here as your visitors and your API calls chat."</p>
            })}
            <BarChart bars=bars(&overview.days) name="Chat requests per day" unit="requests" testid="usage-chart"
                value_name="requests"/>
        </section>
        <section class="card" aria-labelledby="key-limits">
            <h2 id="key-limits">"Keys and their limits"</h2>
            <div class="table-wrap">
                <table class="data" data-testid="key-limits">
                    <thead><tr>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Chat requests"</th>
                        <th scope="col">"Left this minute"</th>
                        <th scope="col">"API requests today"</th>
                    </tr></thead>
                    <tbody>
                        {overview.keys.into_iter().map(|key| view! {
                            <tr>
                                <td>{key.name} " " <code>{key.label}</code></td>
                                <td>{key.requests}</td>
                                <td>{format!("{} of {}", key.remaining, key.limit_per_minute)}</td>
                                <td>{match key.daily_cap {
                                    Some(cap) => format!("{} of {}", key.used_today, cap),
                                    None => format!("{} (no daily cap)", key.used_today),
                                }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Each day as a bar of its chat requests, its tokens in the title.
fn bars(days: &[DayUsage]) -> Vec<Bar> {
    days.iter()
        .map(|day| Bar {
            date: day.date.clone(),
            value: day.requests,
            title: format!("{}: {} requests, {} tokens", day.date, day.requests, day.tokens),
        })
        .collect()
}
