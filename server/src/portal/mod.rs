//! The portal (server-side rendered Leptos app with its hydration bundle and server functions)
//! and the widget's static assets.
//!
//! The portal's server functions live in the `app` crate and reach Parlor's services through
//! one trait object per area, implemented here and put in each request's context together
//! with the request's session token and client address.

mod account;
mod assets;
mod chatbots;
mod dashboard;
mod docs;
pub mod inbox;
mod keys;
pub mod knowledge;
pub mod preview;
mod usage;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use parlor_app::api::RequestInfo;
use parlor_app::api::account::AccountBackend;
use parlor_app::api::chatbots::ChatbotsBackend;
use parlor_app::api::dashboard::DashboardBackend;
use parlor_app::api::docs::DocsBackend;
use parlor_app::api::inbox::InboxBackend;
use parlor_app::api::keys::KeysBackend;
use parlor_app::api::knowledge::KnowledgeBackend;
use parlor_app::api::usage::UsageBackend;
use parlor_app::api::webhooks::WebhooksBackend;
use parlor_app::{App, shell};
use tower_http::compression::CompressionLayer;

use crate::config::Config;
use crate::state::AppState;
use crate::web::origin::is_same_origin;

pub use account::SESSION_COOKIE;

/// The portal's pages, its server functions, and its static files (the fallback).
/// `api_document` gives the JSON API's OpenAPI document, which the docs pages describe.
pub fn routes(state: &AppState, api_document: fn() -> serde_json::Value) -> Router<AppState> {
    let info = state.server_info.clone();
    let accounts: Arc<dyn AccountBackend> = Arc::new(account::Accounts::new(state));
    let keys: Arc<dyn KeysBackend> = Arc::new(keys::Keys::new(state));
    let knowledge: Arc<dyn KnowledgeBackend> = Arc::new(knowledge::Knowledge::new(state));
    let chatbots: Arc<dyn ChatbotsBackend> = Arc::new(chatbots::Chatbots::new(state));
    let inbox: Arc<dyn InboxBackend> = Arc::new(inbox::Inbox::new(state));
    let dashboard: Arc<dyn DashboardBackend> = Arc::new(dashboard::Dashboard::new(state));
    let usage: Arc<dyn UsageBackend> = Arc::new(usage::Usage::new(state));
    let webhooks: Arc<dyn WebhooksBackend> = Arc::new(webhooks::Webhooks::new(state));
    let docs: Arc<dyn DocsBackend> = Arc::new(docs::Docs::new(state, api_document));
    let context = move || {
        provide_context(info.clone());
        provide_context(use_context::<Parts>().map(|parts| request_info(&parts)).unwrap_or_default());
        provide_context(accounts.clone());
        provide_context(keys.clone());
        provide_context(knowledge.clone());
        provide_context(chatbots.clone());
        provide_context(inbox.clone());
        provide_context(dashboard.clone());
        provide_context(usage.clone());
        provide_context(webhooks.clone());
        provide_context(docs.clone());
    };
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    Router::new()
        .leptos_routes_with_context(state, routes, context.clone(), move || shell(leptos.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
        // Pages, server functions' answers and static files, compressed as the browser asks
        // (brotli at quality 4, or gzip): the API reference is 465 KB of HTML, 23 KB with brotli.
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(middleware::from_fn(refuse_cross_site_requests))
}

/// The session token from the `Cookie` header and the client's address.
fn request_info(parts: &Parts) -> RequestInfo {
    request_info_of(&parts.headers, &parts.extensions)
}

fn request_info_of(headers: &HeaderMap, extensions: &axum::http::Extensions) -> RequestInfo {
    let session = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned());
    let client_ip = extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string());
    RequestInfo { session, client_ip }
}

/// CSRF protection for every state-changing portal request: the browser must say that the
/// request comes from the portal's own pages, by `Sec-Fetch-Site: same-origin` or, from browsers
/// that do not send it, an `Origin` whose host is the one requested. Together with the session
/// cookie's `SameSite=Lax`, a page of another site can neither read nor change anything.
pub async fn refuse_cross_site_requests(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) || is_same_origin(request.headers()) {
        return next.run(request).await;
    }
    (StatusCode::FORBIDDEN, "cross-site request refused: portal actions must come from the portal's own pages")
        .into_response()
}

/// `/widget.js` and the widget's bundle under `/w/`, versioned by content ([`assets`]).
pub fn widget_assets(config: &Config) -> Router<AppState> {
    assets::routes(config)
}

/// The portal's own bundle under `/pkg/` ([`assets`]).
pub fn portal_bundle(options: &leptos::config::LeptosOptions) -> Router<AppState> {
    assets::portal_bundle(options)
}

/// A domain error as the portal shows it: the message of anything the person can fix, and an
/// opaque "something went wrong" (with the cause logged) for everything else.
fn portal_error(err: crate::Error) -> parlor_app::api::PortalError {
    use crate::Error;
    use parlor_app::api::PortalError;
    match err {
        Error::Forbidden { message, .. } => PortalError::Forbidden(message),
        Error::NotFound(what) => PortalError::NotFound(format!("{what} not found")),
        Error::RateLimited { message, .. } => PortalError::TooMany(message),
        Error::Unauthorized { message, .. }
        | Error::BadRequest(message)
        | Error::Conflict(message)
        | Error::PayloadTooLarge(message)
        | Error::UnsupportedMediaType(message)
        | Error::Validation(message)
        | Error::MethodNotAllowed(message) => PortalError::Invalid(message),
        Error::Database(_) | Error::Internal(_) => {
            tracing::error!(error = ?err, "portal action failed");
            PortalError::Internal
        }
    }
}
