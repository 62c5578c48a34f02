//! The portal's "Usage" area: the usage report per day and each key's rate-limit standing.

use std::collections::HashMap;

use parlor_app::api::usage::{DayUsage, KeyStanding, UsageBackend, UsageOverview};
use parlor_app::api::{PortalError, RequestInfo};

use super::account::signed_in;
use super::portal_error;
use crate::db::Db;
use crate::ids::now_ms;
use crate::keys;
use crate::ratelimit::{Limited, RateLimiter};
use crate::state::AppState;
use crate::usage::{self, GroupBy};

const DAY_MS: i64 = 86_400_000;

pub struct Usage {
    db: Db,
    limiter: RateLimiter,
}

impl Usage {
    pub fn new(state: &AppState) -> Usage {
        Usage { db: state.db.clone(), limiter: state.limiter.clone() }
    }
}

#[async_trait::async_trait]
impl UsageBackend for Usage {
    async fn overview(&self, req: &RequestInfo, days: u32) -> Result<UsageOverview, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let days = i64::from(days.clamp(1, 366));
        let end = usage::next_day_start(now_ms());
        let start = end - days * DAY_MS;
        let scope = usage::Scope::Workspace(&viewer.workspace_id);
        let (totals, by_day) = usage::report(&self.db, scope, start, end, GroupBy::Day).await.map_err(portal_error)?;
        let (_, by_key) = usage::report(&self.db, scope, start, end, GroupBy::Key).await.map_err(portal_error)?;
        let per_day: HashMap<String, (i64, i64)> = by_day
            .into_iter()
            .map(|g| (g.key, (g.totals.requests, g.totals.input_tokens + g.totals.output_tokens)))
            .collect();
        let per_key: HashMap<String, i64> = by_key.into_iter().map(|g| (g.key, g.totals.requests)).collect();
        let day_list = (0..days)
            .map(|i| {
                let date = day_label(start + i * DAY_MS);
                let (requests, tokens) = per_day.get(&date).copied().unwrap_or((0, 0));
                DayUsage { date, requests, tokens }
            })
            .collect();

        let plan_name = workspace_plan(&self.db, &viewer.workspace_id).await.map_err(portal_error)?;
        let plans = &self.limiter.settings().plans;
        let plan = plans.iter().find(|p| p.name == plan_name).or_else(|| plans.first());
        let limits = self.limiter.plan_limits(&plan_name);
        let mut standings = Vec::new();
        for key in keys::list_keys(&self.db, &viewer.workspace_id).await.map_err(portal_error)? {
            let action = Limited::ApiRequest { key_id: &key.id, plan: &plan_name };
            let standing = self.limiter.peek(action).await.map_err(portal_error)?;
            let limit_per_minute = u64::from(limits.per_minute_count().unwrap_or(0));
            let (remaining, used_today) = (standing.remaining, standing.used_today);
            standings.push(KeyStanding {
                requests: per_key.get(&key.id).copied().unwrap_or(0),
                label: format!("{}…{}", key.prefix, key.last_four),
                key_id: key.id,
                name: key.name,
                limit_per_minute,
                remaining,
                used_today,
                daily_cap: limits.per_day,
            });
        }
        Ok(UsageOverview {
            plan: plan.map_or_else(|| plan_name.clone(), |p| p.name.clone()),
            days: day_list,
            total_requests: totals.requests,
            total_tokens: totals.input_tokens + totals.output_tokens,
            total_cost: totals.cost_micros as f64 / 1_000_000.0,
            keys: standings,
        })
    }
}

fn day_label(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).map(|t| t.date().to_string()).unwrap_or_default()
}

async fn workspace_plan(db: &Db, workspace_id: &str) -> crate::error::Result<String> {
    Ok(sqlx::query_scalar("SELECT plan FROM workspaces WHERE id = $1").bind(workspace_id).fetch_one(db.pool()).await?)
}
