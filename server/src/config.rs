//! The one configuration of a Parlor process, read once from flags and environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything a Parlor server needs to start. Every field is a `parlor serve` flag and an
/// environment variable; `.env.example` documents the same list.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address the HTTP server listens on (API, widget and portal).
    #[arg(long, env = "PARLOR_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Public base URL of this server, as browsers reach it (for example https://chat.example.com).
    /// Defaults to http://localhost:<port> for loopback and wildcard addresses.
    #[arg(long, env = "PARLOR_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Directory of the built portal site (cargo-leptos `site-root`): hydration bundle, CSS,
    /// and the public assets including the widget.js loader.
    #[arg(long, env = "PARLOR_SITE_DIR", default_value = "target/site")]
    pub site_dir: PathBuf,

    /// Directory of the built widget site (cargo-leptos `site-root` of the widget project).
    #[arg(long, env = "PARLOR_WIDGET_DIR", default_value = "target/widget-site")]
    pub widget_dir: PathBuf,

    /// When set, also serve a demo page with the widget embedded on this address (a different
    /// origin from the API) and create a demo chatbot with a few knowledge entries.
    #[arg(long, env = "PARLOR_DEMO_ADDR")]
    pub demo_addr: Option<SocketAddr>,

    /// Largest accepted JSON request body, in bytes; larger bodies are refused with 413.
    #[arg(long, env = "PARLOR_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,

    /// Seconds that in-flight requests and answers get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "PARLOR_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// API rate-limit plans as `name=per_minute/per_second/per_day` (`unlimited` for no daily
    /// cap), comma-separated. A workspace's plan is set with `parlor workspace plan`; the first
    /// plan is the default.
    #[arg(
        long,
        env = "PARLOR_PLANS",
        default_value = "free=60/10/5000,pro=300/50/50000,enterprise=1000/200/unlimited"
    )]
    pub plans: String,

    /// Model prices for usage accounting, in US dollars per million tokens, as
    /// `model=input/output` pairs separated by commas, such as `gpt-4o-mini=0.15/0.60`.
    /// Models without a price (such as the built-in responder) cost nothing.
    #[arg(long, env = "PARLOR_MODEL_PRICES", default_value = "")]
    pub model_prices: String,

    /// The longest chat message accepted, in characters; longer ones are refused with 422.
    #[arg(long, env = "PARLOR_MAX_MESSAGE_CHARS", default_value_t = 4000,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_message_chars: u32,

    /// Chat messages a minute that one client IP may send through the public widget.
    #[arg(long, env = "PARLOR_WIDGET_CHAT_PER_MINUTE", default_value_t = 10)]
    pub widget_chat_per_minute: u32,

    /// Take the client IP from `X-Forwarded-For` (set this only behind a proxy that writes it).
    #[arg(long, env = "PARLOR_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Pause between the chunks the built-in responder streams, in milliseconds (0 = none).
    #[arg(long, env = "PARLOR_RESPONDER_DELAY_MS", default_value_t = 20)]
    pub responder_delay_ms: u64,

    /// A conversation nobody wrote in for this long is ended (`conversation.ended`, reason
    /// `inactivity`); a new message opens it again.
    #[arg(long, env = "PARLOR_CONVERSATION_IDLE", default_value = "30m")]
    pub conversation_idle: String,

    /// Key that encrypts stored secrets (webhook signing secrets, provider keys): 32 random
    /// bytes in base64. When unset, `secret.key` in the data directory is used (and created).
    /// Every process of one deployment must use the same key.
    #[arg(long, env = "PARLOR_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<Secret>,

    /// The mail server for invitation e-mails, as a URL: `smtps://user:pass@mail.example.com`
    /// (TLS), `smtp://user:pass@mail.example.com:587?tls=required` (STARTTLS), or plain
    /// `smtp://host:port` for a relay on the same network. Unset: invitations are links that the
    /// portal shows for the owner to pass on.
    #[arg(long, env = "PARLOR_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// The sender of Parlor's e-mails, such as `Parlor <parlor@example.com>`.
    #[arg(long, env = "PARLOR_MAIL_FROM", default_value = "Parlor <parlor@localhost>")]
    pub mail_from: String,

    /// Private address ranges that outbound requests (webhooks, fetched pages) may reach anyway,
    /// comma-separated, such as `10.20.0.0/16` for an intranet receiver. Empty: public only.
    #[arg(long, env = "PARLOR_OUTBOUND_ALLOW", default_value = "")]
    pub outbound_allow: String,

    /// Seconds one webhook delivery attempt may take.
    #[arg(long, env = "PARLOR_WEBHOOK_TIMEOUT_SECS", default_value_t = 15)]
    pub webhook_timeout_secs: u64,

    /// Waits before each retry of a failed webhook delivery, comma-separated.
    #[arg(long, env = "PARLOR_WEBHOOK_RETRY_SCHEDULE", default_value = "5s,5m,30m,2h,5h,10h,10h")]
    pub webhook_retry_schedule: String,

    /// How often each process looks for due webhook deliveries, in milliseconds.
    #[arg(long, env = "PARLOR_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,

    /// Seconds a claimed delivery stays with the process that claimed it (after a crash,
    /// another process sends it once this passes).
    #[arg(long, env = "PARLOR_WEBHOOK_LEASE_SECS", default_value_t = 60)]
    pub webhook_lease_secs: u64,

    /// Webhook deliveries in flight at once, per process.
    #[arg(long, env = "PARLOR_WEBHOOK_CONCURRENCY", default_value_t = 16)]
    pub webhook_concurrency: usize,

    /// An endpoint whose every delivery attempt failed for this long is disabled.
    #[arg(long, env = "PARLOR_WEBHOOK_DISABLE_AFTER", default_value = "72h")]
    pub webhook_disable_after: String,

    /// How long webhook events and their delivery log are kept (events still being delivered
    /// are kept until they are done); also the longest range a replay can reach.
    #[arg(long, env = "PARLOR_WEBHOOK_RETENTION", default_value = "30d")]
    pub webhook_retention: String,

    /// Largest knowledge file upload, in bytes; larger uploads are refused with 413.
    #[arg(long, env = "PARLOR_KNOWLEDGE_MAX_UPLOAD_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub knowledge_max_upload_bytes: usize,

    /// Knowledge scrapes (and `url` items) one API key may start, as `count/period` such as `10/5m`.
    #[arg(long, env = "PARLOR_KNOWLEDGE_SCRAPE_LIMIT", default_value = "10/5m")]
    pub knowledge_scrape_limit: String,

    /// Knowledge uploads (and `document` items) one API key may make, as `count/period`.
    #[arg(long, env = "PARLOR_KNOWLEDGE_UPLOAD_LIMIT", default_value = "5/5m")]
    pub knowledge_upload_limit: String,

    /// Pause between two requests to one site while fetching knowledge, in milliseconds (a
    /// longer `Crawl-delay` in the site's robots.txt wins, up to 10 seconds).
    #[arg(long, env = "PARLOR_CRAWL_DELAY_MS", default_value_t = 1000)]
    pub crawl_delay_ms: u64,

    /// The most pages one scrape may learn from.
    #[arg(long, env = "PARLOR_CRAWL_MAX_PAGES", default_value_t = 500)]
    pub crawl_max_pages: u32,

    /// Seconds a knowledge job (a fetch or crawl) stays with the process that claimed it without
    /// a renewal; after a crash another process resumes it once this passes.
    #[arg(long, env = "PARLOR_KNOWLEDGE_JOB_LEASE_SECS", default_value_t = 60)]
    pub knowledge_job_lease_secs: u64,

    /// Knowledge jobs one process runs at once.
    #[arg(long, env = "PARLOR_KNOWLEDGE_WORKERS", default_value_t = 2)]
    pub knowledge_workers: usize,

    /// The program that reads uploaded and fetched documents in a separate process with memory
    /// and time limits, run as `<program> extract-worker`. Empty: this `parlor` executable.
    #[arg(long, env = "PARLOR_EXTRACT_WORKER")]
    pub extract_worker: Option<PathBuf>,

    /// Base URL of an OpenAI-compatible embeddings API (`{base}/v1/embeddings`), such as
    /// https://api.openai.com or http://127.0.0.1:11434 for Ollama. Unset: retrieval is BM25
    /// only. Requests pass the SSRF guard, so a private address needs `PARLOR_OUTBOUND_ALLOW`.
    #[arg(long, env = "PARLOR_EMBEDDINGS_URL")]
    pub embeddings_url: Option<String>,

    /// The embedding model asked for; vectors of another model are not mixed with its own.
    #[arg(long, env = "PARLOR_EMBEDDINGS_MODEL", default_value = "text-embedding-3-small")]
    pub embeddings_model: String,

    /// The bearer key of the embeddings API, if it needs one.
    #[arg(long, env = "PARLOR_EMBEDDINGS_KEY", hide_env_values = true)]
    pub embeddings_key: Option<Secret>,

    /// Chunks sent in one embeddings request.
    #[arg(long, env = "PARLOR_EMBEDDINGS_BATCH", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=2048))]
    pub embeddings_batch: u32,

    /// Seconds one embeddings request may take (a visitor's question gets at most 5).
    #[arg(long, env = "PARLOR_EMBEDDINGS_TIMEOUT_SECS", default_value_t = 30)]
    pub embeddings_timeout_secs: u64,
}

