//! Webhooks: endpoints that a workspace registers, the outbox of events, and their delivery.
//!
//! A change that causes an event calls [`emit`] with the event's type from [`events`] inside
//! its own transaction, which writes the event and one delivery per subscribed endpoint, so an event exists exactly when its change
//! does. The [`dispatch`] loop of every process claims due deliveries with a lease, sends them
//! signed ([`signing`]), and records each attempt; failures are retried with backoff.

pub mod dispatch;
pub mod events;
pub mod signing;

use std::sync::Arc;

use self::events::AnyEvent;
use crate::db::{Db, Listing, Wake, newest_first};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms};
use crate::outbound::{self, OutboundPolicy};
use crate::secrets::SecretBox;

/// The most endpoints a workspace may register.
pub const MAX_ENDPOINTS: i64 = 50;
/// The longest rotation overlap: a week.
pub const MAX_OVERLAP_SECS: i64 = 7 * 24 * 3600;

/// Which event names an endpoint receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `message.received`, `conversation.started`, …
    Parlor,
    /// `new_message`, `new_conversation`, … where a classic name exists.
    Classic,
}

impl Naming {
    pub fn parse(text: &str) -> Result<Naming> {
        match text {
            "parlor" => Ok(Naming::Parlor),
            "classic" => Ok(Naming::Classic),
            other => Err(Error::Validation(format!("naming must be \"parlor\" or \"classic\", not {other:?}"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Naming::Parlor => "parlor",
            Naming::Classic => "classic",
        }
    }
}

/// A registered endpoint, without its secrets.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Endpoint {
    pub id: String,
    pub workspace_id: String,
    pub url: String,
    pub description: String,
    pub events: String,
    pub naming: String,
    pub enabled: i64,
    pub disabled_reason: Option<String>,
    pub failure_streak: i64,
    pub previous_secret_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Endpoint {
    /// The subscribed event names, or `["*"]` for all.
    pub fn event_list(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_else(|_| vec!["*".to_owned()])
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled != 0
    }
}

const ENDPOINT_COLUMNS: &str = "id, workspace_id, url, description, events, naming, enabled, disabled_reason, \
     failure_streak, previous_secret_expires_at, created_at, updated_at";

/// What a caller gives to register an endpoint.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub naming: Option<String>,
    pub enabled: Option<bool>,
}

/// The fields a caller may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub naming: Option<String>,
    pub enabled: Option<bool>,
}

/// One delivery of an event to an endpoint.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub event_created_at: i64,
    pub data: String,
}

const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.event_id, ev.event_type, d.status, d.attempts, \
     d.next_attempt_at, d.last_status_code, d.last_error, d.created_at, d.delivered_at, \
     ev.created_at AS event_created_at, ev.data";

/// One attempt of a delivery.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attempt {
    pub attempt: i64,
    pub started_at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_snippet: Option<String>,
}

/// Writes an event and its deliveries inside the transaction of the change that caused it.
/// Nothing is written when the workspace has no endpoints. The dispatcher is woken when the
/// transaction commits; the answer says whether anything was written.
pub async fn emit(tx: &mut crate::db::Tx, workspace_id: &str, event: &impl events::Event) -> Result<bool> {
    emit_all(tx, workspace_id, &[event]).await
}

/// [`emit`] for several events of one change, of any kinds, in order, reading the endpoints once.
pub async fn emit_all(tx: &mut crate::db::Tx, workspace_id: &str, events: &[&dyn AnyEvent]) -> Result<bool> {
    let endpoints: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT id, events, enabled FROM webhook_endpoints WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_all(&mut **tx)
            .await?;
    if endpoints.is_empty() {
        return Ok(false);
    }
    let now = now_ms();
    let endpoints: Vec<(String, Vec<String>, bool)> = endpoints
        .into_iter()
        .map(|(id, events, enabled)| (id, serde_json::from_str(&events).unwrap_or_default(), enabled != 0))
        .collect();
    for event in events {
        let event_id = insert_event(tx, workspace_id, *event, now).await?;
        for (endpoint_id, subscribed, enabled) in &endpoints {
            // Disabled endpoints get no deliveries; the stored event can be replayed to them later.
            if *enabled && events::subscribed(subscribed, event.name()) {
                insert_delivery(tx, endpoint_id, &event_id, now).await?;
            }
        }
    }
    tx.wake(Wake::Deliveries);
    Ok(true)
}

