//! Rate limits: per API key by plan (a per-second burst, a per-minute rate and a daily cap) and
//! per client IP for the public widget.
//!
//! On PostgreSQL, where several processes share one database, every decision is made in the
//! database. On SQLite there is exactly one server process, so the buckets live in its memory
//! and are written behind every second ([`RateLimiter`]), which takes a write transaction off
//! every limited request.
//!
//! Every limited action is one [`Limited`] variant, checked through the [`RateLimiter`] in the
//! application state with one call shape; its settings are parsed once, at start-up.
//!
//! The per-second and sustained (per-minute, or any period) limits are GCRA (the generic cell rate algorithm, a leaky bucket
//! kept as one "theoretical arrival time"); the daily cap is a counter per UTC day. The state of
//! every bucket lives in the database and is updated with a compare-and-swap on a version
//! number, so several Parlor processes on one PostgreSQL share the same limits, and daily caps
//! survive restarts. The decision itself is the pure function [`decide`], which the property
//! test checks.

use crate::db::{Db, RowLock};
use crate::error::{Error, Result};

mod limiter;
pub use limiter::{LimitSettings, Limited, RateLimiter};

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MICROS_PER_DAY: i64 = 24 * 60 * MICROS_PER_MINUTE;

/// The limits of one bucket. `None` means no limit of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests per second: the burst.
    pub per_second: Option<u32>,
    /// The sustained rate: requests per minute for plans, any period for windows such as 10/5m.
    pub sustained: Option<Window>,
    pub per_day: Option<u64>,
}

impl Limits {
    /// No limit at all.
    pub const NONE: Limits = Limits { per_second: None, sustained: None, per_day: None };

    /// `count` requests a minute, nothing else.
    pub const fn per_minute(count: u32) -> Limits {
        Limits { per_second: None, sustained: Some(Window::per_minute(count)), per_day: None }
    }

    /// The sustained limit's count when its period is a minute (what plans and the docs show).
    pub fn per_minute_count(&self) -> Option<u32> {
        self.sustained.filter(|w| w.period_secs == 60).map(|w| w.count)
    }
}

/// A limit of `count` requests per `period_secs`, such as `10/5m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub count: u32,
    pub period_secs: u64,
}

impl Window {
    pub const fn per_minute(count: u32) -> Window {
        Window { count, period_secs: 60 }
    }

    /// Parses `count/period` (`10/5m`, `5/300s`); `setting` names the variable in errors.
    pub fn parse(text: &str, setting: &str) -> Result<Window> {
        let invalid = || Error::Validation(format!("{setting}: `{text}` is not a limit such as 10/5m"));
        let (count, period) = text.trim().split_once('/').ok_or_else(invalid)?;
        let count: u32 = count.trim().parse().map_err(|_| invalid())?;
        let period = humantime::parse_duration(period.trim()).map_err(|_| invalid())?;
        // Limits are kept in microseconds: a period must hold at least one of them per request,
        // and stay far from overflowing them (a year is plenty).
        if count == 0 || period.as_secs() == 0 || period.as_secs() > 366 * 24 * 3600 {
            return Err(invalid());
        }
        Ok(Window { count, period_secs: period.as_secs() })
    }

    fn period_micros(self) -> i64 {
        i64::try_from(self.period_secs).unwrap_or(i64::MAX / MICROS_PER_SECOND).saturating_mul(MICROS_PER_SECOND)
    }
}

/// A named set of limits for API keys, such as the seed's Free, Pro and Enterprise plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub limits: Limits,
}

/// The default plans (from the seed's developer portal): Free 60/min with bursts of 10/s and
/// 5,000 a day; Pro 300/min, 50/s, 50,000 a day; Enterprise 1,000/min, 200/s, no daily cap.
pub fn default_plans() -> Vec<Plan> {
    let plan = |name: &str, per_minute, per_second, per_day| Plan {
        name: name.to_owned(),
        limits: Limits { per_second: Some(per_second), sustained: Some(Window::per_minute(per_minute)), per_day },
    };
    vec![plan("free", 60, 10, Some(5_000)), plan("pro", 300, 50, Some(50_000)), plan("enterprise", 1_000, 200, None)]
}

