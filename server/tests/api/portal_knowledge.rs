//! The portal's knowledge page behind its server functions and its upload form, over HTTP
//! with a session cookie: adding, listing, uploading, refusing, and tenancy.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

async fn call(app: &TestApp, name: &str, form: &[(&str, &str)], cookie: &str) -> reqwest::Response {
    app.portal_call(name, form, Some(cookie)).await
}

/// Signs up and creates a chatbot in the new workspace; the session cookie and the chatbot id.
async fn owner_with_chatbot(app: &TestApp, email: &str) -> (String, String) {
    let cookie = app.portal_sign_up(email).await;
    let key: Value = app
        .portal_call_json("create_key", json!({"key": {"name": "setup", "scopes": ["chatbots:write"]}}), &cookie)
        .await
        .json()
        .await
        .unwrap();
    let chatbot: Value = app
        .client
        .post(app.url("/api/v2/chatbots"))
        .bearer_auth(key["secret"].as_str().unwrap())
        .json(&json!({"name": "Docs bot"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (cookie, chatbot["id"].as_str().unwrap().to_owned())
}

async fn upload(app: &TestApp, cookie: &str, chatbot_id: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("chatbot_id", chatbot_id.to_owned())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    no_redirects
        .post(app.url("/portal/knowledge/upload"))
        .header("origin", app.base.clone())
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

on_both_backends! {
    async fn an_owner_adds_a_question_and_a_file_in_the_portal_and_both_are_listed_ready(app) {
        let (cookie, chatbot_id) = owner_with_chatbot(&app, "dana@example.com").await;
        let added = call(&app, "add_knowledge", &[
            ("chatbot_id", &chatbot_id), ("kind", "qa"),
            ("title", "When are you open?"), ("content", "Monday to Friday, 9 to 5."),
        ], &cookie).await;
        assert_eq!(added.status(), 200);
        let added: Value = added.json().await.unwrap();
        assert_eq!(added["status"], "ready");

        let response = upload(&app, &cookie, &chatbot_id, "returns.md", b"# Returns\n\nReturns are free within 30 days.\n".to_vec()).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], format!("/knowledge?chatbot={chatbot_id}"));

        let listed: Value = call(&app, "list_sources", &[("chatbot_id", &chatbot_id)], &cookie).await.json().await.unwrap();
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|s| s["status"] == "ready"), "{listed:?}");
        assert!(listed.iter().any(|s| s["file_name"] == "returns.md"));
    }

    async fn a_refused_upload_comes_back_to_the_page_with_the_reason(app) {
        let (cookie, chatbot_id) = owner_with_chatbot(&app, "dana@example.com").await;
        let response = upload(&app, &cookie, &chatbot_id, "tool.exe", vec![0x4d, 0x5a, 0, 0]).await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(&format!("/knowledge?chatbot={chatbot_id}&error=")), "{location}");
        assert!(location.contains("not+a+supported+document"), "{location}");
        let empty = upload(&app, &cookie, &chatbot_id, "empty.txt", Vec::new()).await;
        assert!(empty.headers()["location"].to_str().unwrap().contains("error="));
        let listed: Value = call(&app, "list_sources", &[("chatbot_id", &chatbot_id)], &cookie).await.json().await.unwrap();
        assert_eq!(listed, json!([]), "nothing was learned");
    }

    async fn a_private_address_is_refused_with_a_reason_and_no_source(app) {
        let (cookie, chatbot_id) = owner_with_chatbot(&app, "dana@example.com").await;
        let response = call(&app, "add_knowledge", &[
            ("chatbot_id", &chatbot_id), ("kind", "url"), ("title", ""), ("content", "http://169.254.169.254/latest/meta-data"),
        ], &cookie).await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert!(body["Invalid"].as_str().unwrap().to_lowercase().contains("private") || body["Invalid"].as_str().unwrap().contains("169.254"), "{body}");
        let listed: Value = call(&app, "list_sources", &[("chatbot_id", &chatbot_id)], &cookie).await.json().await.unwrap();
        assert_eq!(listed, json!([]));
    }

    async fn another_workspace_cannot_see_or_upload_to_a_chatbot(app) {
        let (_, chatbot_id) = owner_with_chatbot(&app, "dana@example.com").await;
        let (stranger, _) = owner_with_chatbot(&app, "eve@example.com").await;
        assert_eq!(call(&app, "list_sources", &[("chatbot_id", &chatbot_id)], &stranger).await.status(), 404);
        let response = upload(&app, &stranger, &chatbot_id, "notes.txt", b"secret plans".to_vec()).await;
        assert!(response.headers()["location"].to_str().unwrap().contains("error="));
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_sources WHERE chatbot_id = $1", &chatbot_id).await, 0);
    }

    async fn an_upload_from_another_site_is_refused(app) {
        let (cookie, chatbot_id) = owner_with_chatbot(&app, "dana@example.com").await;
        let form = reqwest::multipart::Form::new()
            .text("chatbot_id", chatbot_id.clone())
            .part("file", reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt"));
        let response = app.client.post(app.url("/portal/knowledge/upload"))
            .header("origin", "https://evil.example")
            .header("cookie", cookie)
            .multipart(form)
            .send().await.unwrap();
        assert_eq!(response.status(), 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_sources WHERE chatbot_id = $1", &chatbot_id).await, 0);
    }
}
