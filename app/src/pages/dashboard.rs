//! The signed-in home: the workspace, the first steps to a working chatbot, and its chatbots'
//! activity per day (conversations, messages, escalations, leads, tokens) as server-rendered
//! charts. The period and the chatbot are in the address (`/dashboard?days=30&chatbot=…`), set
//! by a plain GET form, so the page works without script and can be linked to.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::PortalError;
use crate::api::account::current_viewer;
use crate::api::dashboard::{DEFAULT_DAYS, DashboardReport, PERIODS, Series, get_dashboard};
use crate::api::server_info::get_server_info;
use crate::components::chart::{Bar, BarChart};
use crate::components::error_view;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(
        || (),
        |()| async move {
            let viewer = current_viewer().await?.ok_or(PortalError::SignedOut)?;
            let info = get_server_info().await.map_err(|err| PortalError::Transport(err.to_string()))?;
            Ok::<_, PortalError>((viewer, info))
        },
    );
    let query = use_query_map();
    let days = Memo::new(move |_| {
        query
            .with(|q| q.get("days"))
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|d| PERIODS.contains(d))
            .unwrap_or(DEFAULT_DAYS)
    });
    let chatbot = Memo::new(move |_| query.with(|q| q.get("chatbot")).filter(|id| !id.is_empty()));
    let report = Resource::new(move || (days.get(), chatbot.get()), |(days, chatbot)| get_dashboard(days, chatbot));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok((viewer, info)) => view! {
                    <h1>{viewer.workspace_name}</h1>
                    <section class="card" aria-labelledby="first-steps">
                        <h2 id="first-steps">"First steps"</h2>
                        <ol class="steps">
                            <li><A href="/keys">"Create a secret API key"</A>" and keep it somewhere safe: it is shown once."</li>
                            <li><A href="/chatbots">"Create a chatbot"</A>" on the Chatbots page, or with the API as the "
                                <A href="/docs">"quick start"</A>" shows."</li>
                            <li>"Paste the widget on your site, with the chatbot's id:"
                                <pre><code>{format!(
                                    "<script src=\"{}/widget.js\" data-chatbot-id=\"YOUR_CHATBOT_ID\" async></script>",
                                    info.public_url
                                )}</code></pre>
                            </li>
                            <li><A href="/team">"Invite your team"</A>"."</li>
                        </ol>
                    </section>
                }.into_any(),
                Err(err) => error_view(err),
            })}
        </Suspense>
        <section class="card dashboard" aria-labelledby="activity">
            <h2 id="activity">"Activity"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || report.get().map(|result| match result {
                    Ok(report) => view! { <Activity report=report/> }.into_any(),
                    Err(err) => error_view(err),
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// The period and chatbot chooser, the totals, and a chart per series.
#[component]
fn Activity(report: DashboardReport) -> impl IntoView {
    let chosen = report.chatbot_id.clone().unwrap_or_default();
    let period = report.days;
    let scope = report
        .chatbot_id
        .as_ref()
        .and_then(|id| report.chatbots.iter().find(|bot| &bot.id == id))
        .map_or_else(|| "all chatbots".to_owned(), |bot| bot.name.clone());
    let quiet = report.series.iter().all(|s| s.total == 0);
    let dates = report.dates;
    view! {
        <form class="toolbar wrap dashboard-filters" method="get" action="/dashboard" data-testid="dashboard-filters">
            <label for="dashboard-days">"Period"</label>
            <select id="dashboard-days" name="days">
                {PERIODS.into_iter().map(|days| view! {
                    <option value=days.to_string() selected={days == period}>{format!("Last {days} days")}</option>
                }).collect_view()}
            </select>
            <label for="dashboard-chatbot">"Chatbot"</label>
            <select id="dashboard-chatbot" name="chatbot">
                <option value="" selected=chosen.is_empty()>"All chatbots"</option>
                {report.chatbots.into_iter().map(|bot| {
                    let selected = bot.id == chosen;
                    view! { <option value=bot.id selected=selected>{bot.name}</option> }
                }).collect_view()}
            </select>
            <button type="submit">"Show"</button>
        </form>
        <p class="muted" data-testid="dashboard-scope">{format!("The last {period} days (UTC), {scope}.")}</p>
        {quiet.then(|| view! {
            <p class="muted">"Nothing happened in this period yet. Activity appears here as visitors talk to your chatbots."</p>
        })}
        <ul class="stat-tiles" data-testid="dashboard-totals">
            {report.series.iter().map(|series| view! {
                <li data-series=series.key.clone()>
                    <span class="stat-value">{series.total}</span>
                    <span class="stat-label">{series.label.clone()}</span>
                </li>
            }).collect_view()}
        </ul>
        <div class="chart-grid">
            {report.series.into_iter().map(|series| view! { <SeriesChart series=series dates=dates.clone()/> }).collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn SeriesChart(series: Series, dates: Vec<String>) -> impl IntoView {
    let heading = format!("chart-{}", series.key);
    let labelled_by = heading.clone();
    let name = format!("{} per day", series.label);
    let bars = dates
        .into_iter()
        .zip(series.values)
        .map(|(date, value)| Bar { title: format!("{date}: {value} {}", series.unit), date, value })
        .collect();
    view! {
        <section class="chart-card" aria-labelledby=labelled_by>
            <h3 id=heading>{series.label}</h3>
            <BarChart bars=bars name=name unit=series.unit testid=format!("chart-{}", series.key)/>
        </section>
    }
    .into_any()
}
