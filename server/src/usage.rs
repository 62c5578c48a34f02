//! Usage accounting: every chat turn records its model, tokens and cost against the workspace,
//! the chatbot and (for API calls) the key, and the API reports them by model, chatbot, key or day.

use std::collections::HashMap;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::new_id;

const MS_PER_DAY: i64 = 86_400_000;

/// Prices of one model in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input_per_million: f64,
    pub output_per_million: f64,
}

/// Model prices, parsed from `model=input/output` pairs separated by commas, in US dollars per
/// million tokens, such as `gpt-4o-mini=0.15/0.60`. Models without a price cost nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceList(HashMap<String, Price>);

impl PriceList {
    pub fn parse(text: &str) -> Result<PriceList> {
        let mut prices = HashMap::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let invalid = || Error::Validation(format!("{part:?} is not a price such as gpt-4o-mini=0.15/0.60"));
            let (model, numbers) = part.split_once('=').ok_or_else(invalid)?;
            let (input, output) = numbers.split_once('/').ok_or_else(invalid)?;
            let input: f64 = input.trim().parse().map_err(|_| invalid())?;
            let output: f64 = output.trim().parse().map_err(|_| invalid())?;
            if !(input.is_finite() && output.is_finite() && input >= 0.0 && output >= 0.0) {
                return Err(invalid());
            }
            prices.insert(model.trim().to_owned(), Price { input_per_million: input, output_per_million: output });
        }
        Ok(PriceList(prices))
    }

    /// The cost of a turn in millionths of a dollar (integers add up exactly).
    pub fn cost_micros(&self, model: &str, input_tokens: i64, output_tokens: i64) -> i64 {
        self.0.get(model).map_or(0, |price| {
            // Dollars per million tokens are exactly micro-dollars per token.
            let cost = price.input_per_million * input_tokens as f64 + price.output_per_million * output_tokens as f64;
            cost.round() as i64
        })
    }
}

/// One chat turn's usage, as recorded.
#[derive(Debug, Clone)]
pub struct Turn<'a> {
    pub workspace_id: &'a str,
    pub chatbot_id: &'a str,
    pub key_id: Option<&'a str>,
    pub message_id: &'a str,
    pub model: &'a str,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
    pub at_ms: i64,
}

/// Records a turn inside the caller's transaction, so usage and the stored answer agree.
pub async fn record(tx: &mut crate::db::Tx, turn: &Turn<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO usage_events (id, workspace_id, chatbot_id, key_id, message_id, model, input_tokens, output_tokens, cost_micros, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id("use"))
    .bind(turn.workspace_id)
    .bind(turn.chatbot_id)
    .bind(turn.key_id)
    .bind(turn.message_id)
    .bind(turn.model)
    .bind(turn.input_tokens)
    .bind(turn.output_tokens)
    .bind(turn.cost_micros)
    .bind(turn.at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How to group a usage report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Model,
    Chatbot,
    Key,
    Day,
}

impl GroupBy {
    pub fn parse(text: &str) -> Result<GroupBy> {
        match text {
            "model" => Ok(GroupBy::Model),
            "chatbot" => Ok(GroupBy::Chatbot),
            "key" => Ok(GroupBy::Key),
            "day" => Ok(GroupBy::Day),
            other => Err(Error::Validation(format!("group_by must be model, chatbot, key or day, not {other:?}"))),
        }
    }

    fn column(self) -> &'static str {
        match self {
            GroupBy::Model => "model",
            GroupBy::Chatbot => "chatbot_id",
            GroupBy::Key => "COALESCE(key_id, 'widget')",
            GroupBy::Day => "CAST(created_at / 86400000 AS TEXT)",
        }
    }
}

/// Sums of usage over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Totals {
    pub requests: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
}

/// A group of a report: its key (a model, chatbot id, key id or `YYYY-MM-DD`) and its totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: String,
    pub totals: Totals,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    group_key: String,
    requests: i64,
    input_tokens: i64,
    output_tokens: i64,
    cost_micros: i64,
}