/// Parses plans written as `name=per_minute/per_second/per_day` separated by commas, with
/// `unlimited` for no daily cap, such as `free=60/10/5000,pro=300/50/50000`.
pub fn parse_plans(text: &str) -> Result<Vec<Plan>> {
    let invalid = |part: &str| {
        Error::Validation(format!("{part:?} is not a plan such as free=60/10/5000 (per minute/per second/per day)"))
    };
    let mut plans = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, numbers) = part.split_once('=').ok_or_else(|| invalid(part))?;
        let fields: Vec<&str> = numbers.split('/').map(str::trim).collect();
        let [per_minute, per_second, per_day] = fields.as_slice() else { return Err(invalid(part)) };
        let per_minute: u32 = per_minute.parse().map_err(|_| invalid(part))?;
        let per_second: u32 = per_second.parse().map_err(|_| invalid(part))?;
        let per_day = match *per_day {
            "unlimited" => None,
            n => Some(n.parse::<u64>().map_err(|_| invalid(part))?),
        };
        if per_minute == 0 || per_second == 0 || name.trim().is_empty() {
            return Err(invalid(part));
        }
        // Limits are kept in microseconds; more than one request a microsecond is not a limit.
        if per_minute > 60_000_000 || per_second > 1_000_000 {
            return Err(Error::Validation(format!(
                "{part:?}: a plan allows at most 60000000 requests a minute and 1000000 a second"
            )));
        }
        plans.push(Plan {
            name: name.trim().to_lowercase(),
            limits: Limits { per_second: Some(per_second), sustained: Some(Window::per_minute(per_minute)), per_day },
        });
    }
    if plans.is_empty() {
        return Err(Error::Validation("at least one plan is needed".into()));
    }
    Ok(plans)
}

/// What is stored per bucket. Times are microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BucketState {
    pub tat_second: i64,
    pub tat_minute: i64,
    pub day: i64,
    pub day_count: i64,
}

/// The outcome of one request against a bucket, with what the rate-limit headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The headline limit: the sustained limit's count (or the daily cap when only that is set).
    pub limit: u64,
    /// Requests left before the headline limit refuses.
    pub remaining: u64,
    /// When the headline bucket is full again, in Unix seconds.
    pub reset_at_secs: i64,
    /// When refused: how long to wait, in whole seconds (at least 1).
    pub retry_after_secs: u64,
}

/// GCRA for one limiter: `count` requests per `period`, all of them allowed at once.
fn gcra(tat: i64, now: i64, count: u32, period: i64) -> (bool, i64, i64) {
    // At least a microsecond apart: plans are validated to stay within that, and no request
    // count divides by zero.
    let interval = (period / i64::from(count.max(1))).max(1);
    let capacity = interval * i64::from(count);
    let next = tat.max(now) + interval;
    let allowed = next - now <= capacity;
    // When refused, the earliest moment at which this request would fit.
    let wait = if allowed { 0 } else { next - capacity - now };
    (allowed, next, wait)
}

/// Decides one request at time `now` (microseconds) and returns the decision and the state to
/// store when it is allowed. A refused request changes nothing.
pub fn decide(state: BucketState, limits: &Limits, now: i64) -> (Decision, Option<BucketState>) {
    let mut next = state;
    let mut allowed = true;
    let mut wait: i64 = 0;
    if let Some(count) = limits.per_second {
        let (ok, tat, w) = gcra(state.tat_second, now, count, MICROS_PER_SECOND);
        allowed &= ok;
        wait = wait.max(w);
        next.tat_second = tat;
    }
    if let Some(window) = limits.sustained {
        let (ok, tat, w) = gcra(state.tat_minute, now, window.count, window.period_micros());
        allowed &= ok;
        wait = wait.max(w);
        next.tat_minute = tat;
    }
    let today = now.div_euclid(MICROS_PER_DAY);
    let used_today = if state.day == today { state.day_count } else { 0 };
    if let Some(cap) = limits.per_day {
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        if used_today + 1 > cap {
            allowed = false;
            wait = wait.max((today + 1) * MICROS_PER_DAY - now);
        }
    }
    next.day = today;
    next.day_count = used_today + 1;

    let stored = if allowed { next } else { state };
    let (limit, remaining, reset_at) = headline(&stored, limits, now, today);
    let decision = Decision {
        allowed,
        limit,
        remaining,
        reset_at_secs: reset_at.div_euclid(MICROS_PER_SECOND) + i64::from(reset_at.rem_euclid(MICROS_PER_SECOND) > 0),
        retry_after_secs: if allowed {
            0
        } else {
            u64::try_from((wait + MICROS_PER_SECOND - 1) / MICROS_PER_SECOND).unwrap_or(1).max(1)
        },
    };
    (decision, allowed.then_some(next))
}

