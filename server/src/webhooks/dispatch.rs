//! The delivery loop. Every Parlor process runs one; they share the work through the database.
//!
//! A dispatcher claims due deliveries by setting a lease on them (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so two processes never claim the same row; SQLite has a single writer). It sends
//! each one, records the attempt, and either marks it delivered or schedules the next attempt.
//! A process killed mid-delivery leaves its leases to expire, after which any process sends
//! those deliveries again: delivery is at least once, with the same `webhook-id` every time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use tokio::sync::{Semaphore, watch};
use tokio_util::task::TaskTracker;

use super::{events, signing};
use crate::db::{Db, RowLock, Wake};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms, random_base62, rfc3339};
use crate::outbound::{self, OutboundPolicy, Redirects, Refused};
use crate::secrets::SecretBox;

/// How deliveries are made and retried.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// How long one attempt may take, connection to last byte.
    pub timeout: Duration,
    /// The waits before each retry; a delivery gives up after `schedule.len() + 1` attempts.
    pub retry_schedule: Vec<Duration>,
    /// How often to look for due deliveries when nothing wakes the dispatcher.
    pub poll: Duration,
    /// How long a claimed delivery stays owned by its dispatcher.
    pub lease: Duration,
    /// Deliveries in flight at once, per process.
    pub concurrency: usize,
    /// An endpoint that has failed every attempt for this long is disabled.
    pub disable_after: Duration,
    /// Events older than this are deleted with their delivery log, unless still being delivered.
    pub retention: Duration,
}

/// Consecutive failures an endpoint needs, besides `disable_after`, to be disabled.
const DISABLE_MIN_FAILURES: i64 = 5;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How much of a receiver's answer the delivery log keeps.
const SNIPPET_BYTES: usize = 1024;

impl DeliverySettings {
    /// The settings of `parlor serve`'s webhook flags.
    pub fn from_config(config: &crate::config::Config) -> Result<DeliverySettings> {
        let settings = DeliverySettings {
            timeout: Duration::from_secs(config.webhook_timeout_secs.max(1)),
            retry_schedule: Self::parse_schedule(&config.webhook_retry_schedule)?,
            poll: Duration::from_millis(config.webhook_poll_ms.max(10)),
            lease: Duration::from_secs(config.webhook_lease_secs.max(1)),
            concurrency: config.webhook_concurrency.max(1),
            disable_after: humantime::parse_duration(config.webhook_disable_after.trim()).map_err(|_| {
                Error::Validation(format!(
                    "PARLOR_WEBHOOK_DISABLE_AFTER: `{}` is not a duration such as 72h",
                    config.webhook_disable_after
                ))
            })?,
            retention: humantime::parse_duration(config.webhook_retention.trim()).map_err(|_| {
                Error::Validation(format!(
                    "PARLOR_WEBHOOK_RETENTION: `{}` is not a duration such as 30d",
                    config.webhook_retention
                ))
            })?,
        };
        // A lease shorter than an attempt would let a second process send the same delivery
        // while the first still waits for the receiver.
        if settings.lease <= settings.timeout {
            return Err(Error::Validation(
                "PARLOR_WEBHOOK_LEASE_SECS must be longer than PARLOR_WEBHOOK_TIMEOUT_SECS".into(),
            ));
        }
        Ok(settings)
    }

    /// Parses a retry schedule such as `5s,5m,30m,2h,5h,10h,10h`.
    pub fn parse_schedule(text: &str) -> Result<Vec<Duration>> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                humantime::parse_duration(item)
                    .map_err(|_| Error::Validation(format!("`{item}` in the webhook retry schedule is not a duration")))
            })
            .collect()
    }

    /// The wait before attempt `next_attempt` (2 for the first retry), with ±20 % jitter so
    /// that deliveries failed together do not all come back together.
    fn backoff(&self, next_attempt: i64) -> Option<Duration> {
        let index = usize::try_from(next_attempt - 2).ok()?;
        let base = *self.retry_schedule.get(index)?;
        Some(base.mul_f64(rand::rng().random_range(0.8..=1.2)))
    }
}

/// A claimed delivery with everything needed to send it.
#[derive(Debug, sqlx::FromRow)]
struct Due {
    id: String,
    attempts: i64,
    lease_token: String,
    endpoint_id: String,
    url: String,
    naming: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_expires_at: Option<i64>,
    event_type: String,
    data: String,
    event_created_at: i64,
}

/// What one attempt came to.
#[derive(Debug)]
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    retry_after: Option<Duration>,
    snippet: Option<String>,
    latency_ms: i64,
    started_at: i64,
}

