//! Storage: one connection pool over SQLite (the default, a file in the data directory) or
//! PostgreSQL, with embedded migrations for each. The rest of the code writes one SQL text with
//! `$1` placeholders, which both databases accept, so behaviour is the same on both.

use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::config::StorageConfig;
use crate::error::{Error, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A lowercase name for logs and readiness reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// How long a write transaction waits for its turn before giving up, like SQLite's own busy
/// timeout (which still applies between processes).
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// How often, on SQLite, the write-ahead log is copied back into the database file by a task
/// of its own. SQLite's automatic checkpoint runs inside the commit that crosses its threshold,
/// so one request in about a hundred paid a few milliseconds for it (the first-byte p99 was
/// 6.3 ms with it and 2.8 ms without); the automatic one is kept only as a backstop.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// The backstop: SQLite checkpoints by itself when the log reaches this many pages (4 KiB
/// each), which only happens if the background checkpoints cannot keep up.
const AUTO_CHECKPOINT_PAGES: u32 = 16_384;

/// The database handle shared by the whole process. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// On SQLite, one writer of this process at a time (see [`Db::begin`]).
    writer: Arc<Semaphore>,
    /// On SQLite, stops the background checkpoints when the last handle is dropped.
    _checkpoints: Option<Arc<DropGuard>>,
    /// Who waits in this process for what committed changes bring (see [`Wake`]).
    wakers: Arc<Wakers>,
}

/// What a committed change wakes in this process. The code that writes the change says so on
/// its transaction ([`Tx::wake`]) and the wake-up happens when, and only if, it commits, so no
/// adapter has to remember to wake anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// New webhook deliveries: the dispatcher.
    Deliveries,
    /// A conversation changed (an agent's reply, a status): every live stream that shows it,
    /// the visitor's widget and the open inboxes.
    Conversations,
    /// A knowledge job was queued: the job worker.
    Jobs,
}

impl Wake {
    const ALL: [Wake; 3] = [Wake::Deliveries, Wake::Conversations, Wake::Jobs];

    fn bit(self) -> u8 {
        match self {
            Wake::Deliveries => 1,
            Wake::Conversations => 2,
            Wake::Jobs => 4,
        }
    }
}

/// The waiters of each [`Wake`]. The dispatcher and the job worker are one waiter each, woken
/// with a kept permit (a wake-up while they work is not lost); live streams are many, and each
/// creates its waiter before it reads the database.
#[derive(Debug, Default)]
struct Wakers {
    deliveries: tokio::sync::Notify,
    conversations: tokio::sync::Notify,
    jobs: tokio::sync::Notify,
}

impl Wakers {
    fn get(&self, wake: Wake) -> &tokio::sync::Notify {
        match wake {
            Wake::Deliveries => &self.deliveries,
            Wake::Conversations => &self.conversations,
            Wake::Jobs => &self.jobs,
        }
    }

    fn wake(&self, wake: Wake) {
        match wake {
            Wake::Deliveries | Wake::Jobs => self.get(wake).notify_one(),
            Wake::Conversations => self.get(wake).notify_waiters(),
        }
    }
}

/// A write transaction from [`Db::begin`]. Use it as the connection (`&mut *tx`) and end it
/// with [`Tx::commit`]; dropped without a commit, it rolls back. On SQLite it holds this
/// process's write turn until it ends.
#[derive(Debug)]
pub struct Tx {
    // Declared first so that it is dropped (and its rollback queued) before the turn is handed on.
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<OwnedSemaphorePermit>,
    wakers: Arc<Wakers>,
    /// The [`Wake`]s to raise after the commit, as bits.
    wakes: u8,
}

impl Tx {
    /// Commits, then wakes whoever the change asked for ([`Tx::wake`]).
    pub async fn commit(self) -> Result<()> {
        let Tx { tx, _turn: turn, wakers, wakes } = self;
        tx.commit().await?;
        drop(turn);
        for wake in Wake::ALL {
            if wakes & wake.bit() != 0 {
                wakers.wake(wake);
            }
        }
        Ok(())
    }

