//! Usage reports: `GET /api/v2/usage` (a workspace, grouped as asked) and `GET /api/v1/usage`
//! (the seed's shape: one key's usage, by model).

use axum::Json;
use axum::extract::State;
use parlor_protocol::wire;
use serde::Deserialize;

use super::extract::{AppQuery, Authenticated};
use crate::error::Error;
use crate::ids::now_ms;
use crate::keys::Scope;
use crate::state::AppState;
use crate::usage::{self, GroupBy, Totals};

const DEFAULT_DAYS: i64 = 30;

/// The period and grouping of a usage report.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    /// The first day (`YYYY-MM-DD`, UTC); 30 days before `end_date` by default.
    #[param(example = "2026-04-01")]
    start_date: Option<String>,
    /// The last day, included (`YYYY-MM-DD`, UTC); today by default.
    #[param(example = "2026-04-30")]
    end_date: Option<String>,
    /// `day` (the default), `model`, `chatbot` or `key` (`/api/v2/usage` only).
    #[param(example = "model")]
    group_by: Option<String>,
    /// Accepted for the seed's `/api/v1/usage?api_key=…`; authentication reads it, not this.
    /// Prefer the `Authorization` header: URLs end up in logs.
    #[serde(default, rename = "api_key")]
    _api_key: Option<String>,
}

/// The period `[start, end)` in milliseconds: `end_date` is inclusive and defaults to today,
/// `start_date` defaults to 30 days before it.
fn period(params: &UsageParams) -> Result<(i64, i64), Error> {
    let end = match &params.end_date {
        Some(date) => usage::next_day_start(usage::parse_date(date)?),
        None => usage::next_day_start(now_ms()),
    };
    let start = match &params.start_date {
        Some(date) => usage::parse_date(date)?,
        None => end - DEFAULT_DAYS * 86_400_000,
    };
    if start >= end {
        return Err(Error::Validation("start_date must not be after end_date".into()));
    }
    Ok((start, end))
}

fn dollars(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

fn totals_json(totals: &Totals) -> wire::UsageTotals {
    wire::UsageTotals {
        requests: totals.requests,
        input_tokens: totals.input_tokens,
        output_tokens: totals.output_tokens,
        total_tokens: totals.input_tokens + totals.output_tokens,
        cost: dollars(totals.cost_micros),
    }
}

fn date_of(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).map(|t| t.date().to_string()).unwrap_or_default()
}

/// Get the workspace's usage
///
/// Requests, tokens and cost (in US dollars) of the workspace's chat answers over a period of
/// days, in total and grouped by day, model, chatbot or key (visitors' chats through the widget
/// count under the key `widget`). Needs the `usage:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/usage",
    tag = "Usage",
    params(UsageParams),
    responses((status = 200, description = "The usage report.", body = wire::UsageReport)),
)]
pub async fn get_usage(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<UsageParams>,
) -> Result<Json<wire::UsageReport>, Error> {
    caller.require(Scope::UsageRead)?;
    let (start, end) = period(&params)?;
    let group_by = GroupBy::parse(params.group_by.as_deref().unwrap_or("day"))?;
    let (totals, groups) =
        usage::report(&state.db, usage::Scope::Workspace(&caller.workspace_id), start, end, group_by).await?;
    Ok(Json(wire::UsageReport {
        object: "usage".into(),
        start_date: date_of(start),
        end_date: date_of(end - 1),
        group_by: params.group_by.unwrap_or_else(|| "day".into()),
        totals: totals_json(&totals),
        groups: groups.iter().map(|g| wire::UsageGroup { key: g.key.clone(), usage: totals_json(&g.totals) }).collect(),
    }))
}

/// Get this key's usage (v1)
///
/// The calling key's own usage by model, in the shape of the first API version. The key may also
/// be given as the `api_key` query parameter, on this path only. Needs the `usage:read` scope.
#[utoipa::path(
    get,
    path = "/api/v1/usage",
    tag = "Usage",
    params(UsageParams),
    responses((status = 200, description = "The key's usage, by model.", body = wire::UsageV1)),
)]
pub async fn get_key_usage_v1(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<UsageParams>,
) -> Result<Json<wire::UsageV1>, Error> {
    caller.require(Scope::UsageRead)?;
    let (start, end) = period(&params)?;
    let scope = usage::Scope::Key { workspace_id: &caller.workspace_id, key_id: &caller.key_id };
    let (totals, by_model) = usage::report(&state.db, scope, start, end, GroupBy::Model).await?;
    Ok(Json(wire::UsageV1 {
        success: true,
        usage: wire::UsageV1Totals {
            total_requests: totals.requests,
            total_input_tokens: totals.input_tokens,
            total_output_tokens: totals.output_tokens,
            total_tokens: totals.input_tokens + totals.output_tokens,
            total_cost: dollars(totals.cost_micros),
        },
        by_model: by_model
            .iter()
            .map(|g| wire::UsageV1Model {
                model: g.key.clone(),
                requests: g.totals.requests,
                input_tokens: g.totals.input_tokens,
                output_tokens: g.totals.output_tokens,
                total_tokens: g.totals.input_tokens + g.totals.output_tokens,
                cost: dollars(g.totals.cost_micros),
            })
            .collect(),
    }))
}
