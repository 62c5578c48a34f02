use parlor_server::keys::Scope;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

async fn converse(app: &TestApp, bot: &str, message: &str, conversation: Option<&str>) -> String {
    let mut body = json!({"message": message, "stream": false});
    if let Some(id) = conversation {
        body["conversation_id"] = json!(id);
    }
    let reply: serde_json::Value =
        app.post(&format!("/api/v2/chatbots/{bot}/chat")).json(&body).send().await.unwrap().json().await.unwrap();
    reply["conversation_id"].as_str().unwrap().to_owned()
}

on_both_backends! {
    async fn the_seed_conversations_request_lists_them_with_pagination(app) {
        let bot = app.create_chatbot("Talkative").await;
        let first = converse(&app, &bot, "Hello", None).await;
        converse(&app, &bot, "Hello again", Some(&first)).await;
        let second = converse(&app, &bot, "Hi", None).await;
        let third = converse(&app, &bot, "Hey", None).await;

        let response = app
            .client
            .get(app.url(&format!("/api/v2/chatbots/{bot}/conversations?limit=20")))
            .header("Authorization", format!("Bearer {}", app.key))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let page: serde_json::Value = response.json().await.unwrap();
        assert_eq!(page["object"], "list");
        assert_eq!(page["has_more"], false);
        let data = page["data"].as_array().unwrap();
        assert_eq!(data.len(), 3);
        let counts: Vec<(String, i64)> =
            data.iter().map(|c| (c["id"].as_str().unwrap().to_owned(), c["message_count"].as_i64().unwrap())).collect();
        assert!(counts.contains(&(first.clone(), 4)), "{counts:?}");

        let page: serde_json::Value =
            app.get(&format!("/api/v2/chatbots/{bot}/conversations?limit=2")).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["has_more"], true);
        let cursor = page["next_cursor"].as_str().unwrap();
        let rest: serde_json::Value = app
            .get(&format!("/api/v2/chatbots/{bot}/conversations?limit=2&cursor={cursor}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut seen: Vec<String> = page["data"].as_array().unwrap().iter().chain(rest["data"].as_array().unwrap()).map(|c| c["id"].as_str().unwrap().to_owned()).collect();
        seen.sort();
        let mut all = vec![first, second, third];
        all.sort();
        assert_eq!(seen, all);
    }

    async fn a_conversation_is_read_with_its_messages_in_order(app) {
        let demo = parlor_server::demo::seed(&app.db).await.unwrap();
        let id = converse(&app, &demo, "What are your opening hours?", None).await;
        let body: serde_json::Value = app.get(&format!("/api/v2/conversations/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["id"], id.as_str());
        assert_eq!(body["message_count"], 2);
        let messages = body["messages"].as_array().unwrap();
        assert_eq!(messages[0]["role"], "user");
        assert_eq!(messages[0]["content"], "What are your opening hours?");
        assert_eq!(messages[1]["role"], "assistant");
        assert_eq!(messages[1]["status"], "complete");
        assert_eq!(messages[1]["citations"][0]["title"], "What are your opening hours?");
    }

    async fn deleting_a_conversation_removes_its_messages(app) {
        let bot = app.create_chatbot("Forgetful").await;
        let id = converse(&app, &bot, "Hello", None).await;
        let response = app.client.delete(app.url(&format!("/api/v2/conversations/{id}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE conversation_id = $1", &id).await, 0);
        assert_eq!(app.get(&format!("/api/v2/conversations/{id}")).send().await.unwrap().status(), 404);
    }

    async fn conversations_of_another_workspace_are_404_and_scopes_are_enforced(app) {
        let bot = app.create_chatbot("Private").await;
        let id = converse(&app, &bot, "Hello", None).await;
        let stranger = app.key_with(None, &Scope::ALL).await;
        for path in [format!("/api/v2/conversations/{id}"), format!("/api/v2/chatbots/{bot}/conversations")] {
            let response = app.client.get(app.url(&path)).bearer_auth(&stranger).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        let response = app.client.delete(app.url(&format!("/api/v2/conversations/{id}"))).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(response.status(), 404);
        let reader = app.key_with(Some(&app.workspace_id), &[Scope::ConversationsRead]).await;
        let response = app.client.delete(app.url(&format!("/api/v2/conversations/{id}"))).bearer_auth(&reader).send().await.unwrap();
        assert_eq!(response.status(), 403);
    }
}

on_both_backends! {
    async fn a_conversation_exports_as_json_csv_and_transcript_with_formulas_made_inert(app) {
        let bot = app.create_chatbot("Exported").await;
        let response = app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&serde_json::json!({"message": "=HYPERLINK(\"http://evil\")", "stream": false}))
            .send().await.unwrap();
        let reply: serde_json::Value = response.json().await.unwrap();
        let id = reply["conversation_id"].as_str().unwrap().to_owned();

        let json = app.get(&format!("/api/conversations/{id}/export")).send().await.unwrap();
        assert_eq!(json.status(), 200);
        assert!(json.headers()["content-disposition"].to_str().unwrap().contains(&format!("{id}.json")));
        let body: serde_json::Value = json.json().await.unwrap();
        assert_eq!(body["messages"].as_array().unwrap().len(), 2);

        let csv = app.get(&format!("/api/v2/conversations/{id}/export?format=csv")).send().await.unwrap();
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][3], "user");
        assert_eq!(&rows[0][5], "'=HYPERLINK(\"http://evil\")", "a formula becomes text");

        let transcript = app.get(&format!("/api/conversations/{id}/export?format=transcript")).send().await.unwrap();
        let text = transcript.text().await.unwrap();
        assert!(text.contains("Visitor: =HYPERLINK"), "{text}");
        assert!(text.contains("] Bot: "), "{text}");

        let bad = app.get(&format!("/api/conversations/{id}/export?format=pdf")).send().await.unwrap();
        assert_eq!(bad.status(), 422);

        // The bulk export of the chatbot holds every conversation.
        app.post(&format!("/api/v2/chatbots/{bot}/chat")).json(&serde_json::json!({"message": "second", "stream": false})).send().await.unwrap();
        let all: serde_json::Value = app.get(&format!("/api/v2/chatbots/{bot}/conversations/export")).send().await.unwrap().json().await.unwrap();
        assert_eq!(all.as_array().unwrap().len(), 2);
        let csv = app.get(&format!("/api/v2/chatbots/{bot}/conversations/export?format=csv")).send().await.unwrap().text().await.unwrap();
        assert_eq!(csv.lines().count(), 5, "a header and four messages: {csv}");
        let stranger = app.key_with(None, &parlor_server::keys::Scope::ALL).await;
        let hidden = app.client.get(app.url(&format!("/api/v2/chatbots/{bot}/conversations/export"))).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(hidden.status(), 404);
    }
}
