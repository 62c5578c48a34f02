//! Background jobs that fetch a page (`url`) or crawl a site or sitemap (`scrape`).
//!
//! A job is a row in `knowledge_jobs`. Every process runs a [`Worker`] that claims queued jobs,
//! and jobs whose lease ran out, with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
//! processes never claim the same job; SQLite has one writer). While a job runs its worker
//! renews the lease and saves a checkpoint (the crawl's queue and what it stored) after each
//! page. A process that dies leaves a lease that expires; another process (or the same one
//! restarted) claims the job and resumes from the checkpoint. A job interrupted
//! [`MAX_ATTEMPTS`] times fails with that reason, so no source stays "processing" forever.
//! On a clean shutdown a worker hands its jobs back at once.
//!
//! When embeddings are configured the worker also embeds chunks that have no vector yet
//! (`super::vectors::embed_loop`) whenever knowledge changed, backing off while the
//! embeddings API fails; the chunks are searchable with BM25 meanwhile.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::crawl::{FetchSettings, Fetcher};
use super::documents;
use super::embed::{Embedder, EmbeddingSettings};
use super::vectors;
use super::{SOURCE_COLUMNS, Source, record_change};
use crate::db::{Db, RowLock, Wake};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms, random_base62};
use crate::ingest;
use crate::outbound::OutboundPolicy;

mod crawl_loop;

/// Claims of one job before it fails as interrupted.
pub const MAX_ATTEMPTS: i64 = 3;
/// Changes older than this are deleted from `knowledge_changes` (indexes catch up far sooner).
const CHANGES_KEPT_MS: i64 = 24 * 3600 * 1000;

/// What a job fetches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobParams {
    pub url: String,
    /// Pages to learn from at most.
    pub max_pages: u32,
    /// Links followed from the first page at most this many steps deep.
    pub max_depth: u32,
}

/// A crawl's progress, saved after each page so that a resumed job goes on where it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub started: bool,
    /// URLs still to fetch, with their link depth.
    pub queue: VecDeque<(String, u32)>,
    /// Every URL queued so far (fetched or not).
    pub seen: Vec<String>,
    /// The canonical URLs of the pages stored.
    pub kept: Vec<String>,
    /// Pages processed (stored, unchanged, skipped or failed).
    pub processed: u32,
    /// Requests made for pages and sitemaps.
    pub fetches: u32,
    pub sitemaps_read: u32,
    /// Why the first page that could not be learned from was skipped.
    pub first_error: Option<String>,
}

/// How jobs run.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// How long a claimed job stays with its worker without a renewal.
    pub lease: Duration,
    /// How often to look for jobs when nothing wakes the worker.
    pub poll: Duration,
    /// Jobs run at once per process.
    pub concurrency: usize,
    pub fetch: FetchSettings,
    /// The most pages one crawl may ask for.
    pub max_pages: u32,
    /// Caps on reading one fetched document.
    pub limits: ingest::Limits,
    /// The embeddings API, when hybrid retrieval is on.
    pub embeddings: Option<EmbeddingSettings>,
}

/// Adds a source that a job fills (type `url`, or a `scrape`) and queues its job, in one
/// transaction.
pub async fn create_fetch_source(db: &Db, chatbot_id: &str, kind: &str, params: &JobParams) -> Result<Source> {
    let mut tx = db.begin().await?;
    let id =
        documents::insert_source(&mut tx, chatbot_id, kind, &params.url, Some(&params.url), None, None, "processing")
            .await?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO knowledge_jobs (id, source_id, kind, params, status, attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5)",
    )
    .bind(new_id("job"))
    .bind(&id)
    .bind(kind)
    .bind(serde_json::to_string(params).map_err(anyhow::Error::new)?)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.wake(Wake::Jobs);
    tx.commit().await?;
    super::get_source(db, chatbot_id, &id).await
}

/// Queues a fetched source's job again (to pick up changes on the site). Pages whose content
/// is unchanged are not rewritten.
pub async fn refresh(db: &Db, source: &Source) -> Result<Source> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE knowledge_jobs SET status = 'queued', state = NULL, attempts = 0, error = NULL, lease_until = NULL,
             lease_token = NULL, updated_at = $1
         WHERE source_id = $2 AND status IN ('done', 'failed')",
    )
    .bind(now_ms())
    .bind(&source.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(Error::Conflict("this source is being processed already, or is not fetched from the web".into()));
    }
    sqlx::query("UPDATE knowledge_sources SET status = 'processing', error = NULL, pages_done = 0, updated_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(&source.id)
        .execute(&mut *tx)
        .await?;
    tx.wake(Wake::Jobs);
    tx.commit().await?;
    super::get_source(db, &source.chatbot_id, &source.id).await
}

