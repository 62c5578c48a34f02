use crate::on_both_backends;
use parlor_server::keys::Scope;

on_both_backends! {
    async fn the_quick_start_request_creates_a_chatbot_and_answers_201(app) {
        let response = app
            .client
            .post(app.url("/api/chatbots"))
            .header("Authorization", format!("Bearer {}", app.key))
            .header("Content-Type", "application/json")
            .body(r#"{"name": "My Chatbot"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        assert!(response.headers().contains_key("x-request-id"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["id"].as_str().unwrap().starts_with("bot_"));
        assert_eq!(body["object"], "chatbot");
        assert_eq!(body["name"], "My Chatbot");
        assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    }

    async fn created_chatbots_are_listed_under_both_api_versions(app) {
        let id = app.create_chatbot("Listed").await;
        for path in ["/api/chatbots", "/api/v2/chatbots"] {
            let body: serde_json::Value = app.get(path).send().await.unwrap().json().await.unwrap();
            assert_eq!(body["object"], "list");
            assert_eq!(body["data"][0]["id"], id.as_str(), "{path}");
            assert_eq!(body["has_more"], false);
        }
        let one: serde_json::Value = app.get(&format!("/api/v2/chatbots/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(one["name"], "Listed");
    }

    async fn lists_are_paginated_newest_first_with_a_cursor(app) {
        let first = app.create_chatbot("First").await;
        let second = app.create_chatbot("Second").await;
        let third = app.create_chatbot("Third").await;
        let page: serde_json::Value = app.get("/api/v2/chatbots?limit=2").send().await.unwrap().json().await.unwrap();
        let ids: Vec<&str> = page["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&third.as_str()) || ids.contains(&second.as_str()));
        assert_eq!(page["has_more"], true);
        let cursor = page["next_cursor"].as_str().unwrap();
        let rest: serde_json::Value =
            app.get(&format!("/api/v2/chatbots?limit=2&cursor={cursor}")).send().await.unwrap().json().await.unwrap();
        let mut all: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        all.extend(rest["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        all.sort();
        let mut expected = vec![first, second, third];
        expected.sort();
        assert_eq!(all, expected);
        assert_eq!(rest["has_more"], false);
    }

    async fn another_workspace_gets_404_for_a_chatbot_it_does_not_own(app) {
        let id = app.create_chatbot("Private").await;
        let stranger = app.key_with(None, &Scope::ALL).await;
        let response = app.client.get(app.url(&format!("/api/v2/chatbots/{id}"))).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(response.status(), 404);
        let response = app
            .client
            .post(app.url(&format!("/api/v2/chatbots/{id}/chat")))
            .bearer_auth(&stranger)
            .json(&serde_json::json!({"message": "Hello", "stream": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        let list: serde_json::Value =
            app.client.get(app.url("/api/chatbots")).bearer_auth(&stranger).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["data"].as_array().unwrap().len(), 0);
    }

    async fn a_key_without_the_scope_gets_403_naming_it(app) {
        let reader = app.key_with(Some(&app.workspace_id), &[Scope::ChatbotsRead]).await;
        let response = app
            .client
            .post(app.url("/api/chatbots"))
            .bearer_auth(&reader)
            .json(&serde_json::json!({"name": "Nope"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "MISSING_SCOPE");
        assert!(body["error"]["message"].as_str().unwrap().contains("chatbots:write"));
    }

    async fn missing_and_wrong_keys_get_401(app) {
        let response = app.client.get(app.url("/api/chatbots")).send().await.unwrap();
        assert_eq!(response.status(), 401);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "MISSING_API_KEY");
        let forged = parlor_server::keys::PlainKey::generate(parlor_server::keys::KeyKind::Secret);
        let response = app.client.get(app.url("/api/chatbots")).bearer_auth(forged.expose()).send().await.unwrap();
        assert_eq!(response.status(), 401);
        let response = app.client.get(app.url("/api/chatbots")).bearer_auth("sk_typo").send().await.unwrap();
        assert_eq!(response.status(), 401);
    }

    async fn invalid_chatbot_fields_get_422(app) {
        for body in [r#"{"name": "   "}"#, r#"{"name": "a", "website": "javascript:alert(1)"}"#] {
            let response = app.post("/api/chatbots").header("content-type", "application/json").body(body).send().await.unwrap();
            assert_eq!(response.status(), 422, "{body}");
            let json: serde_json::Value = response.json().await.unwrap();
            assert_eq!(json["error"]["code"], "VALIDATION_FAILED");
        }
    }
}

on_both_backends! {
    async fn patch_changes_the_named_settings_and_keeps_the_rest(app) {
        let id = app.create_chatbot("Before").await;
        for path in [format!("/api/chatbots/{id}"), format!("/api/v2/chatbots/{id}")] {
            let response = app
                .client
                .patch(app.url(&path))
                .bearer_auth(&app.key)
                .json(&serde_json::json!({
                    "name": "After",
                    "personality": "Answer in one sentence.",
                    "starter_questions": ["What are your hours?"],
                    "theme": "dark",
                    "accent_color": "#4F46E5",
                    "allowed_origins": ["https://shop.example.com"],
                    "temperature": 0.5
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["name"], "After");
            assert_eq!(body["settings"]["personality"], "Answer in one sentence.");
            assert_eq!(body["settings"]["theme"], "dark");
            assert_eq!(body["settings"]["accent_color"], "#4f46e5");
            assert_eq!(body["settings"]["allowed_origins"][0], "https://shop.example.com");
            assert_eq!(body["settings"]["max_tokens"], 800);
            assert_eq!(body["welcome_message"], "Hi! How can I help you today?");
        }
        let read: serde_json::Value = app.get(&format!("/api/v2/chatbots/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(read["settings"]["starter_questions"][0], "What are your hours?");
    }

    async fn invalid_settings_get_422_and_change_nothing(app) {
        let id = app.create_chatbot("Strict").await;
        for body in [
            serde_json::json!({"theme": "neon"}),
            serde_json::json!({"temperature": 9}),
            serde_json::json!({"accent_color": "url(javascript:x)"}),
            serde_json::json!({"allowed_origins": ["*"]}),
            serde_json::json!({"colour": "#fff"}),
        ] {
            let response = app.client.patch(app.url(&format!("/api/v2/chatbots/{id}"))).bearer_auth(&app.key).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 422, "{body}");
        }
        let read: serde_json::Value = app.get(&format!("/api/v2/chatbots/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(read["settings"]["theme"], "light");
    }

    async fn deleting_a_chatbot_removes_all_of_its_data(app) {
        let id = parlor_server::demo::seed(&app.db).await.unwrap();
        let other = app.create_chatbot("Survivor").await;
        for bot in [&id, &other] {
            let response = app
                .post(&format!("/api/v2/chatbots/{bot}/chat"))
                .json(&serde_json::json!({"message": "What are your opening hours?", "stream": false}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
        assert!(app.count("SELECT COUNT(*) FROM knowledge_entries WHERE chatbot_id = $1", &id).await > 0);
        // Knowledge of every kind: a source with chunks, a fetch job, and the index's change log.
        let response = app.post("/api/knowledge").json(&serde_json::json!({"chatbotId": id, "type": "text", "content": "# Hours\n\nOpen daily."})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let source = parlor_server::knowledge::jobs::create_fetch_source(
            &app.db,
            &id,
            "scrape",
            &parlor_server::knowledge::jobs::JobParams { url: "http://127.0.0.1:9/".into(), max_pages: 5, max_depth: 1 },
        )
        .await
        .unwrap();
        assert!(app.count("SELECT COUNT(*) FROM knowledge_changes WHERE chatbot_id = $1", &id).await > 0);
        let response = app.client.delete(app.url(&format!("/api/chatbots/{id}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(app.count("SELECT COUNT(*) FROM chatbots WHERE id = $1", &id).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE chatbot_id = $1", &id).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_entries WHERE chatbot_id = $1", &id).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_sources WHERE chatbot_id = $1", &id).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_changes WHERE chatbot_id = $1", &id).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_jobs WHERE source_id = $1", &source.id).await, 0);
        let orphans = app
            .count("SELECT COUNT(*) FROM messages WHERE conversation_id NOT IN (SELECT id FROM conversations) AND $1 = $1", "x")
            .await;
        assert_eq!(orphans, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE chatbot_id = $1", &other).await, 1, "other chatbots keep theirs");
        assert_eq!(app.get(&format!("/api/v2/chatbots/{id}")).send().await.unwrap().status(), 404);
        let again = app.client.delete(app.url(&format!("/api/chatbots/{id}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(again.status(), 404);
    }

    async fn another_workspace_can_neither_change_nor_delete_a_chatbot(app) {
        let id = app.create_chatbot("Guarded").await;
        let stranger = app.key_with(None, &Scope::ALL).await;
        let patch = app.client.patch(app.url(&format!("/api/v2/chatbots/{id}"))).bearer_auth(&stranger).json(&serde_json::json!({"name": "Mine now"})).send().await.unwrap();
        assert_eq!(patch.status(), 404);
        let delete = app.client.delete(app.url(&format!("/api/v2/chatbots/{id}"))).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(delete.status(), 404);
        let read: serde_json::Value = app.get(&format!("/api/v2/chatbots/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(read["name"], "Guarded");
    }
}