    /// Asks for `wake` once this transaction commits; nothing happens if it rolls back.
    pub fn wake(&mut self, wake: Wake) {
        self.wakes |= wake.bit();
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Db {
    /// Opens the configured database, creating the SQLite file (and its directory) if needed.
    pub async fn connect(storage: &StorageConfig) -> Result<Db> {
        Self::connect_with(storage, 10).await
    }

    /// [`Db::connect`] with a chosen pool size.
    pub async fn connect_with(storage: &StorageConfig, max_connections: u32) -> Result<Db> {
        sqlx::any::install_default_drivers();
        match storage {
            StorageConfig::Sqlite { path } => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|err| {
                        Error::Internal(
                            anyhow::Error::new(err)
                                .context(format!("cannot create the data directory {}", dir.display())),
                        )
                    })?;
                }
                let url = format!("sqlite://{}?mode=rwc", path.display());
                let options = AnyConnectOptions::from_str(&url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // Per-connection settings: wait for locks instead of failing at once,
                            // enforce foreign keys, and make WAL commits cheap but durable.
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute(format!("PRAGMA wal_autocheckpoint = {AUTO_CHECKPOINT_PAGES}").as_str())
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                // WAL is a property of the database file, so setting it once is enough.
                sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
                let checkpoints = spawn_checkpoints(pool.clone());
                Ok(Db {
                    pool,
                    backend: Backend::Sqlite,
                    writer: Arc::new(Semaphore::new(1)),
                    _checkpoints: Some(Arc::new(checkpoints)),
                    wakers: Arc::default(),
                })
            }
            StorageConfig::Postgres { url } => {
                let options = AnyConnectOptions::from_str(url.expose())?;
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Ok(Db {
                    pool,
                    backend: Backend::Postgres,
                    writer: Arc::new(Semaphore::new(1)),
                    _checkpoints: None,
                    wakers: Arc::default(),
                })
            }
            StorageConfig::Other { .. } => Err(Error::Internal(anyhow::anyhow!(
                "DATABASE_URL must start with postgres:// (or be unset to use SQLite)"
            ))),
        }
    }

    /// Applies the embedded migrations that are not applied yet, then fills what a migration made
    /// room for but only Rust can compute.
    pub async fn migrate(&self) -> Result<()> {
        self.backend.migrator().run(&self.pool).await?;
        self.fill_search_text().await
    }

    /// Migration 0017: the case-folded copy of the visitors' messages written before it, in
    /// batches. Idempotent, so several processes starting at once may each run it; once done, a
    /// start pays one probe of an empty partial index (0018), not a scan of every message.
    async fn fill_search_text(&self) -> Result<()> {
        loop {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT id, content FROM messages WHERE role = 'user' AND search_text IS NULL LIMIT 500",
            )
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin().await?;
            for (id, content) in rows {
                sqlx::query("UPDATE messages SET search_text = $1 WHERE id = $2")
                    .bind(fold_case(&content))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }

    /// The clause that locks the rows a `SELECT` reads for the transaction, so that two
    /// processes never claim the same row: `FOR UPDATE …` on PostgreSQL; nothing on SQLite, where
    /// the transaction's write lock (`BEGIN IMMEDIATE`, see [`Db::begin`]) already serialises them.
    pub fn row_lock(&self, lock: RowLock) -> String {
        match (self.backend, lock) {
            (Backend::Sqlite, _) => String::new(),
            (Backend::Postgres, RowLock::Wait) => "FOR UPDATE".to_owned(),
            (Backend::Postgres, RowLock::SkipLocked) => "FOR UPDATE SKIP LOCKED".to_owned(),
            (Backend::Postgres, RowLock::SkipLockedOf(table)) => format!("FOR UPDATE OF {table} SKIP LOCKED"),
        }
    }

    /// Whether the database answers and every embedded migration has been applied.
    pub async fn is_ready(&self) -> Result<bool> {
        let expected = self.backend.migrator().iter().filter(|m| m.migration_type.is_up_migration()).count();
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await?;
        Ok(usize::try_from(applied).unwrap_or(0) >= expected)
    }

    /// Starts a transaction that may write.
    ///
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction
    /// that reads first and writes later fails with "database is locked" when another
    /// connection writes in between, whatever the busy timeout, while an immediate one waits
    /// its turn. SQLite has one writer at a time, and a connection that finds the lock taken
    /// sleeps in SQLite's busy handler (1 ms, then 2, 5, 10 ms…) however soon the lock is
    /// free; so the writers of this process queue for their turn here first, in order, and
    /// the busy handler only ever waits for another process. On PostgreSQL transactions run
    /// side by side.
    pub async fn begin(&self) -> Result<Tx> {
        let turn = self.write_turn().await?;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { tx, _turn: turn, wakers: self.wakers.clone(), wakes: 0 })
    }

