//! Activity statistics for the dashboard: what a workspace's chatbots did on each UTC day of a
//! period (conversations started, visitors' and chatbots' messages, escalations, leads and
//! tokens), with the days without activity included.

use std::collections::HashMap;

use crate::db::Db;
use crate::error::{Error, Result};

/// Milliseconds in a day; days are UTC days, numbered from the Unix epoch.
pub const MS_PER_DAY: i64 = 86_400_000;

/// The periods the dashboard offers, in days.
pub const PERIODS: [u32; 3] = [7, 30, 90];

/// A run of whole UTC days that ends with today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The number of the first day (days since 1970-01-01).
    pub first_day: i64,
    pub days: i64,
}

impl Period {
    /// The last `days` days up to and including the day of `now_ms`; `days` must be one of
    /// [`PERIODS`].
    pub fn ending_on(now_ms: i64, days: u32) -> Result<Period> {
        if !PERIODS.contains(&days) {
            return Err(Error::Validation(format!("days must be 7, 30 or 90, not {days}")));
        }
        let days = i64::from(days);
        Ok(Period { first_day: now_ms.div_euclid(MS_PER_DAY) - days + 1, days })
    }

    /// The first millisecond of the period.
    pub fn start_ms(self) -> i64 {
        self.first_day * MS_PER_DAY
    }

    /// The first millisecond after the period.
    pub fn end_ms(self) -> i64 {
        (self.first_day + self.days) * MS_PER_DAY
    }
}

/// What one day counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayActivity {
    /// The day's number (days since 1970-01-01); [`date_label`] writes it as a date.
    pub day: i64,
    /// Conversations started.
    pub conversations: i64,
    /// Messages visitors wrote.
    pub visitor_messages: i64,
    /// Answers the chatbots gave (the empty ones while a person had the conversation excluded).
    pub bot_messages: i64,
    /// Conversations handed to a person, counted on the day of their latest escalation.
    pub escalations: i64,
    /// Leads visitors submitted.
    pub leads: i64,
    /// Tokens the models read and wrote.
    pub tokens: i64,
}

/// Which chatbots a report covers.
#[derive(Debug, Clone, Copy)]
pub enum Chatbots<'a> {
    All,
    /// One chatbot; one of another workspace counts nothing.
    One(&'a str),
}

#[derive(sqlx::FromRow)]
struct Row {
    series: String,
    day: i64,
    amount: i64,
}

/// Each series grouped by day, in one statement that runs on SQLite and PostgreSQL. Every part
/// filters by the workspace (`$1`) and, unless `$2` is empty, by the chatbot, over the period
/// `$3..$4`. Messages and escalations are found through the conversations active since the
/// period began (a conversation's `updated_at` moves with each of its messages and with its
/// escalation), so that index `conversations_chatbot_updated` keeps old conversations out.
const DAILY_ACTIVITY: &str = "
SELECT 'conversations' AS series, CAST(c.created_at / 86400000 AS BIGINT) AS day, COUNT(*) AS amount
  FROM conversations c JOIN chatbots b ON b.id = c.chatbot_id
 WHERE b.workspace_id = $1 AND ($2 = '' OR c.chatbot_id = $2) AND c.created_at >= $3 AND c.created_at < $4
 GROUP BY CAST(c.created_at / 86400000 AS BIGINT)
UNION ALL
SELECT CASE WHEN m.role = 'user' THEN 'visitor_messages' ELSE 'bot_messages' END,
       CAST(m.created_at / 86400000 AS BIGINT), COUNT(*)
  FROM conversations c JOIN chatbots b ON b.id = c.chatbot_id JOIN messages m ON m.conversation_id = c.id
 WHERE b.workspace_id = $1 AND ($2 = '' OR c.chatbot_id = $2) AND c.updated_at >= $3
   AND m.created_at >= $3 AND m.created_at < $4
   AND (m.role = 'user' OR (m.role = 'assistant' AND m.content <> ''))
 GROUP BY CASE WHEN m.role = 'user' THEN 'visitor_messages' ELSE 'bot_messages' END,
          CAST(m.created_at / 86400000 AS BIGINT)
