//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_protocol::wire::Health;

use crate::state::AppState;

/// Liveness
///
/// Answers 200 while the process is up and serving; it checks nothing else, so that an
/// orchestrator does not restart a server whose database is briefly away.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "Health",
    responses((status = 200, description = "The process is up.", body = Health)),
)]
pub async fn check_health() -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), storage: None })
}

/// Readiness
///
/// Answers 200 when the database answers and every migration is applied, 503 otherwise; a load
/// balancer sends traffic only to ready processes. `storage` names the database in use.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "Health",
    responses(
        (status = 200, description = "Ready to serve.", body = Health),
        (status = 503, description = "Not ready: the database does not answer or migrations are pending.", body = Health),
    ),
)]
pub async fn check_readiness(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let ready = match state.db.is_ready().await {
        Ok(ready) => ready,
        Err(err) => {
            tracing::warn!(error = ?err, "readiness check failed");
            false
        }
    };
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let health = Health {
        status: if ready { "ready" } else { "unavailable" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        storage: Some(state.db.backend().name().into()),
    };
    (status, Json(health))
}