    /// Runs one writing statement on its own, in this process's write turn on SQLite (see
    /// [`Db::begin`]). Reads need no turn: they go to [`Db::pool`].
    pub async fn execute<'q>(
        &self,
        statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> std::result::Result<sqlx::any::AnyQueryResult, sqlx::Error> {
        let _turn = self.write_turn().await?;
        statement.execute(&self.pool).await
    }

    /// Waits for this process's turn to write on SQLite; `None` on PostgreSQL, where writers
    /// do not queue.
    async fn write_turn(&self) -> std::result::Result<Option<OwnedSemaphorePermit>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = tokio::time::timeout(WRITE_TURN_TIMEOUT, self.writer.clone().acquire_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                Ok(Some(turn))
            }
            Backend::Postgres => Ok(None),
        }
    }

    /// Wakes whoever waits for `wake` in this process, for a change written without a
    /// transaction of [`Db::begin`] (prefer [`Tx::wake`]).
    pub fn wake(&self, wake: Wake) {
        self.wakers.wake(wake);
    }

    /// A future that completes at the next `wake`. For [`Wake::Conversations`] it counts from
    /// its creation, so create it before reading the database; the others keep one wake-up
    /// that came while nobody waited.
    pub fn woken(&self, wake: Wake) -> tokio::sync::futures::Notified<'_> {
        self.wakers.get(wake).notified()
    }

    /// The pool, for the data-access functions next to each domain module.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every pooled connection (on shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Copies SQLite's write-ahead log back into the database file every [`CHECKPOINT_EVERY`],
/// off the requests' path, until the returned guard is dropped or the pool closes. A passive
/// checkpoint never waits for (nor blocks) readers or writers.
fn spawn_checkpoints(pool: AnyPool) -> DropGuard {
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stopped.cancelled() => break,
                _ = every.tick() => {}
            }
            if pool.is_closed() {
                break;
            }
            if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await
                && !pool.is_closed()
            {
                tracing::warn!(error = ?err, "could not checkpoint the SQLite write-ahead log");
            }
        }
    });
    stop.drop_guard()
}

/// A page of a list, newest first, and the cursor of the next page when there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Where a list newest first reads from.
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    /// `SELECT … FROM table [alias] WHERE scope_column = $1`, with any further filters after.
    pub select: &'a str,
    /// The table (without alias) and its scope column, to find a cursor's row.
    pub table: &'a str,
    pub scope_column: &'a str,
    /// The alias prefix of `id` and `created_at` in `select`, such as `c.`, or empty.
    pub prefix: &'a str,
    /// What a cursor names, for the error: `a chatbot of this workspace`.
    pub what: &'a str,
}

/// One page of the rows of `listing` for `scope`, newest first (by `created_at`, then `id`),
/// after the row named by the cursor `after`. Keyset pagination: a page costs the same
/// however deep in the list it is, and rows added meanwhile never shift it.
pub async fn newest_first<T>(
    db: &Db,
    listing: Listing<'_>,
    scope: &str,
    limit: u32,
    after: Option<&str>,
    id_of: impl Fn(&T) -> &str,
) -> Result<Page<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let limit = limit.clamp(1, 100);
    let fetch = i64::from(limit) + 1;
    let p = listing.prefix;
    let order = format!("ORDER BY {p}created_at DESC, {p}id DESC");
    let mut items: Vec<T> = match after {
        None => {
            sqlx::query_as(&format!("{} {order} LIMIT $2", listing.select))
                .bind(scope)
                .bind(fetch)
                .fetch_all(&db.pool)
                .await?
        }
        Some(cursor) => {
            let anchor: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT created_at FROM {} WHERE id = $1 AND {} = $2",
                listing.table, listing.scope_column
            ))
            .bind(cursor)
            .bind(scope)
            .fetch_optional(&db.pool)
            .await?;
            let at = anchor.ok_or_else(|| Error::Validation(format!("cursor does not name {}", listing.what)))?;
            sqlx::query_as(&format!(
                "{} AND ({p}created_at < $2 OR ({p}created_at = $2 AND {p}id < $3)) {order} LIMIT $4",
                listing.select
            ))
            .bind(scope)
            .bind(at)
            .bind(cursor)
            .bind(fetch)
            .fetch_all(&db.pool)
            .await?
        }
    };
    let next_cursor = finish_page(&mut items, limit, id_of);
    Ok(Page { items, next_cursor })
}