/// The limit, the requests left and the reset time that the headers report.
fn headline(state: &BucketState, limits: &Limits, now: i64, today: i64) -> (u64, u64, i64) {
    let used_today = if state.day == today { state.day_count } else { 0 };
    let day_left = limits.per_day.map(|cap| cap.saturating_sub(u64::try_from(used_today).unwrap_or(0)));
    match limits.sustained {
        Some(window) => {
            let count = window.count;
            let interval = (window.period_micros() / i64::from(count.max(1))).max(1);
            let capacity = interval * i64::from(count);
            let backlog = (state.tat_minute - now).max(0);
            let left = u64::try_from((capacity - backlog) / interval).unwrap_or(0);
            let left = day_left.map_or(left, |d| left.min(d));
            (u64::from(count), left, state.tat_minute.max(now))
        }
        None => match limits.per_day {
            Some(cap) => (cap, day_left.unwrap_or(0), (today + 1) * MICROS_PER_DAY),
            None => (u64::MAX, u64::MAX, now),
        },
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    tat_second: i64,
    tat_minute: i64,
    day: i64,
    day_count: i64,
}

/// Checks and counts one request against `bucket` (such as `key:key_…` or `ip:203.0.113.9`),
/// atomically across every process that shares the database.
///
/// The read and the write happen in one transaction that holds the bucket: the row lock
/// (`FOR UPDATE`) on PostgreSQL, the write lock (`BEGIN IMMEDIATE`) on SQLite. Requests on one
/// bucket wait for each other instead of retrying, so heavy concurrency on one key is slower,
/// never an error. (An optimistic compare-and-swap gave up under 32 concurrent clients.)
pub async fn check(db: &Db, bucket: &str, limits: &Limits, now_micros: i64) -> Result<Decision> {
    let lock = db.row_lock(RowLock::Wait);
    // Time spent waiting for the bucket counts: a request that waited is decided at the moment
    // it holds the bucket, not at its arrival, or a long wait would make it look early.
    let entered = std::time::Instant::now();
    // Two first requests of a new bucket can both find no row on PostgreSQL; the loser of the
    // insert tries again and then finds the winner's row.
    for _ in 0..3 {
        let mut tx = db.begin().await?;
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT tat_second, tat_minute, day, day_count FROM rate_limits WHERE bucket = $1 {lock}"
        ))
        .bind(bucket)
        .fetch_optional(&mut *tx)
        .await?;
        let state = row.as_ref().map_or(BucketState::default(), |r| BucketState {
            tat_second: r.tat_second,
            tat_minute: r.tat_minute,
            day: r.day,
            day_count: r.day_count,
        });
        let waited = i64::try_from(entered.elapsed().as_micros()).unwrap_or(0);
        let (decision, next) = decide(state, limits, now_micros + waited);
        let Some(next) = next else {
            tx.rollback().await?;
            return Ok(decision);
        };
        let written = if row.is_none() {
            sqlx::query(
                "INSERT INTO rate_limits (bucket, tat_second, tat_minute, day, day_count, version)
                 VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (bucket) DO NOTHING",
            )
            .bind(bucket)
            .bind(next.tat_second)
            .bind(next.tat_minute)
            .bind(next.day)
            .bind(next.day_count)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE rate_limits SET tat_second = $1, tat_minute = $2, day = $3, day_count = $4, version = version + 1
                 WHERE bucket = $5",
            )
            .bind(next.tat_second)
            .bind(next.tat_minute)
            .bind(next.day)
            .bind(next.day_count)
            .bind(bucket)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        if written == 1 {
            tx.commit().await?;
            return Ok(decision);
        }
        tx.rollback().await?;
    }
    Err(Error::Internal(anyhow::anyhow!("rate limit bucket {bucket} could not be written")))
}

