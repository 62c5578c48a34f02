//! A bar chart of values per day, drawn as SVG on the server (no script needed), with an
//! accessible name, a title on each bar, and the numbers as a table for those who cannot see
//! the chart.

use leptos::attr::custom::custom_attribute;
use leptos::prelude::*;

/// One bar: its day, its value, and what its tooltip says.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub value: i64,
    /// The bar's title, such as "2026-01-31: 4 requests".
    pub title: String,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;

/// Bars scaled to the highest value. `name` is the chart's accessible name ("Conversations
/// started per day") and heads the table of numbers; `unit` names one value, plural
/// ("conversations"). Each bar carries `data-date` and its value in the `data-{value_name}`
/// attribute, for tests and scripts.
#[component]
pub fn BarChart(
    bars: Vec<Bar>,
    #[prop(into)] name: String,
    #[prop(into)] unit: String,
    #[prop(optional, into)] testid: String,
    #[prop(default = "value")] value_name: &'static str,
) -> impl IntoView {
    let highest = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let scale = highest.max(1) as f64;
    let slot = WIDTH / bars.len().max(1) as f64;
    let total: i64 = bars.iter().map(|b| b.value).sum();
    let summary = format!("{name}: {total} {unit} over {} days, at most {highest} on one day", bars.len());
    let value_attribute = format!("data-{value_name}");
    let column = capitalised(unit);
    let rows = bars.clone();
    view! {
        <figure class="chart-figure">
            <svg class="chart" role="img" aria-label=summary viewBox=format!("0 0 {WIDTH} {}", HEIGHT + 20.0)
                preserveAspectRatio="none" data-testid=testid>
                {bars.into_iter().enumerate().map(|(i, bar)| {
                    let height = HEIGHT * bar.value as f64 / scale;
                    let x = i as f64 * slot + slot * 0.15;
                    view! {
                        <rect class="bar" x=x y=HEIGHT - height width=slot * 0.7 height=height data-date=bar.date.clone()>
                            <title>{bar.title}</title>
                        </rect>
                    }
                    .add_any_attr(custom_attribute(value_attribute.clone(), bar.value.to_string()))
                }).collect_view()}
                <line class="axis" x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT/>
                <text class="label" x="0" y=HEIGHT + 16.0>{rows.first().map(|b| b.date.clone()).unwrap_or_default()}</text>
                <text class="label end" x=WIDTH y=HEIGHT + 16.0 text-anchor="end">{rows.last().map(|b| b.date.clone()).unwrap_or_default()}</text>
            </svg>
            <details class="chart-numbers">
                <summary>"Show the numbers"</summary>
                <table class="data">
                    <caption class="visually-hidden">{name}</caption>
                    <thead><tr><th scope="col">"Day"</th><th scope="col">{column}</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|bar| view! {
                            <tr><th scope="row">{bar.date}</th><td>{bar.value}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}

fn capitalised(mut word: String) -> String {
    if let Some(first) = word.get(..1).map(str::to_uppercase) {
        word.replace_range(..1, &first);
    }
    word
}
