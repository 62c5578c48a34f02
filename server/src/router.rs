//! The one route table of Parlor's HTTP server, grouped by surface.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method, header};
use axum::middleware;
use axum::routing::{any, delete, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::api::error::{
    REQUEST_ID_HEADER, api_not_found, assign_request_id, json_method_not_allowed, panic_response,
    withhold_cors_from_refused_origins,
};
use crate::api::{
    chat, chatbots, conversations, feedback, health, keys, knowledge, leads, limits, openapi, platform, usage,
    webhooks, widget,
};
use crate::portal;
use crate::state::AppState;

/// Builds the whole application: public API, widget API and assets, health, and the portal.
pub fn build(state: AppState) -> Router {
    // Public API, authenticated by API keys. Bearer keys are not sent automatically by
    // browsers, so any origin may call it; allowed origins per key come with scoped keys.
    // Uploads may be larger than JSON bodies: the file cap plus room for the multipart framing.
    let upload_limit = DefaultBodyLimit::max(state.config.knowledge_max_upload_bytes.saturating_add(64 * 1024));
    let public_api = Router::new()
        .route("/api/chatbots", get(chatbots::list_chatbots).post(chatbots::create_chatbot))
        .route(
            "/api/chatbots/{id}",
            get(chatbots::get_chatbot).patch(chatbots::update_chatbot).delete(chatbots::delete_chatbot),
        )
        .route("/api/v2/chatbots", get(chatbots::list_chatbots).post(chatbots::create_chatbot))
        .route(
            "/api/v2/chatbots/{id}",
            get(chatbots::get_chatbot).patch(chatbots::update_chatbot).delete(chatbots::delete_chatbot),
        )
        .route("/api/v2/chatbots/{id}/conversations", get(conversations::list_conversations))
        .route(
            "/api/v2/conversations/{id}",
            get(conversations::get_conversation).delete(conversations::delete_conversation),
        )
        .route("/api/v2/chatbots/{id}/conversations/export", get(conversations::export_chatbot_conversations))
        .route("/api/v2/conversations/{id}/export", get(conversations::export_conversation))
        .route("/api/conversations/{id}/export", get(conversations::export_conversation))
        .route("/api/v2/conversations/{id}/end", post(conversations::end_conversation))
        .route("/api/v2/conversations/{id}/reply", post(conversations::reply_to_conversation))
        .route("/api/conversations/{id}/reply", post(conversations::reply_to_conversation))
        .route("/api/v2/conversations/{id}/tags", post(conversations::set_conversation_tags))
        .route("/api/conversations/{id}/tags", post(conversations::set_conversation_tags))
        .route("/api/v2/chatbots/{id}/chat", post(chat::send_chat_message))
        .route("/api/v2/messages/{id}/stream", get(chat::resume_chat_reply))
        .route("/api/v2/messages/{id}/stop", post(chat::stop_chat_reply))
        .route("/api/knowledge", get(knowledge::list_knowledge).post(knowledge::create_knowledge))
        .route("/api/knowledge/{id}", get(knowledge::get_knowledge).delete(knowledge::delete_knowledge))
        .route("/api/v2/knowledge", get(knowledge::list_knowledge).post(knowledge::create_knowledge))
        .route("/api/v2/knowledge/{id}", get(knowledge::get_knowledge).delete(knowledge::delete_knowledge))
        .route("/api/knowledge/upload", post(knowledge::upload_knowledge).layer(upload_limit))
        .route("/api/v2/knowledge/upload", post(knowledge::upload_knowledge).layer(upload_limit))
        .route("/api/knowledge/scrape", post(knowledge::scrape_knowledge))
        .route("/api/v2/knowledge/scrape", post(knowledge::scrape_knowledge))
        .route("/api/v2/knowledge/{id}/refresh", post(knowledge::refresh_knowledge))
        .route("/api/v2/knowledge/{id}/pages", get(knowledge::list_knowledge_pages))
        .route("/api/v2/chatbots/{id}/knowledge/search", post(knowledge::search_knowledge))
        .route("/api/v2/chatbots/{id}/suggestions", get(knowledge::suggest_questions))
        .route(
            "/api/v2/chatbots/{id}/identity-secret",
            post(chatbots::rotate_identity_secret).delete(chatbots::delete_identity_secret),
        )
        .route("/api/v2/chatbots/{id}/leads", get(leads::list_leads))
        .route("/api/v2/chatbots/{id}/feedback", get(feedback::list_feedback))
        .route("/api/v2/contacts", get(leads::list_contacts).post(leads::create_contact))
        .route("/api/v2/contacts/import", post(leads::import_contacts))
        .route("/api/v2/contacts/export", get(leads::export_contacts))
        .route("/api/v2/contacts/{id}", get(leads::get_contact).patch(leads::update_contact))
        .route("/api/v2/keys", get(keys::list_api_keys).post(keys::create_api_key))
        .route("/api/v2/keys/{id}", delete(keys::revoke_api_key))
        .route("/api/v2/keys/{id}/roll", post(keys::roll_api_key))
        .route("/api/v2/webhooks", get(webhooks::list_webhooks).post(webhooks::create_webhook))
        .route("/api/v2/webhooks/events", get(webhooks::list_webhook_events))
        .route(
            "/api/v2/webhooks/{id}",
            get(webhooks::get_webhook).patch(webhooks::update_webhook).delete(webhooks::delete_webhook),
        )
        .route("/api/v2/webhooks/{id}/rotate-secret", post(webhooks::rotate_webhook_secret))
        .route("/api/v2/webhooks/{id}/test", post(webhooks::send_test_webhook))
        .route("/api/v2/webhooks/{id}/replay", post(webhooks::replay_webhook))
        .route("/api/v2/webhooks/{id}/deliveries", get(webhooks::list_webhook_deliveries))
        .route("/api/v2/webhooks/{id}/deliveries/{delivery_id}", get(webhooks::get_webhook_delivery))
        .route("/api/v2/webhooks/{id}/deliveries/{delivery_id}/redeliver", post(webhooks::redeliver_webhook))
        .route("/api/v2/usage", get(usage::get_usage))
        .route("/api/v1/usage", get(usage::get_key_usage_v1))
        // The platform API of seed 003's product: bots (chatbots) and their conversations.
        .route("/api/platform/v1/bots", get(platform::list_bots).post(platform::create_bot))
        .route(
            "/api/platform/v1/bots/{id}",
            get(platform::get_bot).patch(platform::update_bot).delete(platform::delete_bot),
        )
        .route("/api/platform/v1/bots/{bot_id}/conversations", get(platform::list_bot_conversations))
        .route(
            "/api/platform/v1/conversations/{id}",
            get(platform::get_platform_conversation).delete(platform::delete_platform_conversation),
        )
        .route("/api/platform/v1/conversations/{id}/messages", get(platform::list_platform_messages))
        .route_layer(middleware::from_fn_with_state(state.clone(), limits::limit_api_key))
        // The API's own description needs no key.
        .route("/api/openapi.json", get(openapi::get_openapi_document))
        .route("/api/{*rest}", any(api_not_found))
        .route("/api", any(api_not_found))
        .layer(cors(&[header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("last-event-id")]));

    // What the embedded widget calls from visitors' pages on any origin.
    let widget_api = Router::new()
        .route("/widget/v1/chatbots/{id}", get(widget::get_widget_config))
        .route(
            "/widget/v1/chatbots/{id}/chat",
            post(widget::send_widget_message)
                .route_layer(middleware::from_fn_with_state(state.clone(), limits::limit_widget_chat)),
        )
        // Visitors' submissions share the per-IP budget of the widget's chat.
        .route(
            "/widget/v1/chatbots/{id}/leads",
            post(leads::create_widget_lead)
                .route_layer(middleware::from_fn_with_state(state.clone(), limits::limit_widget_chat)),
        )
        .route(
            "/widget/v1/chatbots/{id}/feedback",
            post(feedback::create_widget_feedback)
                .route_layer(middleware::from_fn_with_state(state.clone(), limits::limit_widget_chat)),
        )
        .route(
            "/widget/v1/chatbots/{id}/conversations/{conversation_id}/events",
            get(widget::follow_widget_conversation),
        )
        .route(
            "/widget/v1/chatbots/{id}/conversations/{conversation_id}/escalate",
            post(widget::escalate_widget_conversation),
        )
        .route("/widget/v1/chatbots/{id}/conversations/{conversation_id}/end", post(widget::end_widget_conversation))
        .route("/widget/v1/chatbots/{id}/messages/{message_id}/stream", get(widget::resume_widget_reply))
        .route("/widget/v1/chatbots/{id}/messages/{message_id}/stop", post(widget::stop_widget_reply))
        .route("/widget/v1/chatbots/{id}/conversations/{conversation_id}/messages", get(widget::list_widget_messages))
        .route("/widget/v1/chatbots/{id}/identify", post(widget::identify_widget_visitor))
        .route("/widget/v1/chatbots/{id}/suggestions", get(widget::suggest_widget_questions))
        .route("/widget/{*rest}", any(api_not_found))
        .layer(cors(&[header::CONTENT_TYPE, HeaderName::from_static("last-event-id")]))
        // The iframe fallback's page (HTML, not the JSON API): for host pages whose CSP forbids
        // WebAssembly.
        .route("/widget-frame/{id}", get(widget::get_widget_frame));

    let health =
        Router::new().route("/healthz", get(health::check_health)).route("/readyz", get(health::check_readiness));

    let widget_assets = portal::widget_assets(&state.config).layer(cors(&[]));

    // The portal's file upload is a plain form post (larger than a server function's body may
    // be), with the same cross-site refusal as every other portal action.
    let portal_upload = Router::new()
        .route("/portal/knowledge/upload", post(portal::knowledge::upload_knowledge_file).layer(upload_limit))
        .route_layer(middleware::from_fn(portal::refuse_cross_site_requests));
    // An open inbox's live stream of changes, authenticated by the session cookie.
    let portal_events = Router::new().route("/portal/inbox/events", get(portal::inbox::follow_inbox));

    Router::new()
        .merge(public_api)
        .merge(widget_api)
        .merge(health)
        .merge(widget_assets)
        .nest("/pkg", portal::portal_bundle(&state.leptos))
        .merge(portal_upload)
        .route("/portal/widget-preview", get(portal::preview::get_widget_preview))
        .merge(portal_events)
        .merge(portal::routes(&state, openapi::document))
        .layer(middleware::map_response(json_method_not_allowed))
        .layer(middleware::map_response(withhold_cors_from_refused_origins))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let path = crate::telemetry::redact_keys(request.uri().path());
            tracing::info_span!("request", method = %request.method(), path = %path, request_id = %request_id)
        }))
        .layer(middleware::from_fn(assign_request_id))
        .with_state(state)
}

fn cors(allowed_headers: &[HeaderName]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers(allowed_headers.to_vec())
        .expose_headers([
            HeaderName::from_static(REQUEST_ID_HEADER),
            HeaderName::from_static(limits::LIMIT_HEADER),
            HeaderName::from_static(limits::REMAINING_HEADER),
            HeaderName::from_static(limits::RESET_HEADER),
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(86_400))
}