/// A job this worker holds.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Claimed {
    id: String,
    source_id: String,
    kind: String,
    params: String,
    state: Option<String>,
    attempts: i64,
    lease_token: String,
    workspace_id: String,
}

/// How a run of a job ended.
enum End {
    /// Everything reachable within the caps was processed.
    Done(Checkpoint),
    /// Nothing could be learned; the reason is for the owner.
    Failed(String, Checkpoint),
    /// Shutdown, the source was deleted, or the lease was lost: leave the job as it is.
    Stopped,
}

/// Runs this process's share of the jobs. Cheap to clone.
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    fetcher: Fetcher,
    settings: JobSettings,
    embedder: Option<Arc<dyn Embedder>>,
}

impl Worker {
    /// A worker that fetches and crawls through `policy` and, with an `embedder` (the one the
    /// search index uses), embeds new chunks for hybrid retrieval.
    pub fn new(
        db: Db,
        policy: &OutboundPolicy,
        settings: JobSettings,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Worker> {
        let fetcher = Fetcher::new(policy, settings.fetch.clone())?;
        Ok(Worker { inner: Arc::new(Inner { db, fetcher, settings, embedder }) })
    }

    /// Runs jobs until `stop` turns true, then hands the running ones back.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let embedding = self.inner.embedder.clone().map(|embedder| {
            let batch = self.inner.settings.embeddings.as_ref().map_or(64, |e| e.batch);
            tokio::spawn(vectors::embed_loop(self.inner.db.clone(), embedder, batch, stop.clone()))
        });
        self.run_jobs(stop).await;
        if let Some(embedding) = embedding {
            embedding.abort();
        }
    }

    async fn run_jobs(self, mut stop: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(self.inner.settings.concurrency.max(1)));
        let running = TaskTracker::new();
        let cancel = CancellationToken::new();
        let mut pruned: Option<Instant> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            if pruned.is_none_or(|at| at.elapsed() > Duration::from_secs(600)) {
                pruned = Some(Instant::now());
                if let Err(err) = self.prune().await {
                    tracing::warn!(error = ?err, "could not prune old knowledge changes");
                }
            }
            let permit = tokio::select! {
                permit = permits.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
                _ = stop.changed() => break,
            };
            match self.claim().await {
                Ok(Some(job)) => {
                    let this = self.clone();
                    let token = cancel.child_token();
                    running.spawn(async move {
                        this.run_job(job, token).await;
                        drop(permit);
                    });
                }
                Ok(None) => {
                    drop(permit);
                    tokio::select! {
                        () = self.inner.db.woken(Wake::Jobs) => {}
                        () = tokio::time::sleep(self.inner.settings.poll) => {}
                        _ = stop.changed() => break,
                    }
                }
                Err(err) => {
                    drop(permit);
                    tracing::warn!(error = ?err, "could not claim knowledge jobs");
                    tokio::time::sleep(self.inner.settings.poll).await;
                }
            }
        }
        cancel.cancel();
        running.close();
        running.wait().await;
    }

    async fn prune(&self) -> Result<()> {
        self.inner
            .db
            .execute(
                sqlx::query("DELETE FROM knowledge_changes WHERE created_at < $1").bind(now_ms() - CHANGES_KEPT_MS),
            )
            .await?;
        Ok(())
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.inner.settings.lease.as_millis()).unwrap_or(i64::MAX / 4)
    }

    /// Leases the oldest queued job, or one whose lease expired.
    async fn claim(&self) -> Result<Option<Claimed>> {
        let db = &self.inner.db;
        let now = now_ms();
        let token = random_base62(22);
        let lock = db.row_lock(RowLock::SkipLocked);
        let sql = format!(
            "UPDATE knowledge_jobs SET status = 'running', lease_until = $1, lease_token = $2, attempts = attempts + 1,
                 updated_at = $3
             WHERE id IN (
                 SELECT id FROM knowledge_jobs
                 WHERE status = 'queued' OR (status = 'running' AND lease_until <= $3)
                 ORDER BY created_at LIMIT 1 {lock})"
        );
        let claim = sqlx::query(&sql).bind(now + self.lease_ms()).bind(&token).bind(now);
        let claimed = db.execute(claim).await?.rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        Ok(sqlx::query_as(
            "SELECT j.id, j.source_id, j.kind, j.params, j.state, j.attempts, j.lease_token, b.workspace_id
             FROM knowledge_jobs j
             JOIN knowledge_sources s ON s.id = j.source_id
             JOIN chatbots b ON b.id = s.chatbot_id
             WHERE j.lease_token = $1",
        )
        .bind(&token)
        .fetch_optional(db.pool())
        .await?)
    }

    async fn run_job(&self, job: Claimed, cancel: CancellationToken) {
        let lost = CancellationToken::new();
        let heartbeat = tokio::spawn(self.clone().renew_lease(job.id.clone(), job.lease_token.clone(), lost.clone()));
        let stop = CancellationToken::new();
        let watcher = {
            let (stop, cancel, lost) = (stop.clone(), cancel.clone(), lost.clone());
            tokio::spawn(async move {
                tokio::select! {
                    () = cancel.cancelled() => {}
                    () = lost.cancelled() => {}
                }
                stop.cancel();
            })
        };
        let end = if job.attempts > MAX_ATTEMPTS {
            let reason = format!(
                "the job was interrupted {} times before it finished (its process stopped); refresh the source to try again",
                job.attempts - 1
            );
            let checkpoint = job.state.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
            Ok(End::Failed(reason, checkpoint))
        } else {
            self.crawl(&job, &stop).await
        };
        heartbeat.abort();
        watcher.abort();
        let outcome = match end {
            Ok(End::Done(checkpoint)) => self.finish(&job, None, &checkpoint).await,
            Ok(End::Failed(reason, checkpoint)) => self.finish(&job, Some(&reason), &checkpoint).await,
            Ok(End::Stopped) if !lost.is_cancelled() => self.release(&job).await,
            Ok(End::Stopped) => Ok(()),
            Err(err) => Err(err),
        };
        if let Err(err) = outcome {
            // The lease runs out and the job is claimed again, resuming from its checkpoint.
            tracing::warn!(job_id = %job.id, error = ?err, "a knowledge job could not be recorded");
        }
    }

    /// Renews the lease a few times per lease period; cancels `lost` if another worker took it.
    async fn renew_lease(self, job_id: String, token: String, lost: CancellationToken) {
        let every = self.inner.settings.lease / 3;
        loop {
            tokio::time::sleep(every).await;
            let renewed = self
                .inner
                .db
                .execute(
                    sqlx::query("UPDATE knowledge_jobs SET lease_until = $1 WHERE id = $2 AND lease_token = $3")
                        .bind(now_ms() + self.lease_ms())
                        .bind(&job_id)
                        .bind(&token),
                )
                .await;
            match renewed {
                Ok(result) if result.rows_affected() == 0 => {
                    tracing::warn!(job_id = %job_id, "a knowledge job's lease was taken over; stopping it here");
                    lost.cancel();
                    return;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(job_id = %job_id, error = ?err, "could not renew a knowledge job's lease"),
            }
        }
    }

    /// Saves the checkpoint and the source's progress.
    async fn checkpoint(&self, job: &Claimed, checkpoint: &Checkpoint, max_pages: u32) -> Result<bool> {
        let db = &self.inner.db;
        let now = now_ms();
        let state = serde_json::to_string(checkpoint).map_err(anyhow::Error::new)?;
        let held = db
            .execute(
                sqlx::query("UPDATE knowledge_jobs SET state = $1, updated_at = $2 WHERE id = $3 AND lease_token = $4")
                    .bind(state)
                    .bind(now)
                    .bind(&job.id)
                    .bind(&job.lease_token),
            )
            .await?
            .rows_affected()
            > 0;
        let total = (checkpoint.seen.len() as u32).min(max_pages).max(checkpoint.processed);
        db.execute(
            sqlx::query(
                "UPDATE knowledge_sources SET pages_done = $1, pages_total = $2, updated_at = $3,
                 byte_count = CASE WHEN kind = 'scrape'
                     THEN (SELECT COALESCE(SUM(p.byte_count), 0) FROM knowledge_sources p WHERE p.parent_id = $4)
                     ELSE byte_count END
             WHERE id = $4",
            )
            .bind(i64::from(checkpoint.processed))
            .bind(i64::from(total))
            .bind(now)
            .bind(&job.source_id),
        )
        .await?;
        Ok(held)
    }

    /// Marks the job done (or failed, with `failure`) and the source ready (or failed), with its
    /// webhook event, in one transaction that holds the lease.
    async fn finish(&self, job: &Claimed, failure: Option<&str>, cp: &Checkpoint) -> Result<()> {
        let db = &self.inner.db;
        let now = now_ms();
        let mut tx = db.begin().await?;
        let held = sqlx::query(
            "UPDATE knowledge_jobs SET status = $1, error = $2, state = $3, lease_until = NULL, updated_at = $4
             WHERE id = $5 AND lease_token = $6",
        )
        .bind(if failure.is_some() { "failed" } else { "done" })
        .bind(failure)
        .bind(serde_json::to_string(cp).map_err(anyhow::Error::new)?)
        .bind(now)
        .bind(&job.id)
        .bind(&job.lease_token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if held == 0 {
            tx.rollback().await?;
            return Ok(());
        }
        let source: Source = sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1"))
            .bind(&job.source_id)
            .fetch_one(&mut *tx)
            .await?;
        if failure.is_none() && source.kind == "scrape" {
            // Pages the site no longer has (or no longer links) are forgotten.
            let pages: Vec<(String, Option<String>)> =
                sqlx::query_as("SELECT id, source_url FROM knowledge_sources WHERE parent_id = $1")
                    .bind(&source.id)
                    .fetch_all(&mut *tx)
                    .await?;
            let kept: HashSet<&str> = cp.kept.iter().map(String::as_str).collect();
            for (id, url) in pages {
                if !url.as_deref().is_some_and(|u| kept.contains(u)) {
                    record_change(&mut tx, &source.chatbot_id, Some(&id)).await?;
                    sqlx::query("DELETE FROM knowledge_sources WHERE id = $1").bind(&id).execute(&mut *tx).await?;
                }
            }
            sqlx::query(
                "UPDATE knowledge_sources SET
                     chunk_count = (SELECT COALESCE(SUM(p.chunk_count), 0) FROM knowledge_sources p WHERE p.parent_id = $1),
                     byte_count = (SELECT COALESCE(SUM(p.byte_count), 0) FROM knowledge_sources p WHERE p.parent_id = $1)
                 WHERE id = $1",
            )
            .bind(&source.id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE knowledge_sources SET status = $1, error = $2, pages_done = $3, pages_total = $3, updated_at = $4
             WHERE id = $5",
        )
        .bind(if failure.is_some() { "failed" } else { "ready" })
        .bind(failure)
        .bind(i64::from(cp.processed))
        .bind(now)
        .bind(&source.id)
        .execute(&mut *tx)
        .await?;
        let source: Source = sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1"))
            .bind(&job.source_id)
            .fetch_one(&mut *tx)
            .await?;
        if failure.is_some() {
            documents::emit_failed(&mut tx, &job.workspace_id, &source).await?;
        } else {
            documents::emit_ready(&mut tx, &job.workspace_id, &source).await?;
        }
        tx.commit().await?;
        tracing::info!(
            source_id = %source.id, status = %source.status, pages = cp.processed, chunks = source.chunk_count,
            error = failure.unwrap_or(""), "knowledge job finished"
        );
        Ok(())
    }

    /// Hands a job back on shutdown: queued again at once, and the claim not counted.
    async fn release(&self, job: &Claimed) -> Result<()> {
        self.inner
            .db
            .execute(
                sqlx::query(
                    "UPDATE knowledge_jobs SET status = 'queued', lease_until = NULL, lease_token = NULL,
                 attempts = attempts - 1, updated_at = $1
             WHERE id = $2 AND lease_token = $3",
                )
                .bind(now_ms())
                .bind(&job.id)
                .bind(&job.lease_token),
            )
            .await?;
        Ok(())
    }
}

impl JobSettings {
    /// The settings of `parlor serve`'s knowledge flags.
    pub fn from_config(config: &crate::config::Config) -> JobSettings {
        JobSettings {
            lease: Duration::from_secs(config.knowledge_job_lease_secs.max(3)),
            poll: Duration::from_secs(1),
            concurrency: config.knowledge_workers.max(1),
            fetch: FetchSettings {
                delay: Duration::from_millis(config.crawl_delay_ms),
                timeout: Duration::from_secs(20),
                max_bytes: 10 * 1024 * 1024,
                max_redirects: 5,
            },
            max_pages: config.crawl_max_pages.max(1),
            limits: ingest::Limits::from_config(config),
            embeddings: EmbeddingSettings::from_config(config),
        }
    }
}
