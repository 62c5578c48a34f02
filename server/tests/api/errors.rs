use crate::helpers::TestApp;
use crate::on_both_backends;

/// Checks the error body shape, and that its request id is the response's `X-Request-Id`.
async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(body["error"]["request_id"], request_id.as_str());
    body
}

async fn post_raw(app: &TestApp, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.post("/api/chatbots").header("content-type", content_type).body(body).send().await.unwrap()
}

on_both_backends! {
    async fn malformed_json_gets_400_in_the_error_shape(app) {
        let body = assert_error(post_raw(&app, "application/json", "{\"name\": ").await, 400, "BAD_REQUEST").await;
        assert!(body["error"]["message"].as_str().unwrap().contains("JSON"));
    }

    async fn a_wrong_content_type_gets_415(app) {
        assert_error(post_raw(&app, "text/plain", "{\"name\": \"x\"}").await, 415, "UNSUPPORTED_MEDIA_TYPE").await;
        let response = app.client.post(app.url("/api/chatbots")).bearer_auth(&app.key).body("{}").send().await.unwrap();
        assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE").await;
    }

    async fn an_oversized_body_gets_413(app) {
        let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        assert_error(post_raw(&app, "application/json", huge).await, 413, "PAYLOAD_TOO_LARGE").await;
    }

    async fn unknown_and_missing_fields_get_422(app) {
        let body = assert_error(post_raw(&app, "application/json", r#"{"nmae": "x"}"#).await, 422, "VALIDATION_FAILED").await;
        assert!(body["error"]["message"].as_str().unwrap().contains("nmae"));
        assert_error(post_raw(&app, "application/json", r#"{"name": 5}"#).await, 422, "VALIDATION_FAILED").await;
        assert_error(post_raw(&app, "application/json", "{}").await, 422, "VALIDATION_FAILED").await;
    }

    async fn unknown_api_paths_get_a_json_404(app) {
        assert_error(app.get("/api/v2/nothing-here").send().await.unwrap(), 404, "NOT_FOUND").await;
        assert_error(app.get("/api").send().await.unwrap(), 404, "NOT_FOUND").await;
    }

    async fn an_unsupported_method_gets_a_json_405(app) {
        let response = app.client.delete(app.url("/api/chatbots")).bearer_auth(&app.key).send().await.unwrap();
        assert_error(response, 405, "METHOD_NOT_ALLOWED").await;
    }

    async fn a_bad_query_parameter_gets_a_json_error(app) {
        assert_error(app.get("/api/chatbots?limit=lots").send().await.unwrap(), 400, "BAD_REQUEST").await;
        assert_error(app.get("/api/chatbots?limit=1000").send().await.unwrap(), 422, "VALIDATION_FAILED").await;
    }

    async fn every_response_carries_a_request_id_and_a_sane_one_is_echoed(app) {
        for path in ["/healthz", "/api/chatbots", "/", "/widget.js"] {
            let response = app.client.get(app.url(path)).send().await.unwrap();
            assert!(response.headers().contains_key("x-request-id"), "{path}");
        }
        let response = app.client.get(app.url("/healthz")).header("x-request-id", "trace-123").send().await.unwrap();
        assert_eq!(response.headers()["x-request-id"], "trace-123");
        let response = app.client.get(app.url("/healthz")).header("x-request-id", "<script>").send().await.unwrap();
        assert_ne!(response.headers()["x-request-id"], "<script>");
    }
}