/// A numbered page of a list: which page (from 1) and how many items a page holds (1 to
/// [`PageNumber::MAX_PER_PAGE`]). Lists read by cursor ([`newest_first`]) are steadier; this is
/// for the clients of APIs that number their pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber {
    page: u32,
    per_page: u32,
}

impl PageNumber {
    pub const DEFAULT_PER_PAGE: u32 = 20;
    pub const MAX_PER_PAGE: u32 = 100;

    /// Page `page` (1 by default) of `per_page` items (20 by default); a validation error names
    /// the parameter that is out of range.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<PageNumber> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(Self::DEFAULT_PER_PAGE);
        if page == 0 {
            return Err(Error::Validation("page must be 1 or more".into()));
        }
        if !(1..=Self::MAX_PER_PAGE).contains(&per_page) {
            return Err(Error::Validation(format!(
                "per_page must be between 1 and {}, not {per_page}",
                Self::MAX_PER_PAGE
            )));
        }
        Ok(PageNumber { page, per_page })
    }

    pub fn page(self) -> u32 {
        self.page
    }

    pub fn per_page(self) -> u32 {
        self.per_page
    }

    /// How many items the pages before this one hold.
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// The items of one numbered page and how many items the whole list holds.
#[derive(Debug, Clone)]
pub struct NumberedPage<T> {
    pub items: Vec<T>,
    pub at: PageNumber,
    pub total: i64,
}

impl<T> NumberedPage<T> {
    /// Whether pages after this one hold items.
    pub fn has_more(&self) -> bool {
        self.at.offset() + (self.items.len() as i64) < self.total
    }
}

/// One numbered page of the rows of `listing` for `scope`, newest first (by `created_at`, then
/// `id`, as [`newest_first`] orders them), with the number of rows of the whole list. A page past
/// the end is empty.
pub async fn newest_first_numbered<T>(
    db: &Db,
    listing: Listing<'_>,
    scope: &str,
    at: PageNumber,
) -> Result<NumberedPage<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let p = listing.prefix;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({}) counted", listing.select))
        .bind(scope)
        .fetch_one(&db.pool)
        .await?;
    let items =
        sqlx::query_as(&format!("{} ORDER BY {p}created_at DESC, {p}id DESC LIMIT $2 OFFSET $3", listing.select))
            .bind(scope)
            .bind(i64::from(at.per_page()))
            .bind(at.offset())
            .fetch_all(&db.pool)
            .await?;
    Ok(NumberedPage { items, at, total })
}

/// How [`Db::row_lock`] locks the rows it claims on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    /// Wait for a row another transaction holds (a rate-limit bucket: every request counts).
    Wait,
    /// Pass over rows another transaction holds (a queue: another worker has them).
    SkipLocked,
    /// [`RowLock::SkipLocked`], locking only the rows of this table (alias) of a join.
    SkipLockedOf(&'static str),
}

/// Text folded for a case-insensitive search, the same way on both databases: Rust's Unicode
/// lowercasing, where SQLite's `LOWER()` folds only ASCII and PostgreSQL's follows the database's
/// locale. The stored copy (`messages.search_text`) and the search pattern both go through it.
pub fn fold_case(text: &str) -> String {
    text.to_lowercase()
}

