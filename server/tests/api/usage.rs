use parlor_server::keys::Scope;
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_backends;

async fn chat(app: &TestApp, bot: &str) {
    let response = app
        .post(&format!("/api/v2/chatbots/{bot}/chat"))
        .json(&json!({"message": "Hello", "stream": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn widget_chat(app: &TestApp, bot: &str) {
    let response = app
        .client
        .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
        .json(&json!({"message": "Hello", "stream": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn report(app: &TestApp, query: &str) -> serde_json::Value {
    let response = app.get(&format!("/api/v2/usage{query}")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

on_both_backends! {
    async fn every_chat_turn_is_recorded_against_its_key_chatbot_and_model(app) {
        let bot = app.create_chatbot("Counted").await;
        chat(&app, &bot).await;
        chat(&app, &bot).await;
        widget_chat(&app, &bot).await;

        let by_key = report(&app, "?group_by=key").await;
        assert_eq!(by_key["totals"]["requests"], 3);
        assert!(by_key["totals"]["output_tokens"].as_i64().unwrap() > 0);
        let keys: Vec<(String, i64)> = by_key["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["key"].as_str().unwrap().to_owned(), g["usage"]["requests"].as_i64().unwrap()))
            .collect();
        assert!(keys.contains(&("widget".to_owned(), 1)), "{keys:?}");
        assert!(keys.iter().any(|(k, n)| k.starts_with("key_") && *n == 2), "{keys:?}");

        let by_model = report(&app, "?group_by=model").await;
        assert_eq!(by_model["groups"][0]["key"], "parlor-builtin");
        let by_chatbot = report(&app, "?group_by=chatbot").await;
        assert_eq!(by_chatbot["groups"][0]["key"], bot.as_str());
        let by_day = report(&app, "?group_by=day").await;
        let today = time::OffsetDateTime::now_utc().date().to_string();
        assert_eq!(by_day["groups"][0]["key"], today.as_str());
        assert_eq!(by_day["end_date"], today.as_str());
    }

    async fn the_seed_v1_usage_endpoint_takes_the_key_in_the_query(app) {
        let bot = app.create_chatbot("Seed").await;
        chat(&app, &bot).await;
        widget_chat(&app, &bot).await;
        let response = app
            .client
            .get(app.url(&format!("/api/v1/usage?api_key={}&start_date=2024-01-01", app.key)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["success"], true);
        assert_eq!(body["usage"]["total_requests"], 1, "only this key's own turns");
        let total = body["usage"]["total_tokens"].as_i64().unwrap();
        let parts = body["usage"]["total_input_tokens"].as_i64().unwrap() + body["usage"]["total_output_tokens"].as_i64().unwrap();
        assert_eq!(total, parts);
        assert_eq!(body["by_model"][0]["model"], "parlor-builtin");
        assert_eq!(body["usage"]["total_cost"], 0.0);
    }

    async fn usage_reports_refuse_bad_parameters_and_missing_scopes(app) {
        for query in ["?start_date=yesterday", "?group_by=colour", "?start_date=2026-02-01&end_date=2026-01-01", "?end_date=2026-02-30"] {
            let response = app.get(&format!("/api/v2/usage{query}")).send().await.unwrap();
            assert_eq!(response.status(), 422, "{query}");
        }
        let reader = app.key_with(Some(&app.workspace_id), &[Scope::ChatbotsRead]).await;
        let response = app.client.get(app.url("/api/v2/usage")).bearer_auth(reader).send().await.unwrap();
        assert_eq!(response.status(), 403);
    }

    async fn another_workspace_sees_none_of_the_usage(app) {
        let bot = app.create_chatbot("Mine").await;
        chat(&app, &bot).await;
        let stranger = app.key_with(None, &Scope::ALL).await;
        let body: serde_json::Value =
            app.client.get(app.url("/api/v2/usage")).bearer_auth(stranger).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["totals"]["requests"], 0);
        assert_eq!(body["groups"], json!([]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cost_of_a_turn_comes_from_the_configured_prices() {
    let app =
        spawn_app_with(Backend::Sqlite, |config| config.model_prices = "parlor-builtin=2/4".to_owned()).await.unwrap();
    let bot = app.create_chatbot("Priced").await;
    chat(&app, &bot).await;
    let body = report(&app, "?group_by=model").await;
    let input = body["totals"]["input_tokens"].as_f64().unwrap();
    let output = body["totals"]["output_tokens"].as_f64().unwrap();
    let cost = body["totals"]["cost"].as_f64().unwrap();
    assert!((cost - (2.0 * input + 4.0 * output) / 1_000_000.0).abs() < 1e-9, "{body}");
    assert!(cost > 0.0);
}
