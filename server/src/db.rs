//! Storage: one connection pool over SQLite (the default, a file in the data directory) or
//! PostgreSQL, with embedded migrations for each. The rest of the code writes one SQL text with
//! `$1` placeholders, which both databases accept, so behaviour is the same on both.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

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

/// The database handle shared by the whole process. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
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
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                // WAL is a property of the database file, so setting it once is enough.
                sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
                Ok(Db { pool, backend: Backend::Sqlite })
            }
            StorageConfig::Postgres { url } => {
                let options = AnyConnectOptions::from_str(url.expose())?;
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Ok(Db { pool, backend: Backend::Postgres })
            }
            StorageConfig::Other { .. } => Err(Error::Internal(anyhow::anyhow!(
                "DATABASE_URL must start with postgres:// (or be unset to use SQLite)"
            ))),
        }
    }

    /// Applies the embedded migrations that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        self.backend.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Whether the database answers and every embedded migration has been applied.
    pub async fn is_ready(&self) -> Result<bool> {
        let expected = self.backend.migrator().iter().filter(|m| m.migration_type.is_up_migration()).count();
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await?;
        Ok(usize::try_from(applied).unwrap_or(0) >= expected)
    }

    /// Starts a transaction that may write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails with
    /// "database is locked" when another connection writes in between, whatever the busy
    /// timeout, while an immediate one waits its turn.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
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
