//! The portal (server-side rendered Leptos app with its hydration bundle) and the widget's
//! static assets.

use axum::Router;
use axum::http::{HeaderValue, header};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use parlor_app::{App, shell};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Config;
use crate::state::AppState;

/// The portal's pages, its server functions, and its static files (the fallback).
pub fn routes(state: &AppState) -> Router<AppState> {
    let info = state.server_info.clone();
    let context = move || provide_context(info.clone());
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    Router::new()
        .leptos_routes_with_context(state, routes, context.clone(), move || shell(leptos.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
}

/// `/widget.js` (the loader, cached briefly so fixes reach every site soon) and `/w/...` (the
/// widget's JS glue, WASM and CSS), compressed with brotli or gzip as the browser accepts
/// (the WASM shrinks to about a fifth).
pub fn widget_assets(config: &Config) -> Router<AppState> {
    let loader = ServeFile::new(config.site_dir.join("widget.js"));
    let bundle = ServeDir::new(config.widget_dir.join("w"));
    Router::new()
        .route_service("/widget.js", loader)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .merge(Router::new().nest_service("/w", bundle).layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        )))
        .layer(CompressionLayer::new().br(true).gzip(true))
}
