//! The state every request handler shares: configuration, storage and the services, with the
//! external parts (the chat model, the embedder) behind trait objects so tests can swap them.
//! Settings are parsed once, when the services are built; handlers never parse configuration.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use parlor_app::ServerInfo;

use crate::chat::models::Models;
use crate::chat::service::ChatService;
use crate::config::Config;
use crate::db::Db;
use crate::knowledge::Knowledge;
use crate::outbound::OutboundPolicy;
use crate::ratelimit::RateLimiter;
use crate::secrets::SecretBox;
use crate::webhooks::Webhooks;

/// The services are siblings: each adapter takes the one it needs (`state.knowledge`,
/// `state.models`), none reaches another through a third.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    /// Answers visitors' and API callers' messages.
    pub chat: ChatService,
    /// The chatbots' models: provider keys sealed, provider URLs checked.
    pub models: Models,
    /// Retrieval over the chatbots' knowledge (this process's search index).
    pub knowledge: Knowledge,
    /// Where Parlor may send requests for its users (the SSRF guard's policy).
    pub outbound: Arc<OutboundPolicy>,
    /// Every rate-limited action.
    pub limiter: RateLimiter,
    /// Seals and opens stored secrets (identity-verification secrets, provider keys).
    pub secrets: SecretBox,
    pub leptos: LeptosOptions,
    pub server_info: ServerInfo,
    pub webhooks: Webhooks,
    pub suggestions: crate::suggestions::Suggestions,
    /// Sends invitation e-mails when a mail server is configured.
    pub mailer: crate::mail::Mailer,
}

/// The options Leptos renders the portal with, for the site `config` serves.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("parlor")
        .site_root(config.site_dir.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .env(leptos::config::Env::PROD)
        .build()
}

/// What the portal shows of this server: its version, storage and addresses.
pub fn server_info(db: &Db, public_url: &str) -> ServerInfo {
    ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        storage: match db.backend() {
            crate::db::Backend::Sqlite => "SQLite".to_owned(),
            crate::db::Backend::Postgres => "PostgreSQL".to_owned(),
        },
        api_base: format!("{public_url}/api"),
        public_url: public_url.to_owned(),
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
