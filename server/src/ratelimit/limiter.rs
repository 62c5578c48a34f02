//! The rate limiter of the application state: every limited action is a [`Limited`] variant,
//! which names its bucket, its limits and the words of its refusal, and every call site has
//! the same shape, `state.limiter.enforce(Limited::…)`.

use std::sync::Arc;

use super::{Decision, Limits, Plan, Standing, Window, check, now_micros, peek};
use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};

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
}

impl RateLimiter {
    pub fn new(db: Db, settings: LimitSettings) -> RateLimiter {
        RateLimiter { db, settings: Arc::new(settings) }
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
        let decision = check(&self.db, &bucket, &limits, now_micros()).await?;
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
        peek(&self.db, &bucket, &limits, now_micros()).await
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
