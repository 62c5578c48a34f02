use parlor_server::keys::Scope;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

async fn create_key(app: &TestApp, body: serde_json::Value) -> reqwest::Response {
    app.post("/api/v2/keys").json(&body).send().await.unwrap()
}

async fn code_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
}

async fn list_chatbots_with(app: &TestApp, key: &str) -> reqwest::Response {
    app.client.get(app.url("/api/v2/chatbots")).bearer_auth(key).send().await.unwrap()
}

on_both_backends! {
    async fn a_new_key_shows_its_secret_once_and_is_listed_without_it(app) {
        let response = create_key(&app, json!({"name": "reporting", "scopes": ["chatbots:read"]})).await;
        assert_eq!(response.status(), 201);
        let created: serde_json::Value = response.json().await.unwrap();
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("sk_"));
        assert_eq!(created["last_four"].as_str().unwrap(), &secret[secret.len() - 4..]);
        assert_eq!(created["scopes"], json!(["chatbots:read"]));

        let list = app.get("/api/v2/keys").send().await.unwrap().text().await.unwrap();
        assert!(list.contains(created["id"].as_str().unwrap()));
        assert!(!list.contains(&secret), "the list never shows a secret");
        assert!(!list.contains("\"secret\":"));

        assert_eq!(list_chatbots_with(&app, &secret).await.status(), 200);
        let response = app.client.post(app.url("/api/chatbots")).bearer_auth(&secret).json(&json!({"name": "x"})).send().await.unwrap();
        assert_eq!(code_of(response).await, (403, "MISSING_SCOPE".to_owned()));
    }

    async fn a_key_cannot_grant_a_scope_it_lacks(app) {
        let limited = app.key_with(Some(&app.workspace_id), &[Scope::KeysWrite, Scope::ChatbotsRead]).await;
        let response = app
            .client
            .post(app.url("/api/v2/keys"))
            .bearer_auth(&limited)
            .json(&json!({"name": "escalate", "scopes": ["chatbots:write"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(code_of(response).await, (403, "MISSING_SCOPE".to_owned()));
    }

    async fn invalid_key_requests_get_422(app) {
        for body in [
            json!({"name": "", "scopes": ["chatbots:read"]}),
            json!({"name": "x", "scopes": ["everything"]}),
            json!({"name": "x", "kind": "publishable"}),
            json!({"name": "x", "kind": "publishable", "allowed_origins": ["https://a.example"], "scopes": ["chatbots:read"]}),
            json!({"name": "x", "scopes": ["chatbots:read"], "allowed_origins": ["not an origin"]}),
            json!({"name": "x", "scopes": ["chatbots:read"], "expires_at": "2001-01-01T00:00:00Z"}),
            json!({"name": "x", "kind": "admin", "scopes": ["chatbots:read"]}),
        ] {
            let response = create_key(&app, body.clone()).await;
            assert_eq!(response.status(), 422, "{body}");
        }
    }

    async fn a_publishable_key_can_only_chat_and_only_from_its_origins(app) {
        let bot = app.create_chatbot("Site bot").await;
        let created: serde_json::Value = create_key(
            &app,
            json!({"name": "site", "kind": "publishable", "allowed_origins": ["https://shop.example.com"]}),
        )
        .await
        .json()
        .await
        .unwrap();
        let key = created["secret"].as_str().unwrap().to_owned();
        assert!(key.starts_with("pk_"));
        assert_eq!(created["scopes"], json!(["chat:write"]));
        let chat = |origin: Option<&'static str>| {
            let mut request = app
                .client
                .post(app.url(&format!("/api/v2/chatbots/{bot}/chat")))
                .bearer_auth(&key)
                .json(&json!({"message": "Hello", "stream": false}));
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request.send()
        };
        let allowed = chat(Some("https://shop.example.com")).await.unwrap();
        assert_eq!(allowed.status(), 200);
        assert_eq!(allowed.headers()["access-control-allow-origin"], "*");
        let elsewhere = chat(Some("https://evil.example")).await.unwrap();
        assert!(elsewhere.headers().get("access-control-allow-origin").is_none(), "the CORS answer refuses too");
        assert_eq!(code_of(elsewhere).await, (403, "ORIGIN_NOT_ALLOWED".to_owned()));
        assert_eq!(code_of(chat(None).await.unwrap()).await, (403, "ORIGIN_NOT_ALLOWED".to_owned()));
        let listing = app
            .client
            .get(app.url("/api/v2/chatbots"))
            .bearer_auth(&key)
            .header("origin", "https://shop.example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(code_of(listing).await, (403, "MISSING_SCOPE".to_owned()));
    }

    async fn a_secret_key_with_allowed_origins_refuses_other_origins(app) {
        let created: serde_json::Value = create_key(
            &app,
            json!({"name": "dashboard", "scopes": ["chatbots:read"], "allowed_origins": ["https://admin.example.com"]}),
        )
        .await
        .json()
        .await
        .unwrap();
        let key = created["secret"].as_str().unwrap();
        let from = |origin: &'static str| {
            app.client.get(app.url("/api/v2/chatbots")).bearer_auth(key).header("origin", origin).send()
        };
        assert_eq!(from("https://admin.example.com").await.unwrap().status(), 200);
        assert_eq!(code_of(from("https://other.example.com").await.unwrap()).await, (403, "ORIGIN_NOT_ALLOWED".to_owned()));
        assert_eq!(list_chatbots_with(&app, key).await.status(), 200, "server-side calls send no Origin");
    }

    async fn a_rolled_key_keeps_working_until_its_overlap_ends(app) {
        let created: serde_json::Value =
            create_key(&app, json!({"name": "rolling", "scopes": ["chatbots:read"]})).await.json().await.unwrap();
        let old = created["secret"].as_str().unwrap().to_owned();
        let id = created["id"].as_str().unwrap();

        let rolled = app.post(&format!("/api/v2/keys/{id}/roll")).send().await.unwrap();
        assert_eq!(rolled.status(), 201);
        let rolled: serde_json::Value = rolled.json().await.unwrap();
        let new = rolled["secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert_eq!(rolled["scopes"], json!(["chatbots:read"]));
        assert_eq!(list_chatbots_with(&app, &old).await.status(), 200, "the old key works during the overlap");
        assert_eq!(list_chatbots_with(&app, &new).await.status(), 200);

        let newer: serde_json::Value = app
            .post(&format!("/api/v2/keys/{}/roll", rolled["id"].as_str().unwrap()))
            .json(&json!({"expires_in_seconds": 0}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(code_of(list_chatbots_with(&app, &new).await).await, (401, "EXPIRED_API_KEY".to_owned()));
        assert_eq!(list_chatbots_with(&app, newer["secret"].as_str().unwrap()).await.status(), 200);
    }

    async fn a_revoked_key_answers_401_at_once(app) {
        let created: serde_json::Value =
            create_key(&app, json!({"name": "doomed", "scopes": ["chatbots:read"]})).await.json().await.unwrap();
        let key = created["secret"].as_str().unwrap();
        let id = created["id"].as_str().unwrap();
        assert_eq!(list_chatbots_with(&app, key).await.status(), 200);
        let response = app.client.delete(app.url(&format!("/api/v2/keys/{id}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(code_of(list_chatbots_with(&app, key).await).await, (401, "REVOKED_API_KEY".to_owned()));
        let list = app.get("/api/v2/keys").send().await.unwrap().text().await.unwrap();
        assert!(!list.contains(id));
    }

    async fn another_workspace_cannot_see_roll_or_revoke_a_key(app) {
        let created: serde_json::Value =
            create_key(&app, json!({"name": "mine", "scopes": ["chatbots:read"]})).await.json().await.unwrap();
        let id = created["id"].as_str().unwrap();
        let stranger = app.key_with(None, &Scope::ALL).await;
        let list = app.client.get(app.url("/api/v2/keys")).bearer_auth(&stranger).send().await.unwrap().text().await.unwrap();
        assert!(!list.contains(id));
        let roll = app.client.post(app.url(&format!("/api/v2/keys/{id}/roll"))).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(roll.status(), 404);
        let revoke = app.client.delete(app.url(&format!("/api/v2/keys/{id}"))).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(revoke.status(), 404);
        assert_eq!(list_chatbots_with(&app, created["secret"].as_str().unwrap()).await.status(), 200);
    }

    async fn each_kind_of_bad_key_has_its_own_401_code(app) {
        let missing = app.client.get(app.url("/api/v2/chatbots")).send().await.unwrap();
        assert_eq!(code_of(missing).await, (401, "MISSING_API_KEY".to_owned()));
        assert_eq!(code_of(list_chatbots_with(&app, "sk_nope").await).await, (401, "MALFORMED_API_KEY".to_owned()));
        let not_bearer = app.client.get(app.url("/api/v2/chatbots")).header("authorization", "Basic abc").send().await.unwrap();
        assert_eq!(code_of(not_bearer).await, (401, "MALFORMED_API_KEY".to_owned()));
        let unknown = parlor_server::keys::PlainKey::generate(parlor_server::keys::KeyKind::Secret);
        assert_eq!(code_of(list_chatbots_with(&app, unknown.expose()).await).await, (401, "INVALID_API_KEY".to_owned()));
    }
}
