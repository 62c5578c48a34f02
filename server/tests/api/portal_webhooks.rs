//! The portal's Webhooks pages through their server functions, over real HTTP with a session
//! cookie: the secret shown once, workspaces kept apart, private URLs refused, and a test event
//! that shows in the delivery log with its attempts.

use std::time::{Duration, Instant};

use parlor_server::webhooks::signing;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::webhooks::Receiver;

async fn call(app: &TestApp, name: &str, form: &[(&str, &str)], cookie: &str) -> reqwest::Response {
    app.portal_call(name, form, Some(cookie)).await
}

async fn call_json(app: &TestApp, name: &str, body: Value, cookie: &str) -> reqwest::Response {
    app.portal_call_json(name, body, cookie).await
}

async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn sign_up(app: &TestApp, email: &str) -> String {
    app.portal_sign_up(email).await
}

async fn create(app: &TestApp, cookie: &str, endpoint: Value) -> Value {
    ok_json(call_json(app, "create_webhook", json!({ "endpoint": endpoint }), cookie).await).await
}

/// Reads the delivery log until its newest delivery satisfies `done`.
async fn wait_for_log(app: &TestApp, cookie: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = ok_json(call(app, "webhook_deliveries", &[("id", id), ("status", "")], cookie).await).await;
        if log["data"].get(0).is_some_and(&done) {
            return log["data"][0].clone();
        }
        assert!(Instant::now() < deadline, "the delivery log did not reach the expected state: {log:#}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

on_both_backends! {
    configured by crate::webhooks::fast_webhooks;

    async fn an_endpoint_made_in_the_portal_shows_its_secret_once_and_its_test_event_shows_in_the_log(app) {
        let receiver = Receiver::start().await;
        let cookie = sign_up(&app, "dana@example.com").await;
        let catalogue = ok_json(call(&app, "webhook_events", &[], &cookie).await).await;
        let names: Vec<&str> = catalogue.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"message.received") && names.contains(&"ping"), "{names:?}");
        assert!(catalogue[0]["example"]["data"].is_object(), "each event has an example payload");

        let created = create(&app, &cookie, json!({
            "url": receiver.url, "description": "CRM", "events": ["conversation.started", "ping"], "naming": "classic"
        })).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"), "{created}");
        assert_eq!(created["events"], json!(["conversation.started", "ping"]));
        assert_eq!(created["naming"], "classic");
        let id = created["id"].as_str().unwrap().to_owned();

        let listed = ok_json(call(&app, "list_webhooks", &[], &cookie).await).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["description"], "CRM");
        assert!(!listed.to_string().contains(&secret[6..]), "the list never shows the secret: {listed}");
        let fetched = ok_json(call(&app, "get_webhook", &[("id", &id)], &cookie).await).await;
        assert!(fetched.get("secret").is_none(), "{fetched}");
        let in_api: Value = app.get("/api/v2/webhooks").send().await.unwrap().json().await.unwrap();
        assert!(in_api["data"].as_array().unwrap().is_empty(), "the portal's workspace is not the test key's");

        let queued = ok_json(call(&app, "send_test_webhook", &[("id", &id)], &cookie).await).await;
        assert_eq!(queued["event"], "ping");
        let delivered = wait_for_log(&app, &cookie, &id, |d| d["delivery"]["status"] == "succeeded").await;
        assert_eq!(delivered["delivery"]["id"], queued["id"]);
        assert_eq!(delivered["delivery"]["attempt_count"], 1);
        assert_eq!(delivered["attempts"].as_array().unwrap().len(), 1);
        let attempt = &delivered["attempts"][0];
        assert_eq!(attempt["status_code"], 200);
        assert_eq!(attempt["response_snippet"], "receiver says hi");
        assert!(attempt["latency_ms"].as_i64().unwrap() >= 0);
        assert_eq!(delivered["payload"]["event"], "ping");

        let received = receiver.wait_for(Duration::from_secs(10), |r| !r.is_empty()).await;
        let body = &received[0].body;
        let simple = signing::simple_signature(&[&secret], body);
        assert!(
            received[0].header("x-parlor-signature").split(',').any(|sig| sig == simple),
            "signed with the secret the portal showed"
        );

        // Redelivery sends it again with the same id, as a second attempt in the log.
        let again = ok_json(call(&app, "redeliver_webhook", &[("id", &id), ("delivery_id", delivered["delivery"]["id"].as_str().unwrap())], &cookie).await).await;
        assert_eq!(again["id"], delivered["delivery"]["id"]);
        let redelivered = wait_for_log(&app, &cookie, &id, |d| d["attempts"].as_array().is_some_and(|a| a.len() == 2) && d["delivery"]["status"] == "succeeded").await;
        assert_eq!(redelivered["delivery"]["id"], queued["id"]);
        let received = receiver.wait_for(Duration::from_secs(10), |r| r.len() >= 2).await;
        assert_eq!(received[0].header("webhook-id"), received[1].header("webhook-id"));

        // A replay of the last hour queues the ping once more.
        let since = parlor_server::ids::rfc3339(parlor_server::ids::now_ms() - 3_600_000);
        let replayed = ok_json(call(&app, "replay_webhook", &[("id", &id), ("since", &since), ("until", "")], &cookie).await).await;
        assert_eq!(replayed["queued"], 1);
        receiver.wait_for(Duration::from_secs(10), |r| r.len() >= 3).await;
    }

    async fn another_workspace_cannot_see_or_touch_an_endpoint(app) {
        let cookie = sign_up(&app, "dana@example.com").await;
        let receiver = Receiver::start().await;
        let created = create(&app, &cookie, json!({"url": receiver.url})).await;
        let id = created["id"].as_str().unwrap().to_owned();

        let stranger = sign_up(&app, "eve@example.com").await;
        assert_eq!(ok_json(call(&app, "list_webhooks", &[], &stranger).await).await, json!([]));
        for (name, form) in [
            ("get_webhook", vec![("id", id.as_str())]),
            ("send_test_webhook", vec![("id", id.as_str())]),
            ("webhook_deliveries", vec![("id", id.as_str()), ("status", "")]),
            ("rotate_webhook_secret", vec![("id", id.as_str()), ("overlap_seconds", "0")]),
            ("delete_webhook", vec![("id", id.as_str())]),
        ] {
            let response = call(&app, name, &form, &stranger).await;
            assert_eq!(response.status(), 404, "{name}: {}", response.text().await.unwrap());
        }
        let patch = call_json(&app, "update_webhook", json!({"id": id, "patch": {"enabled": false}}), &stranger).await;
        assert_eq!(patch.status(), 404);
        assert_eq!(call(&app, "list_webhooks", &[], "parlor_session=nope").await.status(), 401, "signed-in only");

        let still = ok_json(call(&app, "get_webhook", &[("id", &id)], &cookie).await).await;
        assert_eq!(still["enabled"], true, "nothing changed");
    }

    async fn a_private_url_is_refused_with_a_clear_message(app) {
        let cookie = sign_up(&app, "dana@example.com").await;
        for url in ["http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data"] {
            let response = call_json(&app, "create_webhook", json!({"endpoint": {"url": url}}), &cookie).await;
            assert_eq!(response.status(), 400);
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["Invalid"],
                "the URL points to a private or reserved network address, which Parlor does not call",
                "{url}"
            );
        }
        let receiver = Receiver::start().await;
        let created = create(&app, &cookie, json!({"url": receiver.url})).await;
        let id = created["id"].as_str().unwrap();
        let moved = call_json(&app, "update_webhook", json!({"id": id, "patch": {"url": "http://192.168.1.1/"}}), &cookie).await;
        assert_eq!(moved.status(), 400, "an update goes through the same check");
        let fetched = ok_json(call(&app, "get_webhook", &[("id", id)], &cookie).await).await;
        assert_eq!(fetched["url"], receiver.url);
    }

    async fn disabling_stops_test_events_and_a_rotation_shows_the_new_secret_once(app) {
        let cookie = sign_up(&app, "dana@example.com").await;
        let receiver = Receiver::start().await;
        let created = create(&app, &cookie, json!({"url": receiver.url})).await;
        let id = created["id"].as_str().unwrap();

        let off = ok_json(call_json(&app, "update_webhook", json!({"id": id, "patch": {"enabled": false, "description": "paused"}}), &cookie).await).await;
        assert_eq!(off["enabled"], false);
        assert_eq!(off["description"], "paused");
        let refused = call(&app, "send_test_webhook", &[("id", id)], &cookie).await;
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.unwrap();
        assert!(body["Invalid"].as_str().unwrap().contains("disabled"), "{body}");

        let rotated = ok_json(call(&app, "rotate_webhook_secret", &[("id", id), ("overlap_seconds", "3600")], &cookie).await).await;
        let new_secret = rotated["secret"].as_str().unwrap();
        assert!(new_secret.starts_with("whsec_"));
        assert_ne!(new_secret, created["secret"].as_str().unwrap());
        assert!(rotated["previous_secret_expires_at"].is_string(), "the old secret signs during the overlap");
        let listed = ok_json(call(&app, "list_webhooks", &[], &cookie).await).await;
        assert!(!listed.to_string().contains(&new_secret[6..]));

        assert_eq!(call(&app, "delete_webhook", &[("id", id)], &cookie).await.status(), 200);
        assert_eq!(ok_json(call(&app, "list_webhooks", &[], &cookie).await).await, json!([]));
    }

    async fn the_webhooks_pages_render_for_a_signed_in_owner_and_not_for_another_workspace(app) {
        let cookie = sign_up(&app, "dana@example.com").await;
        let receiver = Receiver::start().await;
        let created = create(&app, &cookie, json!({"url": receiver.url, "description": "CRM"})).await;
        let id = created["id"].as_str().unwrap();
        let secret = created["secret"].as_str().unwrap();
        let page = |path: String, cookie: String| {
            let request = app.client.get(app.url(&path)).header("cookie", cookie);
            async move {
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        let (status, list) = page("/webhooks".into(), cookie.clone()).await;
        assert_eq!(status, 200);
        assert!(list.contains(&receiver.url) && list.contains("Add an endpoint"), "{list}");
        let (status, detail) = page(format!("/webhooks/{id}"), cookie.clone()).await;
        assert_eq!(status, 200);
        assert!(detail.contains(&receiver.url) && detail.contains("Delivery log"), "{detail}");
        assert!(!list.contains(&secret[6..]) && !detail.contains(&secret[6..]), "pages never show the secret");
        let stranger = sign_up(&app, "eve@example.com").await;
        let (status, elsewhere) = page(format!("/webhooks/{id}"), stranger).await;
        assert_eq!(status, 404);
        assert!(elsewhere.contains("webhook endpoint not found") && !elsewhere.contains(&receiver.url), "{elsewhere}");
    }
}