/// Sends due deliveries. Cheap to clone.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    client: reqwest::Client,
    secrets: SecretBox,
    settings: DeliverySettings,
}

impl Dispatcher {
    pub fn new(db: Db, secrets: SecretBox, policy: &OutboundPolicy, settings: DeliverySettings) -> Result<Dispatcher> {
        let client = outbound::client(policy, settings.timeout, Redirects::Refuse)?;
        Ok(Dispatcher { inner: Arc::new(Inner { db, client, secrets, settings }) })
    }

    /// Delivers until `stop` turns true, then lets the attempts in flight finish.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let settings = &self.inner.settings;
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        let in_flight = TaskTracker::new();
        let purge_every = settings.retention.clamp(Duration::from_secs(1), Duration::from_secs(3600));
        let mut purged = Instant::now();
        loop {
            if *stop.borrow() {
                break;
            }
            if purged.elapsed() >= purge_every {
                purged = Instant::now();
                match self.purge().await {
                    Ok(0) => {}
                    Ok(count) => tracing::info!(count, "deleted webhook events past their retention"),
                    Err(err) => tracing::warn!(error = ?err, "could not delete old webhook events"),
                }
            }
            let free = permits.available_permits();
            if free == 0 {
                tokio::select! {
                    permit = permits.clone().acquire_owned() => drop(permit),
                    _ = stop.changed() => break,
                }
                continue;
            }
            let claimed = match self.claim(free).await {
                Ok(claimed) => claimed,
                Err(err) => {
                    tracing::warn!(error = ?err, "could not claim webhook deliveries");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    () = self.inner.db.woken(Wake::Deliveries) => {}
                    () = tokio::time::sleep(settings.poll) => {}
                    _ = stop.changed() => break,
                }
                continue;
            }
            for due in claimed {
                let Ok(permit) = permits.clone().acquire_owned().await else { break };
                let this = self.clone();
                in_flight.spawn(async move {
                    this.deliver(due).await;
                    drop(permit);
                });
            }
        }
        in_flight.close();
        in_flight.wait().await;
    }

    /// Deletes events older than the retention, with their deliveries and attempts, unless a
    /// delivery of theirs is still pending. A thousand at a time; the next round takes more.
    async fn purge(&self) -> Result<u64> {
        let before = now_ms() - i64::try_from(self.inner.settings.retention.as_millis()).unwrap_or(i64::MAX / 2);
        let deleted = self
            .inner
            .db
            .execute(
                sqlx::query(
                    "DELETE FROM webhook_events WHERE id IN (
                 SELECT ev.id FROM webhook_events ev WHERE ev.created_at < $1
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ev.id AND d.status = 'pending')
                 LIMIT 1000)",
                )
                .bind(before),
            )
            .await?
            .rows_affected();
        Ok(deleted)
    }

    /// Leases up to `limit` due deliveries of enabled endpoints.
    async fn claim(&self, limit: usize) -> Result<Vec<Due>> {
        let db = &self.inner.db;
        let now = now_ms();
        let lease_until = now + i64::try_from(self.inner.settings.lease.as_millis()).unwrap_or(i64::MAX / 2);
        let token = random_base62(22);
        let lock = db.row_lock(RowLock::SkipLockedOf("d"));
        // Look before leasing: on SQLite an UPDATE takes the write lock even when nothing is
        // due, and the dispatcher wakes after every event, so an idle check stays a read.
        let any_due: Option<String> = sqlx::query_scalar(
            "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1
               AND (d.lease_until IS NULL OR d.lease_until <= $1) AND e.enabled = 1
             LIMIT 1",
        )
        .bind(now)
        .fetch_optional(db.pool())
        .await?;
        if any_due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = db.begin().await?;
        let claimed = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET lease_until = $1, lease_token = $2
             WHERE id IN (
                 SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                 WHERE d.status = 'pending' AND d.next_attempt_at <= $3
                   AND (d.lease_until IS NULL OR d.lease_until <= $3) AND e.enabled = 1
                 ORDER BY d.next_attempt_at LIMIT $4 {lock})"
        ))
        .bind(lease_until)
        .bind(&token)
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(100))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if claimed == 0 {
            return Ok(Vec::new());
        }
        let due = sqlx::query_as(
            "SELECT d.id, d.attempts, d.lease_token, d.endpoint_id, e.url, e.naming, e.secret, e.previous_secret,
                    e.previous_secret_expires_at, ev.event_type, ev.data, ev.created_at AS event_created_at
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint_id
             JOIN webhook_events ev ON ev.id = d.event_id
             WHERE d.lease_token = $1",
        )
        .bind(&token)
        .fetch_all(db.pool())
        .await?;
        Ok(due)
    }

    async fn deliver(&self, due: Due) {
        let outcome = match self.signing_secrets(&due) {
            Ok(secrets) => self.send(&due, &secrets).await,
            Err(err) => Outcome {
                status: None,
                error: Some(err.to_string()),
                retry_after: None,
                snippet: None,
                latency_ms: 0,
                started_at: now_ms(),
            },
        };
        if let Err(err) = self.record(&due, &outcome).await {
            // The lease runs out and the delivery is sent again: at least once.
            tracing::warn!(delivery_id = %due.id, error = ?err, "could not record a webhook attempt");
        }
    }

    /// The endpoint's current secret and, during a rotation, the previous one.
    fn signing_secrets(&self, due: &Due) -> Result<Vec<String>> {
        let secrets = &self.inner.secrets;
        let mut list = vec![secrets.open(&due.endpoint_id, &due.secret).map_err(|_| {
            Error::Internal(anyhow::anyhow!(
                "the signing secret cannot be decrypted with this process's PARLOR_SECRET_KEY"
            ))
        })?];
        if let (Some(previous), Some(until)) = (&due.previous_secret, due.previous_secret_expires_at)
            && until > now_ms()
            && let Ok(previous) = secrets.open(&due.endpoint_id, previous)
        {
            list.push(previous);
        }
        Ok(list)
    }

    async fn send(&self, due: &Due, secrets: &[String]) -> Outcome {
        let data: serde_json::Value = serde_json::from_str(&due.data).unwrap_or(serde_json::Value::Null);
        let body = events::body(&due.event_type, &rfc3339(due.event_created_at), &data, due.naming == "classic");
        let body = body.to_string().into_bytes();
        let started_at = now_ms();
        let timestamp = started_at / 1000;
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let clock = Instant::now();
        let sent = self
            .inner
            .client
            .post(&due.url)
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", &due.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signing::standard_signature(&secrets, &due.id, timestamp, &body))
            .header("x-parlor-signature", signing::simple_signature(&secrets, &body))
            .header("x-parlor-event", body_event_name(&due.event_type, &due.naming))
            .body(body)
            .send()
            .await;
        let mut outcome =
            Outcome { status: None, error: None, retry_after: None, snippet: None, latency_ms: 0, started_at };
        match sent {
            Ok(mut response) => {
                let status = response.status();
                outcome.status = Some(status.as_u16());
                outcome.retry_after = retry_after(response.headers());
                let mut snippet = Vec::new();
                while snippet.len() < SNIPPET_BYTES {
                    match response.chunk().await {
                        Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                snippet.truncate(SNIPPET_BYTES);
                outcome.snippet = Some(String::from_utf8_lossy(&snippet).into_owned());
                if !status.is_success() {
                    outcome.error = Some(match status.as_u16() {
                        300..=399 => format!("HTTP {status}: redirects are not followed; use the final URL"),
                        _ => format!("HTTP {status}"),
                    });
                }
            }
            Err(err) => outcome.error = Some(describe(&err, self.inner.settings.timeout)),
        }
        outcome.latency_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        outcome
    }

    async fn record(&self, due: &Due, outcome: &Outcome) -> Result<()> {
        let settings = &self.inner.settings;
        let now = now_ms();
        let attempt = due.attempts + 1;
        let succeeded = outcome.status.is_some_and(|s| (200..300).contains(&s));
        let mut tx = self.inner.db.begin().await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (id, delivery_id, attempt, started_at, status_code, error, latency_ms, response_snippet)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id("att"))
        .bind(&due.id)
        .bind(attempt)
        .bind(outcome.started_at)
        .bind(outcome.status.map(i64::from))
        .bind(&outcome.error)
        .bind(outcome.latency_ms)
        .bind(&outcome.snippet)
        .execute(&mut *tx)
        .await?;

        let gone = outcome.status == Some(410);
        // Attempt n was made; a delivery gets one first attempt and one per scheduled retry.
        let retries_left = usize::try_from(attempt).is_ok_and(|n| n <= settings.retry_schedule.len());
        let (status, next_attempt_at) = if succeeded {
            ("succeeded", None)
        } else if gone || !retries_left {
            ("failed", None)
        } else {
            let wait = outcome
                .retry_after
                .map(|wait| wait.min(MAX_RETRY_AFTER))
                .or_else(|| settings.backoff(attempt + 1))
                .unwrap_or(Duration::from_secs(60));
            ("pending", Some(now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2)))
        };
        let owned = sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, lease_until = NULL,
                 lease_token = NULL, last_status_code = $4, last_error = $5, updated_at = $6,
                 delivered_at = CASE WHEN $1 = 'succeeded' THEN $6 ELSE delivered_at END
             WHERE id = $7 AND lease_token = $8",
        )
        .bind(status)
        .bind(attempt)
        .bind(next_attempt_at)
        .bind(outcome.status.map(i64::from))
        .bind(&outcome.error)
        .bind(now)
        .bind(&due.id)
        .bind(&due.lease_token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if owned == 0 {
            // The lease ran out and another dispatcher owns the delivery now; keep the log only.
            tx.commit().await?;
            return Ok(());
        }

        if succeeded {
            sqlx::query("UPDATE webhook_endpoints SET failure_streak = 0, failing_since = NULL WHERE id = $1")
                .bind(&due.endpoint_id)
                .execute(&mut *tx)
                .await?;
        } else {
            let (streak, since): (i64, Option<i64>) = sqlx::query_as(
                "UPDATE webhook_endpoints SET failure_streak = failure_streak + 1, failing_since = COALESCE(failing_since, $1)
                 WHERE id = $2 RETURNING failure_streak, failing_since",
            )
            .bind(now)
            .bind(&due.endpoint_id)
            .fetch_one(&mut *tx)
            .await?;
            let failing_for = Duration::from_millis(u64::try_from(now - since.unwrap_or(now)).unwrap_or(0));
            let reason = if gone {
                Some(format!("the receiver answered 410 Gone on {}", rfc3339(now)))
            } else if streak >= DISABLE_MIN_FAILURES && failing_for >= settings.disable_after {
                Some(format!(
                    "every attempt failed since {} ({streak} in a row); the last: {}",
                    rfc3339(since.unwrap_or(now)),
                    outcome.error.as_deref().unwrap_or("no answer")
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                sqlx::query(
                    "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(&reason)
                .bind(now)
                .bind(&due.endpoint_id)
                .execute(&mut *tx)
                .await?;
                tracing::warn!(endpoint_id = %due.endpoint_id, reason = %reason, "disabled a webhook endpoint");
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The event name as the endpoint receives it, for the `X-Parlor-Event` header.
fn body_event_name(event_type: &str, naming: &str) -> &'static str {
    match events::find(event_type) {
        Some(kind) if naming == "classic" => kind.classic.unwrap_or(kind.name),
        Some(kind) => kind.name,
        None => "unknown",
    }
}

/// A `Retry-After` header as a wait: seconds, or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs.max(1)));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::from_secs(1)).max(Duration::from_secs(1)))
}

/// A request error as the delivery log shows it, without the URL (which may hold a token).
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if let Some(refused) = Refused::find(err) {
        return format!("refused: {refused}");
    }
    if err.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs());
    }
    if err.is_connect() {
        return "could not connect to the receiver".to_owned();
    }
    let mut text = String::from("the request failed");
    let mut source = std::error::Error::source(err);
    if let Some(cause) = source.take() {
        text.push_str(&format!(": {cause}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(schedule: &str) -> DeliverySettings {
        DeliverySettings {
            timeout: Duration::from_secs(15),
            retry_schedule: DeliverySettings::parse_schedule(schedule).unwrap(),
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            concurrency: 4,
            disable_after: Duration::from_secs(3600),
            retention: Duration::from_secs(30 * 86_400),
        }
    }

    #[test]
    fn the_default_schedule_spreads_retries_over_about_a_day() {
        let settings = settings("5s,5m,30m,2h,5h,10h,10h");
        let total: Duration = settings.retry_schedule.iter().sum();
        assert!(total > Duration::from_secs(20 * 3600) && total < Duration::from_secs(36 * 3600));
        assert!(settings.backoff(1).is_none(), "attempt 1 is not a retry");
        let first = settings.backoff(2).unwrap();
        assert!(first >= Duration::from_secs(4) && first <= Duration::from_secs(6), "{first:?}");
        assert!(settings.backoff(8).is_some());
        assert!(settings.backoff(9).is_none(), "after 8 attempts the delivery gives up");
        assert!(DeliverySettings::parse_schedule("5s,soon").is_err());
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        let later = std::time::SystemTime::now() + Duration::from_secs(600);
        headers.insert(RETRY_AFTER, httpdate::fmt_http_date(later).parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(590) && wait <= Duration::from_secs(600), "{wait:?}");
        headers.insert(RETRY_AFTER, "whenever".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
