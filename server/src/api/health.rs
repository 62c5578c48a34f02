//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_app::wire::Health;

use crate::state::AppState;

/// `GET /healthz`: the process is up and serving.
pub async fn check_health() -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), storage: None })
}

/// `GET /readyz`: the database answers and every migration is applied; 503 otherwise.
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
