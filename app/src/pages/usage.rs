//! "Usage": chat requests per day as a server-rendered SVG bar chart, totals, and each key's
//! standing against the plan's rate limits.

use leptos::prelude::*;

use crate::api::usage::{DayUsage, UsageOverview, get_usage};
use crate::components::error_view;

#[component]
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
            <BarChart days=overview.days/>
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

const CHART_WIDTH: f64 = 720.0;
const CHART_HEIGHT: f64 = 160.0;

/// Bars scaled to the busiest day; each bar has a title with its date and count, and the whole
/// chart a text alternative.
#[component]
fn BarChart(days: Vec<DayUsage>) -> impl IntoView {
    let busiest = days.iter().map(|d| d.requests).max().unwrap_or(0).max(1);
    let slot = CHART_WIDTH / days.len().max(1) as f64;
    let total: i64 = days.iter().map(|d| d.requests).sum();
    let summary = format!(
        "{total} chat requests over {} days, at most {} on one day",
        days.len(),
        days.iter().map(|d| d.requests).max().unwrap_or(0)
    );
    view! {
        <svg class="chart" role="img" aria-label=summary viewBox=format!("0 0 {CHART_WIDTH} {}", CHART_HEIGHT + 20.0)
            preserveAspectRatio="none" data-testid="usage-chart">
            {days.iter().enumerate().map(|(i, day)| {
                let height = CHART_HEIGHT * day.requests as f64 / busiest as f64;
                let x = i as f64 * slot + slot * 0.15;
                view! {
                    <rect class="bar" x=x y=CHART_HEIGHT - height width=slot * 0.7 height=height
                        data-date=day.date.clone() data-requests=day.requests>
                        <title>{format!("{}: {} requests, {} tokens", day.date, day.requests, day.tokens)}</title>
                    </rect>
                }
            }).collect_view()}
            <line class="axis" x1="0" y1=CHART_HEIGHT x2=CHART_WIDTH y2=CHART_HEIGHT/>
            <text class="label" x="0" y=CHART_HEIGHT + 16.0>{days.first().map(|d| d.date.clone()).unwrap_or_default()}</text>
            <text class="label end" x=CHART_WIDTH y=CHART_HEIGHT + 16.0 text-anchor="end">{days.last().map(|d| d.date.clone()).unwrap_or_default()}</text>
        </svg>
    }
}
