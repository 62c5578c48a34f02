//! What every benchmark needs: a real Parlor on port 0 over SQLite in a temporary directory
//! (PostgreSQL when `DATABASE_URL` is set), a key with every scope, and percentiles.

use std::time::Duration;

use parlor_server::config::{Config, Secret};
use parlor_server::db::Db;
use parlor_server::keys::{self, KeyKind, NewKey, Scope};
use parlor_server::workspaces;

/// A running server for a benchmark.
pub struct Bench {
    pub base: String,
    pub key: String,
    pub db: Db,
    pub workspace: String,
    pub config: Config,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data_dir: tempfile::TempDir,
}

impl Bench {
    /// Starts Parlor with limits out of the way and `customise` applied to its configuration.
    pub async fn start(customise: impl FnOnce(&mut Config)) -> Bench {
        // Warnings and errors only, so that a failing request says why.
        tracing_subscriber::fmt().with_env_filter("warn").with_writer(std::io::stderr).init();
        let data_dir = tempfile::tempdir().unwrap();
        let mut config = Config::with_data_dir(data_dir.path().to_path_buf());
        if let Ok(url) = std::env::var("DATABASE_URL") {
            config.database.database_url = Some(Secret::new(url));
        }
        config.plans = "free=60000000/1000000/unlimited".to_owned();
        config.database.db_max_connections = u32::try_from(env_number("BENCH_DB_CONNECTIONS", 16)).unwrap_or(16);
        customise(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(parlor_server::run(config.clone(), listener, async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let db = Db::connect_with(&config.storage(), 4).await.unwrap();
        let workspace = workspaces::default_workspace(&db).await.unwrap();
        let new_key = NewKey {
            name: "bench".into(),
            kind: KeyKind::Secret,
            scopes: Scope::ALL.to_vec(),
            allowed_origins: Vec::new(),
            expires_at: None,
        };
        let (_, key) = keys::create_key(&db, &workspace, &new_key).await.unwrap();
        Bench { base, key: key.expose().to_owned(), db, workspace, config, stop, server, _data_dir: data_dir }
    }

    /// `SQLite` or `PostgreSQL`.
    pub fn storage(&self) -> &'static str {
        if self.config.database.database_url.is_some() { "PostgreSQL" } else { "SQLite" }
    }

    /// Stops the server and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The `p` quantile (0 to 1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Milliseconds with two decimals.
pub fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}