/// How a bucket stands, without using it: for the portal's limit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The headline limit (per minute, or per day when only that is set).
    pub limit: u64,
    /// Requests the headline limit allows right now.
    pub remaining: u64,
    /// Requests counted today (UTC).
    pub used_today: u64,
}

/// How a bucket stands at `now` (microseconds), changing nothing.
pub async fn peek(db: &Db, bucket: &str, limits: &Limits, now_micros: i64) -> Result<Standing> {
    Ok(standing(load(db, bucket).await?.unwrap_or_default(), limits, now_micros))
}

/// The stored state of a bucket, `None` when it was never used.
async fn load(db: &Db, bucket: &str) -> Result<Option<BucketState>> {
    let row: Option<Row> =
        sqlx::query_as("SELECT tat_second, tat_minute, day, day_count FROM rate_limits WHERE bucket = $1")
            .bind(bucket)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|r| BucketState {
        tat_second: r.tat_second,
        tat_minute: r.tat_minute,
        day: r.day,
        day_count: r.day_count,
    }))
}

/// How a bucket in `state` stands at `now`.
fn standing(state: BucketState, limits: &Limits, now_micros: i64) -> Standing {
    let today = now_micros.div_euclid(MICROS_PER_DAY);
    let (limit, remaining, _) = headline(&state, limits, now_micros, today);
    let used_today = if state.day == today { u64::try_from(state.day_count).unwrap_or(0) } else { 0 };
    Standing { limit, remaining, used_today }
}

