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