/// Where the data lives, shared by `parlor serve` and the operator commands.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Directory for local state: the SQLite database lives here unless DATABASE_URL is set.
    #[arg(long, env = "PARLOR_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// PostgreSQL connection URL (postgres://...). When set, it is used instead of SQLite.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// Largest number of pooled database connections.
    #[arg(long, env = "PARLOR_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
}

impl DatabaseArgs {
    /// The storage selected by `DATABASE_URL` (PostgreSQL when it starts with `postgres://` or
    /// `postgresql://`) or else the SQLite file in the data directory.
    pub fn storage(&self) -> StorageConfig {
        match &self.database_url {
            Some(url) if url.expose().starts_with("postgres://") || url.expose().starts_with("postgresql://") => {
                StorageConfig::Postgres { url: url.clone() }
            }
            Some(url) if !url.expose().is_empty() => StorageConfig::Other { url: url.clone() },
            _ => StorageConfig::Sqlite { path: self.data_dir.join("parlor.db") },
        }
    }
}

/// Where the data lives: a SQLite file in the data directory, or a PostgreSQL server.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    Sqlite { path: PathBuf },
    Postgres { url: Secret },
    Other { url: Secret },
}

impl Config {
    /// The configured storage.
    pub fn storage(&self) -> StorageConfig {
        self.database.storage()
    }