/// Writes buckets' states in one transaction (the in-memory limiter's write-behind).
async fn store_all(db: &Db, buckets: &[(String, BucketState)]) -> Result<()> {
    let mut tx = db.begin().await?;
    for (bucket, state) in buckets {
        sqlx::query(
            "INSERT INTO rate_limits (bucket, tat_second, tat_minute, day, day_count, version)
             VALUES ($1, $2, $3, $4, $5, 1)
             ON CONFLICT (bucket) DO UPDATE SET tat_second = excluded.tat_second, tat_minute = excluded.tat_minute,
                 day = excluded.day, day_count = excluded.day_count, version = rate_limits.version + 1",
        )
        .bind(bucket)
        .bind(state.tat_second)
        .bind(state.tat_minute)
        .bind(state.day)
        .bind(state.day_count)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The current time in microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FREE: Limits = Limits { per_second: Some(10), sustained: Some(Window::per_minute(60)), per_day: Some(5_000) };

    fn run(limits: &Limits, arrivals: &[i64]) -> Vec<(i64, bool)> {
        let mut state = BucketState::default();
        arrivals
            .iter()
            .map(|&at| {
                let (decision, next) = decide(state, limits, at);
                if let Some(next) = next {
                    state = next;
                }
                (at, decision.allowed)
            })
            .collect()
    }

    #[test]
    fn a_burst_is_allowed_up_to_the_per_second_limit_then_refused() {
        let start = 1_000 * MICROS_PER_DAY;
        let results = run(&FREE, &[start; 15]);
        assert_eq!(results.iter().filter(|(_, ok)| *ok).count(), 10);
        let (decision, _) = decide(BucketState::default(), &FREE, start);
        assert_eq!(decision.limit, 60);
        assert_eq!(decision.remaining, 59);
    }

    #[test]
    fn a_refusal_says_how_long_to_wait_and_a_retry_then_succeeds() {
        let start = 1_000 * MICROS_PER_DAY;
        let limits = Limits::per_minute(2);
        let mut state = BucketState::default();
        for _ in 0..2 {
            state = decide(state, &limits, start).1.unwrap();
        }
        let (refused, none) = decide(state, &limits, start);
        assert!(!refused.allowed && none.is_none());
        assert_eq!(refused.retry_after_secs, 30);
        let later = start + i64::try_from(refused.retry_after_secs).unwrap() * MICROS_PER_SECOND;
        assert!(decide(state, &limits, later).0.allowed);
    }

    #[test]
    fn a_window_of_five_minutes_refuses_the_eleventh_request_and_frees_one_slot_every_thirty_seconds() {
        let start = 1_000 * MICROS_PER_DAY;
        let limits = Limits { sustained: Some(Window::parse("10/5m", "TEST").unwrap()), ..Limits::NONE };
        let mut state = BucketState::default();
        for _ in 0..10 {
            state = decide(state, &limits, start).1.unwrap();
        }
        let (refused, _) = decide(state, &limits, start);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_secs, 30);
        assert_eq!(refused.limit, 10);
        assert!(!decide(state, &limits, start + 29 * MICROS_PER_SECOND).0.allowed);
        assert!(decide(state, &limits, start + 30 * MICROS_PER_SECOND).0.allowed);
    }

    #[test]
    fn windows_parse_from_text_and_bad_text_is_refused() {
        assert_eq!(Window::parse("10/5m", "X").unwrap(), Window { count: 10, period_secs: 300 });
        assert_eq!(Window::parse(" 5 / 300s ", "X").unwrap(), Window { count: 5, period_secs: 300 });
        for bad in ["", "10", "0/5m", "10/0s", "ten/5m", "10/5 parsecs", "10/1000d"] {
            assert!(Window::parse(bad, "X").is_err(), "{bad}");
        }
    }

    #[test]
    fn the_daily_cap_resets_at_midnight_utc() {
        let limits = Limits { per_day: Some(3), ..Limits::NONE };
        let day = 20_000 * MICROS_PER_DAY;
        let results = run(&limits, &[day + 1, day + 2, day + 3, day + 4, day + MICROS_PER_DAY]);
        let allowed: Vec<bool> = results.iter().map(|(_, ok)| *ok).collect();
        assert_eq!(allowed, vec![true, true, true, false, true]);
    }

    #[test]
    fn plans_parse_from_text_and_bad_text_is_refused() {
        let plans = parse_plans("free=60/10/5000, enterprise=1000/200/unlimited").unwrap();
        assert_eq!(plans[0].limits, FREE);
        assert_eq!(plans[1].limits.per_day, None);
        for bad in ["", "free", "free=60/10", "free=0/10/5", "free=a/b/c", "huge=100000000/10/5"] {
            assert!(parse_plans(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// For any arrival sequence, the admitted requests in any window never exceed what each
        /// limiter allows: its burst plus its rate times the time elapsed.
        #[test]
        fn admitted_requests_never_exceed_burst_plus_rate_times_elapsed(
            gaps in proptest::collection::vec(0i64..400_000, 1..400),
            per_second in 1u32..20,
            per_minute in 1u32..120,
        ) {
            let limits = Limits { per_second: Some(per_second), sustained: Some(Window::per_minute(per_minute)), per_day: None };
            let mut at = 500 * MICROS_PER_DAY;
            let arrivals: Vec<i64> = gaps.iter().map(|g| { at += g; at }).collect();
            let admitted: Vec<i64> = run(&limits, &arrivals).into_iter().filter(|(_, ok)| *ok).map(|(t, _)| t).collect();
            for (i, &first) in admitted.iter().enumerate() {
                for (j, &last) in admitted.iter().enumerate().skip(i) {
                    let n = i64::try_from(j - i + 1).unwrap();
                    let elapsed = last - first;
                    for (count, period) in [(per_second, MICROS_PER_SECOND), (per_minute, MICROS_PER_MINUTE)] {
                        let bound = i64::from(count) + elapsed * i64::from(count) / period + 1;
                        prop_assert!(n <= bound, "{n} admitted in {elapsed} us, bound {bound}");
                    }
                }
            }
        }
    }
}