UNION ALL
SELECT 'escalations', CAST(c.escalated_at / 86400000 AS BIGINT), COUNT(*)
  FROM conversations c JOIN chatbots b ON b.id = c.chatbot_id
 WHERE b.workspace_id = $1 AND ($2 = '' OR c.chatbot_id = $2) AND c.updated_at >= $3
   AND c.escalated_at >= $3 AND c.escalated_at < $4
 GROUP BY CAST(c.escalated_at / 86400000 AS BIGINT)
UNION ALL
SELECT 'leads', CAST(l.created_at / 86400000 AS BIGINT), COUNT(*)
  FROM leads l JOIN chatbots b ON b.id = l.chatbot_id
 WHERE b.workspace_id = $1 AND ($2 = '' OR l.chatbot_id = $2) AND l.created_at >= $3 AND l.created_at < $4
 GROUP BY CAST(l.created_at / 86400000 AS BIGINT)
UNION ALL
SELECT 'tokens', CAST(u.created_at / 86400000 AS BIGINT),
       CAST(COALESCE(SUM(u.input_tokens + u.output_tokens), 0) AS BIGINT)
  FROM usage_events u
 WHERE u.workspace_id = $1 AND ($2 = '' OR u.chatbot_id = $2) AND u.created_at >= $3 AND u.created_at < $4
 GROUP BY CAST(u.created_at / 86400000 AS BIGINT)";

/// The activity of a workspace's chatbots (all, or one) on each day of `period`, oldest first,
/// one entry per day whether anything happened or not.
pub async fn daily_activity(
    db: &Db,
    workspace_id: &str,
    chatbots: Chatbots<'_>,
    period: Period,
) -> Result<Vec<DayActivity>> {
    let chatbot_id = match chatbots {
        Chatbots::All => "",
        Chatbots::One(id) => id,
    };
    let rows: Vec<Row> = sqlx::query_as(DAILY_ACTIVITY)
        .bind(workspace_id)
        .bind(chatbot_id)
        .bind(period.start_ms())
        .bind(period.end_ms())
        .fetch_all(db.pool())
        .await?;
    let mut by_day: HashMap<i64, DayActivity> = HashMap::new();
    for row in rows {
        let entry = by_day.entry(row.day).or_insert(DayActivity { day: row.day, ..DayActivity::default() });
        let slot = match row.series.as_str() {
            "conversations" => &mut entry.conversations,
            "visitor_messages" => &mut entry.visitor_messages,
            "bot_messages" => &mut entry.bot_messages,
            "escalations" => &mut entry.escalations,
            "leads" => &mut entry.leads,
            "tokens" => &mut entry.tokens,
            other => return Err(Error::Internal(anyhow::anyhow!("unknown activity series {other:?}"))),
        };
        *slot += row.amount;
    }
    Ok((period.first_day..period.first_day + period.days)
        .map(|day| by_day.remove(&day).unwrap_or(DayActivity { day, ..DayActivity::default() }))
        .collect())
}

/// A day's number as its date, `YYYY-MM-DD`.
pub fn date_label(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * 86_400).map(|t| t.date().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_whole_utc_days_ending_with_today() {
        let now = 20_000 * MS_PER_DAY + 5_000;
        let week = Period::ending_on(now, 7).unwrap();
        assert_eq!(week, Period { first_day: 19_994, days: 7 });
        assert_eq!(week.end_ms(), 20_001 * MS_PER_DAY);
        assert_eq!(week.end_ms() - week.start_ms(), 7 * MS_PER_DAY);
    }

    #[test]
    fn only_the_offered_periods_are_accepted() {
        for days in [0, 1, 8, 31, 365] {
            assert!(Period::ending_on(0, days).is_err(), "{days}");
        }
        assert!(PERIODS.iter().all(|&days| Period::ending_on(0, days).is_ok()));
    }

    #[test]
    fn day_numbers_are_labelled_as_dates() {
        assert_eq!(date_label(0), "1970-01-01");
        assert_eq!(date_label(20_000), "2024-10-04");
    }
}
