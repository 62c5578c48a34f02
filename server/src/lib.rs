//! Parlor's server: configuration, storage, the chat domain and the HTTP surfaces (public API,
//! widget API, widget assets and the server-rendered portal), started by [`run`].

pub mod accounts;
pub mod api;
pub mod backup;
pub mod chat;
pub mod chatbots;
pub mod cli;
pub mod config;
pub mod contacts;
pub mod conversations;
pub mod db;
pub mod demo;
pub mod docs;
pub mod error;
pub mod feedback;
pub mod html;
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
pub mod web;
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
    // Every setting is parsed here, once: a typo stops the server before it listens.
    let limits = ratelimit::LimitSettings::from_config(&config)?;
    let prices = usage::PriceList::parse(&config.model_prices)?;
    let idle = humantime::parse_duration(config.conversation_idle.trim()).map_err(|_| {
        Error::Validation(format!(
            "PARLOR_CONVERSATION_IDLE: `{}` is not a duration such as 30m",
            config.conversation_idle
        ))
    })?;
    let delivery = webhooks::dispatch::DeliverySettings::from_config(&config)?;
    let policy = Arc::new(outbound::OutboundPolicy::parse(&config.outbound_allow)?);
    let job_settings = knowledge::jobs::JobSettings::from_config(&config);
    let embedder: Option<Arc<dyn knowledge::embed::Embedder>> = match &job_settings.embeddings {
        Some(settings) => Some(Arc::new(knowledge::embed::OpenAiEmbedder::new(settings.clone(), &policy)?)),
        None => None,
    };
    let mailer = mail::Mailer::from_config(&config)?;

    let db = db::Db::connect_with(&config.storage(), config.database.db_max_connections).await?;
    db.migrate().await?;
    let secrets = secrets::SecretBox::load(config.secret_key.as_ref(), &config.database.data_dir)?;
    secrets.check_against(&db).await?;

    let dispatcher = webhooks::dispatch::Dispatcher::new(db.clone(), secrets.clone(), &policy, delivery)?;
    let learner = knowledge::jobs::Worker::new(db.clone(), &policy, job_settings, embedder.clone())?;
    let knowledge = knowledge::Knowledge::new(db.clone(), embedder);
    let models = chat::models::Models::new(model, secrets.clone(), (*policy).clone());
    let tasks = TaskTracker::new();
    let chat = chat::service::ChatService::new(db.clone(), models.clone(), knowledge.clone(), tasks.clone(), prices);
    let limiter = ratelimit::RateLimiter::new(db.clone(), limits);
    let local_addr = listener.local_addr()?;
    let public_url = config.public_url_for(local_addr);
    let state = AppState {
        leptos: state::leptos_options(&config),
        server_info: state::server_info(&db, &public_url),
        config: Arc::new(config.clone()),
        db: db.clone(),
        chat,
        models,
        knowledge,
        outbound: policy.clone(),
        limiter: limiter.clone(),
        webhooks: webhooks::Webhooks::new(db.clone(), secrets.clone(), policy),
        secrets,
        suggestions: suggestions::Suggestions::default(),
        mailer,
    };
    let app = router::build(state);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        // A send error only means every receiver is gone, i.e. the servers already stopped.
        let _ = stop_tx.send(true);
    });
    let dispatching = tokio::spawn(dispatcher.run(stop_rx.clone()));
    let learning = tokio::spawn(learner.run(stop_rx.clone()));
    let sweeping = tokio::spawn(conversations::sweep_idle(db.clone(), idle, stop_rx.clone()));
    let limits_written = tokio::spawn(limiter.clone().write_behind(stop_rx.clone()));

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
            axum::serve(without_nagle(demo_listener), demo_router)
                .with_graceful_shutdown(async move { stopped(&mut rx).await })
                .await
        }));
    }

    if config.demo_addr.is_none() {
        demo::announce(&public_url, None);
    }
    tracing::info!(addr = %local_addr, public_url = %public_url, storage = db.backend().name(), "parlor is listening");
    let mut rx = stop_rx.clone();
    let server =
        axum::serve(without_nagle(listener), app.into_make_service_with_connect_info::<std::net::SocketAddr>())
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
    // The requests of the grace period were counted after the write-behind's last round.
    let _ = tokio::time::timeout(grace, limits_written).await;
    if let Err(err) = limiter.write_changed().await {
        tracing::warn!(error = ?err, "the last rate-limit counts could not be written");
    }
    db.close().await;
    tracing::info!("parlor stopped");
    Ok(())
}

/// The listener with `TCP_NODELAY` set on every connection it accepts. Without it a streamed
/// answer on a kept-alive connection stalls about 40 ms between its first and second writes
/// (Nagle's algorithm waiting for the client's delayed acknowledgement): every visitor's first
/// token came 40 ms late. axum's `serve` leaves the option off.
pub(crate) fn without_nagle(listener: TcpListener) -> axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt as _;
    listener.tap_io(set_nodelay)
}

fn set_nodelay(stream: &mut tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
    }
}

/// Resolves once shutdown has been requested (or the sender is gone, which means the same).
async fn stopped(rx: &mut tokio::sync::watch::Receiver<bool>) {
    // The guard that `wait_for` returns must not live across an await: it is not `Send`.
    let _ = rx.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener as _;

    #[tokio::test]
    async fn every_accepted_connection_has_nagles_algorithm_turned_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut listener = super::without_nagle(listener);
        let _client = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (stream, _) = listener.accept().await;
        assert!(
            stream.nodelay().expect("read TCP_NODELAY"),
            "the server's side of the connection must not wait to coalesce writes"
        );
    }
}