/// Who a report is about: a whole workspace, or one key within it.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Workspace(&'a str),
    Key { workspace_id: &'a str, key_id: &'a str },
}

/// The usage of a workspace (or one of its keys) from `start_ms` (inclusive) to `end_ms`
/// (exclusive), in total and grouped.
pub async fn report(
    db: &Db,
    scope: Scope<'_>,
    start_ms: i64,
    end_ms: i64,
    group_by: GroupBy,
) -> Result<(Totals, Vec<Group>)> {
    let (filter, workspace_id, key_id) = match scope {
        Scope::Workspace(ws) => ("workspace_id = $1 AND ($2 = '' OR key_id = $2)", ws, ""),
        Scope::Key { workspace_id, key_id } => ("workspace_id = $1 AND key_id = $2", workspace_id, key_id),
    };
    // PostgreSQL sums BIGINTs as NUMERIC, which the Any driver cannot read: cast back.
    let sums = "COUNT(*) AS requests,
                CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input_tokens,
                CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output_tokens,
                CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) AS cost_micros";
    let totals: Totals = sqlx::query_as(&format!(
        "SELECT {sums} FROM usage_events WHERE {filter} AND created_at >= $3 AND created_at < $4"
    ))
    .bind(workspace_id)
    .bind(key_id)
    .bind(start_ms)
    .bind(end_ms)
    .fetch_one(db.pool())
    .await?;
    let column = group_by.column();
    let rows: Vec<GroupRow> = sqlx::query_as(&format!(
        "SELECT {column} AS group_key, {sums} FROM usage_events
         WHERE {filter} AND created_at >= $3 AND created_at < $4
         GROUP BY {column} ORDER BY {column}"
    ))
    .bind(workspace_id)
    .bind(key_id)
    .bind(start_ms)
    .bind(end_ms)
    .fetch_all(db.pool())
    .await?;
    let groups = rows
        .into_iter()
        .map(|row| Group {
            key: if group_by == GroupBy::Day { day_label(&row.group_key) } else { row.group_key },
            totals: Totals {
                requests: row.requests,
                input_tokens: row.input_tokens,
                output_tokens: row.output_tokens,
                cost_micros: row.cost_micros,
            },
        })
        .collect();
    Ok((totals, groups))
}

fn day_label(day_number: &str) -> String {
    day_number
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|day| time::OffsetDateTime::from_unix_timestamp(day * 86_400).ok())
        .map(|t| t.date().to_string())
        .unwrap_or_else(|| day_number.to_owned())
}

/// Parses a `YYYY-MM-DD` date to the millisecond its UTC day starts.
pub fn parse_date(text: &str) -> Result<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), &format)
        .map_err(|_| Error::Validation(format!("{text:?} is not a date such as 2026-01-31")))?;
    Ok(date.midnight().assume_utc().unix_timestamp() * 1000)
}

/// The start of the UTC day after the one `ms` falls in.
pub fn next_day_start(ms: i64) -> i64 {
    (ms.div_euclid(MS_PER_DAY) + 1) * MS_PER_DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_and_cost_is_counted_in_micro_dollars() {
        let prices = PriceList::parse("gpt-4o-mini=0.15/0.60, claude=3/15").unwrap();
        assert_eq!(prices.cost_micros("gpt-4o-mini", 1_000_000, 0), 150_000);
        assert_eq!(prices.cost_micros("claude", 1000, 1000), 18_000);
        assert_eq!(prices.cost_micros("parlor-builtin", 1000, 1000), 0);
        for bad in ["x", "x=1", "x=a/b", "x=-1/2"] {
            assert!(PriceList::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_parse_to_the_start_of_their_utc_day() {
        assert_eq!(parse_date("1970-01-02").unwrap(), MS_PER_DAY);
        assert!(parse_date("2026-13-01").is_err());
        assert_eq!(next_day_start(MS_PER_DAY + 5), 2 * MS_PER_DAY);
        assert_eq!(day_label("1"), "1970-01-02");
    }
}
