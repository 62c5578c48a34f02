//! The rate limiter of the application state: every limited action is a [`Limited`] variant,
//! which names its bucket, its limits and the words of its refusal, and every call site has
//! the same shape, `state.limiter.enforce(Limited::…)`.
//!
//! Where the buckets live depends on the database. On PostgreSQL, several processes share the
//! limits, so each decision holds its bucket's row. On SQLite there is one server process: the
//! buckets live in memory (a decision is a lock and the pure [`super::decide`]) and the changed
//! ones are written to the same table every [`WRITE_BEHIND`], and when the server stops. A
//! restart reads them back, so the daily caps survive it; a crash forgets at most the last
//! second's counts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, watch};

use super::{BucketState, Decision, Limits, Plan, Standing, Window, check, decide, load, now_micros, peek, standing};
use crate::config::Config;
use crate::db::{Backend, Db};
use crate::error::{Error, Result};

/// How often the in-memory buckets (SQLite) are written to the database.
pub const WRITE_BEHIND: Duration = Duration::from_secs(1);

/// Sign-in attempts per email address: 5 a minute, 100 a day.
const SIGN_IN_PER_EMAIL: Limits = Limits { per_day: Some(100), ..Limits::per_minute(5) };
/// Sign-in attempts per client address: 30 a minute.
const SIGN_IN_PER_CLIENT: Limits = Limits::per_minute(30);
/// New accounts per client address: 10 a minute, 200 a day.
const SIGN_UP_PER_CLIENT: Limits = Limits { per_day: Some(200), ..Limits::per_minute(10) };

