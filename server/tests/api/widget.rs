use crate::helpers::{answer_text, read_events};
use crate::on_both_backends;

on_both_backends! {
    async fn the_widget_reads_its_chatbot_without_a_key_from_any_origin(app) {
        let bot = app.create_chatbot("Widget Bot").await;
        let response = app
            .client
            .get(app.url(&format!("/widget/v1/chatbots/{bot}")))
            .header("origin", "http://customer.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["name"], "Widget Bot");
        assert_eq!(body["welcome_message"], "Hi! How can I help you today?");
    }

    async fn the_widget_chat_answers_a_cors_preflight_and_streams(app) {
        let bot = app.create_chatbot("Widget Bot").await;
        let path = format!("/widget/v1/chatbots/{bot}/chat");
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(&path))
            .header("origin", "http://customer.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success());
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        assert!(preflight.headers()["access-control-allow-headers"].to_str().unwrap().contains("content-type"));

        let response = app
            .client
            .post(app.url(&path))
            .header("origin", "http://customer.example")
            .json(&serde_json::json!({"message": "Hello", "visitorId": "vis_1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let events = read_events(response).await;
        assert!(answer_text(&events).starts_with("Hello! I'm Widget Bot."));
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE visitor_id = $1", "vis_1").await, 1);
    }

    async fn the_widget_gets_404_for_an_unknown_chatbot(app) {
        let response = app.client.get(app.url("/widget/v1/chatbots/bot_nope")).send().await.unwrap();
        assert_eq!(response.status(), 404);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "NOT_FOUND");
    }
}

on_both_backends! {
    async fn a_chatbot_with_allowed_origins_refuses_other_pages(app) {
        let bot = app.create_chatbot("Picky").await;
        let response = app
            .client
            .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
            .bearer_auth(&app.key)
            .json(&serde_json::json!({"allowed_origins": ["https://shop.example.com"], "theme": "dark"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let from = |origin: &'static str| {
            app.client.get(app.url(&format!("/widget/v1/chatbots/{bot}"))).header("origin", origin).send()
        };
        let allowed = from("https://shop.example.com").await.unwrap();
        assert_eq!(allowed.status(), 200);
        let config: serde_json::Value = allowed.json().await.unwrap();
        assert_eq!(config["theme"], "dark");
        let refused = from("https://copycat.example").await.unwrap();
        assert_eq!(refused.status(), 403);
        assert!(refused.headers().get("access-control-allow-origin").is_none());
        let chat = app
            .client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
            .header("origin", "https://copycat.example")
            .json(&serde_json::json!({"message": "Hello"}))
            .send()
            .await
            .unwrap();
        assert_eq!(chat.status(), 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE chatbot_id = $1", &bot).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_assets_are_served_compressed_with_cache_headers() {
    let assets = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(assets.path().join("w")).unwrap();
    // A stand-in for the WASM: large and repetitive, as compiled code is.
    let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(assets.path().join("w/parlor-widget.wasm"), &wasm).unwrap();
    let dir = assets.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |config| config.widget_dir = dir)
        .await
        .unwrap();
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    for (accept, encoding) in [("br", "br"), ("gzip", "gzip")] {
        let response =
            client.get(app.url("/w/parlor-widget.wasm")).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
        assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
        let body = response.bytes().await.unwrap();
        assert!(body.len() < wasm.len() / 5, "{accept}: {} bytes", body.len());
    }
    let plain = client.get(app.url("/w/parlor-widget.wasm")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().len(), wasm.len());
}
