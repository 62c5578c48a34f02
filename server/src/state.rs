//! The state every request handler shares: configuration, storage and the services, with the
//! external parts (the chat model) behind trait objects so tests can swap them.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use parlor_app::ServerInfo;

use crate::chat::service::ChatService;
use crate::config::Config;
use crate::db::Db;
use crate::ratelimit::{Limits, Plan};
use crate::webhooks::Webhooks;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub chat: ChatService,
    pub leptos: LeptosOptions,
    pub server_info: ServerInfo,
    /// The API rate-limit plans; the first is the default.
    pub plans: Arc<Vec<Plan>>,
    pub webhooks: Webhooks,
    /// Wakes live conversation streams (agents' replies, status changes).
    pub updates: crate::conversations::Updates,
    pub suggestions: crate::suggestions::Suggestions,
    /// Sends invitation e-mails when a mail server is configured.
    pub mailer: crate::mail::Mailer,
}

impl AppState {
    pub fn new(
        config: Config,
        db: Db,
        chat: ChatService,
        public_url: &str,
        plans: Vec<Plan>,
        webhooks: Webhooks,
        mailer: crate::mail::Mailer,
    ) -> Self {
        let leptos = LeptosOptions::builder()
            .output_name("parlor")
            .site_root(config.site_dir.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .env(leptos::config::Env::PROD)
            .build();
        let server_info = ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            storage: match db.backend() {
                crate::db::Backend::Sqlite => "SQLite".to_owned(),
                crate::db::Backend::Postgres => "PostgreSQL".to_owned(),
            },
            api_base: format!("{public_url}/api"),
            public_url: public_url.to_owned(),
        };
        AppState {
            chat,
            config: Arc::new(config),
            db,
            leptos,
            server_info,
            plans: Arc::new(plans),
            webhooks,
            updates: crate::conversations::Updates::default(),
            suggestions: crate::suggestions::Suggestions::default(),
            mailer,
        }
    }

    /// The limits of a plan by name; an unknown name gets the default (first) plan's limits.
    pub fn plan_limits(&self, name: &str) -> Limits {
        self.plans
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.plans.first())
            .map_or(Limits { per_second: None, per_minute: None, per_day: None }, |plan| plan.limits)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