/// What Parlor limits, and for whom.
#[derive(Debug, Clone, Copy)]
pub enum Limited<'a> {
    /// A request to the public API with an API key, by its workspace's plan.
    ApiRequest { key_id: &'a str, plan: &'a str },
    /// A visitor's chat request to the widget API, per client address.
    WidgetChat { client: &'a str },
    /// A knowledge fetch or crawl, per API key or portal account (`account:<id>`).
    KnowledgeScrape { by: &'a str },
    /// A knowledge file, per API key or portal account (`account:<id>`).
    KnowledgeUpload { by: &'a str },
    /// A new portal account, per client address.
    SignUp { client: &'a str },
    /// A password checked (a sign-in, an invitation accepted), per client address.
    SignInFrom { client: &'a str },
    /// A sign-in attempt for one email address.
    SignInAs { email: &'a str },
}

/// The limits that come from the configuration, parsed once at start-up.
#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// The API's plans; the first is the default.
    pub plans: Vec<Plan>,
    pub widget_chat_per_minute: u32,
    pub knowledge_scrapes: Window,
    pub knowledge_uploads: Window,
}

impl LimitSettings {
    /// Reads `PARLOR_PLANS`, the widget's chat limit and the knowledge limits; a typo stops the
    /// server at start-up.
    pub fn from_config(config: &Config) -> Result<LimitSettings> {
        Ok(LimitSettings {
            plans: super::parse_plans(&config.plans)?,
            widget_chat_per_minute: config.widget_chat_per_minute,
            knowledge_scrapes: Window::parse(&config.knowledge_scrape_limit, "PARLOR_KNOWLEDGE_SCRAPE_LIMIT")?,
            knowledge_uploads: Window::parse(&config.knowledge_upload_limit, "PARLOR_KNOWLEDGE_UPLOAD_LIMIT")?,
        })
    }
}

/// Checks limited actions against their buckets in the database, so that every process on one
/// database shares them. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    db: Db,
    settings: Arc<LimitSettings>,
    /// On SQLite, the buckets themselves; `None` on PostgreSQL.
    memory: Option<Arc<Mutex<HashMap<String, Kept>>>>,
}

/// A bucket in memory, and whether it changed since it was last written.
#[derive(Debug, Clone, Copy)]
struct Kept {
    state: BucketState,
    changed: bool,
}

impl RateLimiter {
    /// A limiter over `db`'s buckets: in memory and written behind on SQLite, in the database
    /// on PostgreSQL. Run [`RateLimiter::write_behind`] beside it.
    pub fn new(db: Db, settings: LimitSettings) -> RateLimiter {
        let memory = (db.backend() == Backend::Sqlite).then(Arc::default);
        RateLimiter { db, settings: Arc::new(settings), memory }
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.settings
    }

    /// The limits of a plan by name; an unknown name gets the default (first) plan's limits.
    pub fn plan_limits(&self, name: &str) -> Limits {
        let plans = &self.settings.plans;
        plans.iter().find(|p| p.name == name).or_else(|| plans.first()).map_or(Limits::NONE, |plan| plan.limits)
    }

    /// The bucket and the limits of an action.
    fn rule(&self, action: Limited<'_>) -> (String, Limits) {
        let window = |window: Window| Limits { sustained: Some(window), ..Limits::NONE };
        match action {
            Limited::ApiRequest { key_id, plan } => (format!("key:{key_id}"), self.plan_limits(plan)),
            Limited::WidgetChat { client } => {
                (format!("widget-chat:{client}"), Limits::per_minute(self.settings.widget_chat_per_minute))
            }
            Limited::KnowledgeScrape { by } => {
                (format!("knowledge-scrape:{by}"), window(self.settings.knowledge_scrapes))
            }
            Limited::KnowledgeUpload { by } => {
                (format!("knowledge-upload:{by}"), window(self.settings.knowledge_uploads))
            }
            Limited::SignUp { client } => (format!("signup:ip:{client}"), SIGN_UP_PER_CLIENT),
            Limited::SignInFrom { client } => (format!("signin:ip:{client}"), SIGN_IN_PER_CLIENT),
            Limited::SignInAs { email } => (format!("signin:email:{}", hashed(email)), SIGN_IN_PER_EMAIL),
        }
    }

    /// Counts one `action` and says whether it may go ahead, with what the rate-limit headers
    /// report. A refused action is not counted.
    pub async fn check(&self, action: Limited<'_>) -> Result<Decision> {
        let (bucket, limits) = self.rule(action);
        let decision = match &self.memory {
            None => check(&self.db, &bucket, &limits, now_micros()).await?,
            Some(memory) => {
                let mut buckets = memory.lock().await;
                let state = match buckets.get(&bucket) {
                    Some(kept) => kept.state,
                    // Read once per bucket (and after it was let go), under the lock, so that two
                    // first requests cannot both start from nothing.
                    None => load(&self.db, &bucket).await?.unwrap_or_default(),
                };
                // Decided at the moment the bucket is held, like the database's row lock.
                let (decision, next) = decide(state, &limits, now_micros());
                let kept = match next {
                    Some(next) => Kept { state: next, changed: true },
                    None => buckets.get(&bucket).copied().unwrap_or(Kept { state, changed: false }),
                };
                buckets.insert(bucket.clone(), kept);
                decision
            }
        };
        if !decision.allowed {
            tracing::info!(bucket = %bucket, retry_after_secs = decision.retry_after_secs, "rate limit reached");
        }
        Ok(decision)
    }

    /// [`RateLimiter::check`], with a refusal as the error (429 with `Retry-After`).
    pub async fn enforce(&self, action: Limited<'_>) -> Result<Decision> {
        let decision = self.check(action).await?;
        if decision.allowed { Ok(decision) } else { Err(self.refusal(action, &decision)) }
    }

    /// How an action's bucket stands, without counting anything.
    pub async fn peek(&self, action: Limited<'_>) -> Result<Standing> {
        let (bucket, limits) = self.rule(action);
        if let Some(memory) = &self.memory
            && let Some(kept) = memory.lock().await.get(&bucket)
        {
            return Ok(standing(kept.state, &limits, now_micros()));
        }
        peek(&self.db, &bucket, &limits, now_micros()).await
    }

    /// Writes the in-memory buckets that changed (SQLite) every [`WRITE_BEHIND`] until `stop`
    /// turns true, and once more then. Returns at once on PostgreSQL.
    pub async fn write_behind(self, mut stop: watch::Receiver<bool>) {
        if self.memory.is_none() {
            return;
        }
        loop {
            let stopping = tokio::select! {
                () = tokio::time::sleep(WRITE_BEHIND) => false,
                changed = stop.changed() => changed.is_err() || *stop.borrow(),
            };
            if let Err(err) = self.write_changed().await {
                tracing::warn!(error = ?err, "could not write the rate-limit buckets; trying again");
            }
            if stopping {
                return;
            }
        }
    }

    /// Writes the buckets that changed since the last write, in one transaction, and lets go of
    /// those that are full again (the database holds the same state). A failed write keeps
    /// them for the next one.
    pub async fn write_changed(&self) -> Result<()> {
        let Some(memory) = &self.memory else { return Ok(()) };
        let now = now_micros();
        let changed: Vec<(String, BucketState)> = {
            let mut buckets = memory.lock().await;
            let changed = buckets
                .iter_mut()
                .filter(|(_, kept)| kept.changed)
                .map(|(bucket, kept)| {
                    kept.changed = false;
                    (bucket.clone(), kept.state)
                })
                .collect();
            buckets.retain(|_, kept| kept.changed || kept.state.tat_second > now || kept.state.tat_minute > now);
            changed
        };
        if changed.is_empty() {
            return Ok(());
        }
        if let Err(err) = super::store_all(&self.db, &changed).await {
            let mut buckets = memory.lock().await;
            for (bucket, state) in changed {
                // A bucket used since is newer than what failed, and is marked changed already.
                buckets.entry(bucket).or_insert(Kept { state, changed: true }).changed = true;
            }
            return Err(err);
        }
        Ok(())
    }

    /// The refusal of an action, in words that say what was limited and when to try again.
    pub fn refusal(&self, action: Limited<'_>, decision: &Decision) -> Error {
        let wait = decision.retry_after_secs;
        let knowledge = |what: &str, window: Window| {
            format!(
                "at most {} knowledge {what}s per {} seconds; try again in {wait} seconds",
                window.count, window.period_secs
            )
        };
        let message = match action {
            Limited::ApiRequest { .. } | Limited::WidgetChat { .. } => {
                format!("rate limit reached; try again in {wait} seconds")
            }
            Limited::KnowledgeScrape { .. } => knowledge("scrape", self.settings.knowledge_scrapes),
            Limited::KnowledgeUpload { .. } => knowledge("upload", self.settings.knowledge_uploads),
            Limited::SignUp { .. } => format!("Too many sign-ups from your address. Try again in {wait} seconds."),
            Limited::SignInFrom { .. } => {
                format!("Too many sign-in attempts from your address. Try again in {wait} seconds.")
            }
            Limited::SignInAs { .. } => {
                format!("Too many sign-in attempts for this email. Try again in {wait} seconds.")
            }
        };
        Error::RateLimited { message, retry_after_secs: wait }
    }
}

/// An email address as its bucket names it: never the address itself.
fn hashed(email: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(email.trim().to_lowercase().as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StorageConfig;

    async fn sqlite(dir: &tempfile::TempDir) -> Db {
        let db = Db::connect(&StorageConfig::Sqlite { path: dir.path().join("t.db") }).await.unwrap();
        db.migrate().await.unwrap();
        db
    }

    fn settings(plans: &str) -> LimitSettings {
        LimitSettings {
            plans: super::super::parse_plans(plans).unwrap(),
            widget_chat_per_minute: 10,
            knowledge_scrapes: Window::per_minute(10),
            knowledge_uploads: Window::per_minute(10),
        }
    }

    #[tokio::test]
    async fn on_sqlite_concurrent_requests_get_exactly_what_the_limit_allows() {
        let dir = tempfile::tempdir().unwrap();
        let limiter = RateLimiter::new(sqlite(&dir).await, settings("free=10/10/1000"));
        assert!(limiter.memory.is_some(), "SQLite keeps its buckets in memory");
        let checks: Vec<_> = (0..50)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.check(Limited::ApiRequest { key_id: "key_a", plan: "free" }).await.unwrap().allowed
                })
            })
            .collect();
        let mut allowed = 0;
        for check in checks {
            allowed += usize::from(check.await.unwrap());
        }
        assert_eq!(allowed, 10);
    }

    #[tokio::test]
    async fn on_sqlite_the_counts_are_written_behind_and_a_restart_keeps_the_daily_cap() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir).await;
        let plans = "free=1000/1000/5";
        let action = Limited::ApiRequest { key_id: "key_b", plan: "free" };
        let limiter = RateLimiter::new(db.clone(), settings(plans));
        for _ in 0..3 {
            assert!(limiter.check(action).await.unwrap().allowed);
        }
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits").fetch_one(db.pool()).await.unwrap();
        assert_eq!(stored, 0, "nothing is written on the request path");
        limiter.write_changed().await.unwrap();

        let restarted = RateLimiter::new(db.clone(), settings(plans));
        assert_eq!(restarted.peek(action).await.unwrap().used_today, 3);
        assert!(restarted.check(action).await.unwrap().allowed);
        assert!(restarted.check(action).await.unwrap().allowed);
        let refused = restarted.check(action).await.unwrap();
        assert!(!refused.allowed, "the sixth request of the day is over the cap of five");
    }

    #[tokio::test]
    async fn the_write_behind_writes_once_more_when_the_server_stops() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir).await;
        let limiter = RateLimiter::new(db.clone(), settings("free=1000/1000/unlimited"));
        let (stop, stopped) = watch::channel(false);
        let writer = tokio::spawn(limiter.clone().write_behind(stopped));
        limiter.check(Limited::WidgetChat { client: "203.0.113.9" }).await.unwrap();
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), writer).await.unwrap().unwrap();
        let count: i64 =
            sqlx::query_scalar("SELECT day_count FROM rate_limits WHERE bucket = 'widget-chat:203.0.113.9'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(count, 1);
    }
}
