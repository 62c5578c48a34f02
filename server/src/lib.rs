//! Parlor's server: configuration, storage, the chat domain and the HTTP surfaces (public API,
//! widget API, widget assets and the server-rendered portal), started by [`run`].

pub mod accounts;
pub mod api;
pub mod chat;
pub mod chatbots;
pub mod cli;
pub mod config;
pub mod conversations;
pub mod db;
pub mod demo;
pub mod docs;
pub mod error;
pub mod feedback;
pub mod identity;
pub mod ids;
pub mod ingest;
pub mod keys;
pub mod knowledge;
pub mod leads;
pub mod mail;
pub mod outbound;
pub mod portal;
pub mod ratelimit;
pub mod router;
pub mod secrets;
pub mod spreadsheet;
pub mod state;
pub mod stats;
pub mod suggestions;
pub mod telemetry;
pub mod usage;
pub mod webhooks;
pub mod workspaces;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;

pub use config::Config;
pub use error::Error;

use crate::chat::ChatModel;
use crate::state::AppState;

/// Starts Parlor on `listener` and serves until `shutdown` resolves.
///
/// After `shutdown` resolves the server stops accepting connections, lets in-flight requests
/// and answer streams finish for up to `config.shutdown_grace`, and then returns. Answers that
/// are still being generated are awaited too, so every started answer is stored.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let model: Arc<dyn ChatModel> =
        Arc::new(chat::builtin::BuiltinResponder::new(Duration::from_millis(config.responder_delay_ms)));
    run_with_model(config, listener, shutdown, model).await
}

/// [`run`] with an explicit chat model, so tests and embedders can choose the model.
pub async fn run_with_model(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    model: Arc<dyn ChatModel>,
) -> anyhow::Result<()> {
    let plans = ratelimit::parse_plans(&config.plans)?;
    let prices = usage::PriceList::parse(&config.model_prices)?;
    let idle = humantime::parse_duration(config.conversation_idle.trim()).map_err(|_| {
        Error::Validation(format!(
            "PARLOR_CONVERSATION_IDLE: `{}` is not a duration such as 30m",
            config.conversation_idle
        ))
    })?;
    let delivery = webhooks::dispatch::DeliverySettings::from_config(&config)?;
    let db = db::Db::connect_with(&config.storage(), config.database.db_max_connections).await?;
    db.migrate().await?;

    let secrets = secrets::SecretBox::load(config.secret_key.as_ref(), &config.database.data_dir)?;
    secrets.check_against(&db).await?;
    let policy = outbound::OutboundPolicy::parse(&config.outbound_allow)?;
    let signal = webhooks::Signal::default();
    let dispatcher =
        webhooks::dispatch::Dispatcher::new(db.clone(), secrets.clone(), &policy, delivery, signal.clone())?;
    let models = chat::models::Models::new(model, secrets.clone(), policy.clone());
    let tasks = TaskTracker::new();
    let chat = chat::service::ChatService::new(db.clone(), models, tasks.clone(), prices, signal.clone());
    api::knowledge::check_limits(&config)?;
    let learner = knowledge::jobs::Worker::new(
        db.clone(),
        &policy,
        knowledge::jobs::JobSettings::from_config(&config),
        chat.knowledge(),
        signal.clone(),
    )?;
    let webhooks = webhooks::Webhooks::new(db.clone(), secrets, Arc::new(policy), signal.clone());

    let local_addr = listener.local_addr()?;
    let public_url = config.public_url_for(local_addr);
    let mailer = mail::Mailer::from_config(&config)?;
    let state = AppState::new(config.clone(), db.clone(), chat, &public_url, plans, webhooks, mailer);
    let app = router::build(state);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        // A send error only means every receiver is gone, i.e. the servers already stopped.
        let _ = stop_tx.send(true);
    });
    let dispatching = tokio::spawn(dispatcher.run(stop_rx.clone()));
    let learning = tokio::spawn(learner.run(stop_rx.clone()));
    let sweeping = tokio::spawn(conversations::sweep_idle(db.clone(), idle, signal, stop_rx.clone()));

    let mut demo_server = None;
    if let Some(demo_addr) = config.demo_addr {
        let chatbot_id = demo::seed(&db).await?;
        let demo_listener = TcpListener::bind(demo_addr).await?;
        let demo_url = format!("http://{}", demo_listener.local_addr()?);
        tracing::info!(demo_url = %demo_url, chatbot_id = %chatbot_id, "demo page ready");
        demo::announce(&public_url, Some(&demo_url));
        let mut rx = stop_rx.clone();
        let demo_router = demo::router(&public_url, &chatbot_id);
        demo_server = Some(tokio::spawn(async move {
            axum::serve(demo_listener, demo_router).with_graceful_shutdown(async move { stopped(&mut rx).await }).await
        }));
    }

    if config.demo_addr.is_none() {
        demo::announce(&public_url, None);
    }
    tracing::info!(addr = %local_addr, public_url = %public_url, storage = db.backend().name(), "parlor is listening");
    let mut rx = stop_rx.clone();
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move { stopped(&mut rx).await })
        .into_future();
    tokio::pin!(server);

    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let mut rx = stop_rx.clone();
    tokio::select! {
        result = &mut server => result?,
        () = stopped(&mut rx) => {
            tracing::info!(grace_secs = grace.as_secs(), "shutting down: finishing in-flight requests");
            match tokio::time::timeout(grace, &mut server).await {
                Ok(result) => result?,
                Err(_) => tracing::warn!("in-flight requests did not finish before the deadline"),
            }
        }
    }
    tasks.close();
    if tokio::time::timeout(grace, tasks.wait()).await.is_err() {
        tracing::warn!("answers still generating at the deadline were abandoned");
    }
    sweeping.abort();
    if tokio::time::timeout(grace, dispatching).await.is_err() {
        tracing::warn!("webhook deliveries still in flight at the deadline were abandoned; they are sent again later");
    }
    if tokio::time::timeout(grace, learning).await.is_err() {
        tracing::warn!("knowledge jobs still running at the deadline were abandoned; they resume later");
    }
    if let Some(handle) = demo_server {
        handle.abort();
    }
    db.close().await;
    tracing::info!("parlor stopped");
    Ok(())
}

/// Resolves once shutdown has been requested (or the sender is gone, which means the same).
async fn stopped(rx: &mut tokio::sync::watch::Receiver<bool>) {
    // The guard that `wait_for` returns must not live across an await: it is not `Send`.
    let _ = rx.wait_for(|stop| *stop).await;
}