/// Finishes a page fetched with one row more than `limit`: drops the extra row and returns the
/// cursor of the next page (the id of the page's last row) when there was one.
pub fn finish_page<T>(items: &mut Vec<T>, limit: u32, id_of: impl Fn(&T) -> &str) -> Option<String> {
    let limit = limit as usize;
    if items.len() > limit {
        items.truncate(limit);
        items.last().map(|item| id_of(item).to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn sqlite(dir: &tempfile::TempDir) -> Db {
        let db = Db::connect_with(&StorageConfig::Sqlite { path: dir.path().join("t.db") }, 8).await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER)").execute(db.pool()).await.unwrap();
        db
    }

    #[tokio::test]
    async fn a_write_on_sqlite_waits_for_the_open_write_transaction_of_its_process() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir).await;
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&mut *tx).await.unwrap();
        let other = db.clone();
        let write = tokio::spawn(async move { other.execute(sqlx::query("INSERT INTO t (n) VALUES (2)")).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!write.is_finished(), "the second writer must wait for its turn");
        tx.commit().await.unwrap();
        write.await.unwrap().unwrap();
        let order: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY rowid").fetch_all(db.pool()).await.unwrap();
        assert_eq!(order, vec![1, 2]);
    }

    #[tokio::test]
    async fn a_wake_asked_by_a_transaction_comes_when_it_commits_and_never_when_it_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir).await;
        let quick = Duration::from_millis(100);

        let mut rolled_back = db.begin().await.unwrap();
        rolled_back.wake(Wake::Deliveries);
        rolled_back.rollback().await.unwrap();
        assert!(tokio::time::timeout(quick, db.woken(Wake::Deliveries)).await.is_err(), "a rollback wakes nobody");

        let mut tx = db.begin().await.unwrap();
        tx.wake(Wake::Deliveries);
        // The dispatcher keeps a wake-up that came while it was busy, so it may wait after it.
        tx.commit().await.unwrap();
        tokio::time::timeout(quick, db.woken(Wake::Deliveries)).await.expect("the commit wakes the dispatcher");
        assert!(tokio::time::timeout(quick, db.woken(Wake::Jobs)).await.is_err(), "only what was asked is woken");

        // Live streams register before they read, and every one of them is woken.
        let (first, second) = (db.woken(Wake::Conversations), db.woken(Wake::Conversations));
        tokio::pin!(first, second);
        first.as_mut().enable();
        second.as_mut().enable();
        let mut tx = db.begin().await.unwrap();
        tx.wake(Wake::Conversations);
        tx.commit().await.unwrap();
        tokio::time::timeout(quick, first).await.expect("the first stream is woken");
        tokio::time::timeout(quick, second).await.expect("the second stream is woken");
    }

    #[tokio::test]
    async fn many_concurrent_writers_on_sqlite_all_commit_and_a_dropped_transaction_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir).await;
        let writers: Vec<_> = (0..64)
            .map(|n: i64| {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut tx = db.begin().await?;
                    sqlx::query("INSERT INTO t (n) VALUES ($1)").bind(n).execute(&mut *tx).await?;
                    if n % 2 == 0 { tx.commit().await } else { Ok(()) }
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(db.pool()).await.unwrap();
        assert_eq!(count, 32);
    }

    #[tokio::test]
    async fn on_sqlite_the_write_ahead_log_is_copied_into_the_database_file_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir).await;
        let autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(db.pool()).await.unwrap();
        assert_eq!(autocheckpoint, i64::from(AUTO_CHECKPOINT_PAGES));
        let file = dir.path().join("t.db");
        let before = std::fs::metadata(&file).unwrap().len();
        // About 1 MB: far below the automatic checkpoint, so only the background task moves
        // these pages from the log into the database file.
        for _ in 0..100 {
            db.execute(sqlx::query("INSERT INTO t (n) VALUES (randomblob(10000))")).await.unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&file).unwrap().len() < before + 1_000_000 {
            assert!(std::time::Instant::now() < deadline, "the database file never received the log's pages");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[test]
    fn no_write_outside_this_module_bypasses_the_write_turn() {
        fn visit(dir: &std::path::Path, offenders: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, offenders);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("src/db.rs") {
                    let text: String = std::fs::read_to_string(&path).unwrap().split_whitespace().collect();
                    if text.contains(".pool())")
                        && text
                            .split(".execute(")
                            .skip(1)
                            .any(|rest| rest.split_once(')').is_some_and(|(arg, _)| arg.ends_with(".pool(")))
                    {
                        offenders.push(path.display().to_string());
                    }
                }
            }
        }
        let mut offenders = Vec::new();
        visit(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut offenders);
        assert!(offenders.is_empty(), "use Db::execute or Db::begin to write in {offenders:?}");
    }
}
