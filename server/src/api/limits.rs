//! Rate-limit middleware: per API key by its workspace's plan on the public API, per client IP
//! on the widget's chat. Every limited response carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset`; a refusal is 429 with `Retry-After`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::extract::authenticate;
use crate::ratelimit::{Decision, Limited};
use crate::state::AppState;

pub const LIMIT_HEADER: &str = "x-ratelimit-limit";
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
pub const RESET_HEADER: &str = "x-ratelimit-reset";

/// Authenticates the caller (so handlers need not do it again) and applies its plan's limits.
pub async fn limit_api_key(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let principal = match authenticate(&state, request.headers(), request.uri()).await {
        Ok(principal) => principal,
        Err(err) => return err.into_response(),
    };
    let key_id = principal.key_id.clone();
    let plan = principal.plan.clone();
    request.extensions_mut().insert(principal);
    apply(&state, Limited::ApiRequest { key_id: &key_id, plan: &plan }, request, next).await
}

/// Limits the widget's chat per client IP.
pub async fn limit_widget_chat(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let ip = client_ip(&request, state.config.trust_proxy);
    let client = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    apply(&state, Limited::WidgetChat { client: &client }, request, next).await
}

async fn apply(state: &AppState, action: Limited<'_>, request: Request, next: Next) -> Response {
    let decision = match state.limiter.check(action).await {
        Ok(decision) => decision,
        Err(err) => return err.into_response(),
    };
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        state.limiter.refusal(action, &decision).into_response()
    };
    set_headers(response.headers_mut(), &decision);
    response
}

fn set_headers(headers: &mut HeaderMap, decision: &Decision) {
    headers.insert(LIMIT_HEADER, HeaderValue::from(decision.limit));
    headers.insert(REMAINING_HEADER, HeaderValue::from(decision.remaining));
    headers.insert(RESET_HEADER, HeaderValue::from(decision.reset_at_secs));
}

/// The client's IP: the peer address, or the first `X-Forwarded-For` entry behind a trusted proxy.
fn client_ip(request: &Request, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy
        && let Some(forwarded) = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = forwarded.split(',').next().and_then(|ip| ip.trim().parse().ok())
    {
        return Some(first);
    }
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip())
}