    /// The base URL that browsers use to reach this server.
    pub fn public_url_for(&self, local_addr: SocketAddr) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_owned();
        }
        let ip = local_addr.ip();
        if ip.is_loopback() || ip.is_unspecified() {
            format!("http://localhost:{}", local_addr.port())
        } else {
            format!("http://{local_addr}")
        }
    }

    /// A configuration for tests and tools: every default, with the given data directory.
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: DatabaseArgs { data_dir, database_url: None, db_max_connections: 10 },
            public_url: None,
            site_dir: PathBuf::from("target/site"),
            widget_dir: PathBuf::from("target/widget-site"),
            demo_addr: None,
            max_body_bytes: 1_048_576,
            shutdown_grace_secs: 30,
            responder_delay_ms: 0,
            plans: "free=60/10/5000,pro=300/50/50000,enterprise=1000/200/unlimited".to_owned(),
            widget_chat_per_minute: 10,
            max_message_chars: 4000,
            trust_proxy: false,
            model_prices: String::new(),
            conversation_idle: "30m".to_owned(),
            secret_key: None,
            smtp_url: None,
            mail_from: "Parlor <parlor@localhost>".to_owned(),
            outbound_allow: String::new(),
            webhook_timeout_secs: 15,
            webhook_retry_schedule: "5s,5m,30m,2h,5h,10h,10h".to_owned(),
            webhook_poll_ms: 1000,
            webhook_lease_secs: 60,
            webhook_concurrency: 16,
            webhook_disable_after: "72h".to_owned(),
            webhook_retention: "30d".to_owned(),
            knowledge_max_upload_bytes: 20 * 1024 * 1024,
            knowledge_scrape_limit: "10/5m".to_owned(),
            knowledge_upload_limit: "5/5m".to_owned(),
            crawl_delay_ms: 1000,
            crawl_max_pages: 500,
            knowledge_job_lease_secs: 60,
            knowledge_workers: 2,
            extract_worker: None,
            embeddings_url: None,
            embeddings_model: "text-embedding-3-small".to_owned(),
            embeddings_key: None,
            embeddings_batch: 64,
            embeddings_timeout_secs: 30,
        }
    }
}

/// A secret string (a database URL with a password, a provider key) whose `Debug` and
/// `Display` never show the value, so it cannot leak into logs by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug_and_display() {
        let secret = Secret::new("postgres://user:hunter2@db/parlor");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
    }

    #[test]
    fn a_postgres_url_selects_postgres_and_anything_else_sqlite() {
        let mut config = Config::with_data_dir(PathBuf::from("/tmp/x"));
        assert!(matches!(config.storage(), StorageConfig::Sqlite { .. }));
        config.database.database_url = Some(Secret::new("postgres://localhost/parlor"));
        assert!(matches!(config.storage(), StorageConfig::Postgres { .. }));
        config.database.database_url = Some(Secret::new("mysql://localhost/parlor"));
        assert!(matches!(config.storage(), StorageConfig::Other { .. }));
    }

    #[test]
    fn public_url_uses_localhost_for_loopback_addresses() {
        let config = Config::with_data_dir(PathBuf::from("/tmp/x"));
        assert_eq!(config.public_url_for("127.0.0.1:3000".parse().unwrap()), "http://localhost:3000");
        assert_eq!(config.public_url_for("0.0.0.0:8080".parse().unwrap()), "http://localhost:8080");
        assert_eq!(config.public_url_for("10.1.2.3:80".parse().unwrap()), "http://10.1.2.3:80");
    }
}