async fn insert_event(tx: &mut crate::db::Tx, workspace_id: &str, event: &dyn AnyEvent, now: i64) -> Result<String> {
    // Through a JSON value, whose keys are sorted, so the stored text does not depend on the
    // order of the type's fields.
    let data = event.data().map_err(|err| Error::Internal(err.into()))?;
    let event_id = new_id("evt");
    sqlx::query(
        "INSERT INTO webhook_events (id, workspace_id, event_type, data, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&event_id)
    .bind(workspace_id)
    .bind(event.name())
    .bind(data.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(event_id)
}

async fn insert_delivery(tx: &mut crate::db::Tx, endpoint_id: &str, event_id: &str, now: i64) -> Result<String> {
    let id = new_id("msg");
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4)",
    )
    .bind(&id)
    .bind(endpoint_id)
    .bind(event_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The webhook service of the API: endpoints, secrets, delivery log and redelivery.
#[derive(Debug, Clone)]
pub struct Webhooks {
    db: Db,
    secrets: SecretBox,
    policy: Arc<OutboundPolicy>,
}

impl Webhooks {
    pub fn new(db: Db, secrets: SecretBox, policy: Arc<OutboundPolicy>) -> Webhooks {
        Webhooks { db, secrets, policy }
    }

    async fn check_url(&self, text: &str) -> Result<String> {
        if text.len() > 2000 {
            return Err(Error::Validation("url must be at most 2000 characters".into()));
        }
        Ok(outbound::check_user_url(&self.policy, text).await?.to_string())
    }

    /// Registers an endpoint and returns it with its signing secret, which is shown only now.
    pub async fn create(&self, workspace_id: &str, new: NewEndpoint) -> Result<(Endpoint, String)> {
        let url = self.check_url(&new.url).await?;
        let events = events::parse_subscription(&new.events)?;
        let naming = Naming::parse(new.naming.as_deref().unwrap_or("parlor"))?;
        let description = check_description(new.description.as_deref().unwrap_or_default())?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_one(self.db.pool())
            .await?;
        if count >= MAX_ENDPOINTS {
            return Err(Error::Conflict(format!("a workspace can have at most {MAX_ENDPOINTS} webhook endpoints")));
        }
        let id = new_id("whk");
        let secret = signing::new_secret();
        let now = now_ms();
        let insert = sqlx::query(
            "INSERT INTO webhook_endpoints (id, workspace_id, url, description, events, naming, secret, enabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(workspace_id)
        .bind(&url)
        .bind(&description)
        .bind(serde_json::to_string(&events).map_err(|err| Error::Internal(err.into()))?)
        .bind(naming.as_str())
        .bind(self.secrets.seal(&id, &secret))
        .bind(i64::from(new.enabled.unwrap_or(true)))
        .bind(now);
        self.db.execute(insert).await?;
        Ok((self.get(workspace_id, &id).await?, secret))
    }

    /// The endpoints of a workspace, newest first.
    pub async fn list(
        &self,
        workspace_id: &str,
        limit: u32,
        after: Option<&str>,
    ) -> Result<(Vec<Endpoint>, Option<String>)> {
        let select = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1");
        let listing = Listing {
            select: &select,
            table: "webhook_endpoints",
            scope_column: "workspace_id",
            prefix: "",
            what: "a webhook endpoint of this workspace",
        };
        let page = newest_first(&self.db, listing, workspace_id, limit, after, |e: &Endpoint| &e.id).await?;
        Ok((page.items, page.next_cursor))
    }

    /// An endpoint of a workspace; `NotFound` when it does not exist or belongs to another.
    pub async fn get(&self, workspace_id: &str, id: &str) -> Result<Endpoint> {
        sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2"))
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or(Error::NotFound("webhook endpoint"))
    }

    /// Changes the fields the patch names. Enabling an endpoint clears why it was disabled.
    pub async fn update(&self, workspace_id: &str, id: &str, patch: EndpointPatch) -> Result<Endpoint> {
        let current = self.get(workspace_id, id).await?;
        let url = match patch.url {
            Some(url) => self.check_url(&url).await?,
            None => current.url,
        };
        let events = match patch.events {
            Some(list) => {
                serde_json::to_string(&events::parse_subscription(&list)?).map_err(|e| Error::Internal(e.into()))?
            }
            None => current.events,
        };
        let naming = match patch.naming {
            Some(text) => Naming::parse(&text)?.as_str().to_owned(),
            None => current.naming,
        };
        let description = match patch.description {
            Some(text) => check_description(&text)?,
            None => current.description,
        };
        let (enabled, reason, streak) = match patch.enabled {
            Some(true) => (1, None, 0),
            Some(false) => (0, Some("disabled by a user".to_owned()), current.failure_streak),
            None => (current.enabled, current.disabled_reason, current.failure_streak),
        };
        self.db
            .execute(
                sqlx::query(
                    "UPDATE webhook_endpoints SET url = $1, events = $2, naming = $3, description = $4, enabled = $5,
                 disabled_reason = $6, failure_streak = $7, updated_at = $8
             WHERE id = $9 AND workspace_id = $10",
                )
                .bind(url)
                .bind(events)
                .bind(naming)
                .bind(description)
                .bind(enabled)
                .bind(reason)
                .bind(streak)
                .bind(now_ms())
                .bind(id)
                .bind(workspace_id),
            )
            .await?;
        if enabled != 0 {
            self.db.wake(Wake::Deliveries);
        }
        self.get(workspace_id, id).await
    }

    /// Deletes an endpoint with its deliveries and their log.
    pub async fn delete(&self, workspace_id: &str, id: &str) -> Result<()> {
        let deleted = self
            .db
            .execute(
                sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2")
                    .bind(id)
                    .bind(workspace_id),
            )
            .await?
            .rows_affected();
        if deleted == 0 { Err(Error::NotFound("webhook endpoint")) } else { Ok(()) }
    }

    /// Gives an endpoint a new secret; the old one keeps signing too for `overlap_secs`.
    pub async fn rotate_secret(&self, workspace_id: &str, id: &str, overlap_secs: i64) -> Result<(Endpoint, String)> {
        if !(0..=MAX_OVERLAP_SECS).contains(&overlap_secs) {
            return Err(Error::Validation(format!("overlap_seconds must be between 0 and {MAX_OVERLAP_SECS}")));
        }
        self.get(workspace_id, id).await?;
        let current: String = sqlx::query_scalar("SELECT secret FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .fetch_one(self.db.pool())
            .await?;
        let secret = signing::new_secret();
        let now = now_ms();
        let (previous, expires) =
            if overlap_secs > 0 { (Some(current), Some(now + overlap_secs * 1000)) } else { (None, None) };
        let rotate = sqlx::query(
            "UPDATE webhook_endpoints SET secret = $1, previous_secret = $2, previous_secret_expires_at = $3, updated_at = $4
             WHERE id = $5",
        )
        .bind(self.secrets.seal(id, &secret))
        .bind(previous)
        .bind(expires)
        .bind(now)
        .bind(id);
        self.db.execute(rotate).await?;
        Ok((self.get(workspace_id, id).await?, secret))
    }

    /// Queues a `ping` event to one endpoint, whatever it subscribed to; returns the delivery id.
    pub async fn send_test(&self, workspace_id: &str, id: &str) -> Result<String> {
        let endpoint = self.get(workspace_id, id).await?;
        if !endpoint.is_enabled() {
            return Err(Error::Conflict("this endpoint is disabled; enable it before sending a test event".into()));
        }
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let event_id = insert_event(&mut tx, workspace_id, &events::Ping::to(id), now).await?;
        let delivery_id = insert_delivery(&mut tx, id, &event_id, now).await?;
        tx.wake(Wake::Deliveries);
        tx.commit().await?;
        Ok(delivery_id)
    }

    /// The deliveries of an endpoint, newest first, optionally of one status.
    pub async fn deliveries(
        &self,
        workspace_id: &str,
        endpoint_id: &str,
        status: Option<&str>,
        limit: u32,
        after: Option<&str>,
    ) -> Result<(Vec<Delivery>, Option<String>)> {
        self.get(workspace_id, endpoint_id).await?;
        if let Some(status) = status
            && !matches!(status, "pending" | "succeeded" | "failed")
        {
            return Err(Error::Validation("status must be pending, succeeded or failed".into()));
        }
        let limit = limit.clamp(1, 100);
        let (anchor_at, anchor_id) = match after {
            None => (i64::MAX, String::new()),
            Some(cursor) => {
                let anchor = self
                    .delivery_row(endpoint_id, cursor)
                    .await
                    .map_err(|_| Error::Validation("cursor does not name a delivery of this endpoint".into()))?;
                (anchor.created_at, anchor.id)
            }
        };
        let mut items: Vec<Delivery> = sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
             WHERE d.endpoint_id = $1 AND ($2 = '' OR d.status = $2)
               AND (d.created_at < $3 OR (d.created_at = $3 AND d.id < $4))
             ORDER BY d.created_at DESC, d.id DESC LIMIT $5"
        ))
        .bind(endpoint_id)
        .bind(status.unwrap_or(""))
        .bind(anchor_at)
        .bind(anchor_id)
        .bind(i64::from(limit) + 1)
        .fetch_all(self.db.pool())
        .await?;
        let next = crate::db::finish_page(&mut items, limit, |d| &d.id);
        Ok((items, next))
    }

    async fn delivery_row(&self, endpoint_id: &str, delivery_id: &str) -> Result<Delivery> {
        sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
             WHERE d.id = $1 AND d.endpoint_id = $2"
        ))
        .bind(delivery_id)
        .bind(endpoint_id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Error::NotFound("delivery"))
    }

    /// One delivery of an endpoint, with the endpoint and every attempt, oldest first.
    pub async fn delivery(
        &self,
        workspace_id: &str,
        endpoint_id: &str,
        delivery_id: &str,
    ) -> Result<(Endpoint, Delivery, Vec<Attempt>)> {
        let endpoint = self.get(workspace_id, endpoint_id).await?;
        let delivery = self.delivery_row(endpoint_id, delivery_id).await?;
        let attempts = sqlx::query_as(
            "SELECT attempt, started_at, status_code, error, latency_ms, response_snippet FROM webhook_attempts
             WHERE delivery_id = $1 ORDER BY attempt",
        )
        .bind(delivery_id)
        .fetch_all(self.db.pool())
        .await?;
        Ok((endpoint, delivery, attempts))
    }

    /// Sends a delivery again now, whatever its state, with the same `webhook-id`.
    pub async fn redeliver(&self, workspace_id: &str, endpoint_id: &str, delivery_id: &str) -> Result<()> {
        let endpoint = self.get(workspace_id, endpoint_id).await?;
        if !endpoint.is_enabled() {
            return Err(Error::Conflict("this endpoint is disabled; enable it before redelivering".into()));
        }
        self.delivery_row(endpoint_id, delivery_id).await?;
        let redeliver = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, lease_until = NULL, lease_token = NULL,
                 updated_at = $1
             WHERE id = $2",
        )
        .bind(now_ms())
        .bind(delivery_id);
        self.db.execute(redeliver).await?;
        self.db.wake(Wake::Deliveries);
        Ok(())
    }

    /// Queues again every event of the workspace between `since` and `until` (milliseconds)
    /// that the endpoint subscribes to, including events it missed while disabled. Returns how
    /// many deliveries were queued.
    pub async fn replay(&self, workspace_id: &str, endpoint_id: &str, since: i64, until: i64) -> Result<u64> {
        let endpoint = self.get(workspace_id, endpoint_id).await?;
        if !endpoint.is_enabled() {
            return Err(Error::Conflict("this endpoint is disabled; enable it before replaying events".into()));
        }
        if since > until {
            return Err(Error::Validation("since must not be after until".into()));
        }
        let subscribed = endpoint.event_list();
        let found: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT ev.id, ev.event_type, d.id FROM webhook_events ev
             LEFT JOIN webhook_deliveries d ON d.event_id = ev.id AND d.endpoint_id = $1
             WHERE ev.workspace_id = $2 AND ev.created_at >= $3 AND ev.created_at <= $4
             ORDER BY ev.created_at LIMIT 10001",
        )
        .bind(endpoint_id)
        .bind(workspace_id)
        .bind(since)
        .bind(until)
        .fetch_all(self.db.pool())
        .await?;
        if found.len() > 10_000 {
            return Err(Error::Validation("a replay covers at most 10,000 events; choose a shorter range".into()));
        }
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let mut queued = 0;
        for (event_id, event_type, delivery_id) in found {
            match delivery_id {
                Some(delivery_id) => {
                    sqlx::query(
                        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, lease_until = NULL,
                             lease_token = NULL, updated_at = $1 WHERE id = $2",
                    )
                    .bind(now)
                    .bind(delivery_id)
                    .execute(&mut *tx)
                    .await?;
                }
                None if events::subscribed(&subscribed, &event_type) => {
                    insert_delivery(&mut tx, endpoint_id, &event_id, now).await?;
                }
                None => continue,
            }
            queued += 1;
        }
        tx.wake(Wake::Deliveries);
        tx.commit().await?;
        Ok(queued)
    }
}

fn check_description(text: &str) -> Result<String> {
    if text.chars().count() > 500 {
        return Err(Error::Validation("description must be at most 500 characters".into()));
    }
    Ok(text.trim().to_owned())
}
