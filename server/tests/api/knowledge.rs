use parlor_server::keys::Scope;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both_backends;

async fn add(app: &TestApp, body: serde_json::Value) -> reqwest::Response {
    app.post("/api/knowledge").json(&body).send().await.unwrap()
}

async fn ask(app: &TestApp, bot: &str, question: &str) -> serde_json::Value {
    app.post(&format!("/api/v2/chatbots/{bot}/chat"))
        .json(&json!({"message": question, "stream": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const GUIDE: &str = "# Returns guide\n\nWe want you to love what you bought.\n\n## Refunds\n\nRefunds are paid to the original card within 5 business days after we receive the parcel.\n\n## Exchanges\n\nExchanges ship free of charge once the returned item arrives at our warehouse.";

on_both_backends! {
    async fn a_qa_pair_in_the_seed_shape_is_answered_as_written(app) {
        let bot = app.create_chatbot("Helpdesk").await;
        let response = add(&app, json!({"chatbotId": bot, "type": "qa", "source": "Do you offer gift wrapping?", "content": "Yes, gift wrapping costs 3 euros per item."})).await;
        assert_eq!(response.status(), 201);
        let source: serde_json::Value = response.json().await.unwrap();
        assert_eq!(source["status"], "ready");
        assert_eq!(source["chunk_count"], 1);
        assert_eq!(source["type"], "qa");
        let answer = ask(&app, &bot, "Do you offer gift wrapping?").await;
        assert_eq!(answer["message"]["content"], "Yes, gift wrapping costs 3 euros per item.");
        assert_eq!(answer["citations"][0]["title"], "Do you offer gift wrapping?");
    }

    async fn a_text_is_chunked_by_its_headings_and_searched(app) {
        let bot = app.create_chatbot("Returns").await;
        let source: serde_json::Value = add(&app, json!({"chatbot_id": bot, "type": "text", "content": GUIDE})).await.json().await.unwrap();
        assert_eq!(source["title"], "Returns guide");
        assert_eq!(source["chunk_count"], 3);
        let hits: serde_json::Value = app
            .post(&format!("/api/v2/chatbots/{bot}/knowledge/search"))
            .json(&json!({"query": "how are refunds paid", "limit": 2}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(hits[0]["title"], "Returns guide › Refunds");
        assert!(hits[0]["snippet"].as_str().unwrap().contains("original card"));
        let answer = ask(&app, &bot, "When are refunds paid?").await;
        assert!(answer["message"]["content"].as_str().unwrap().contains("> Refunds are paid to the original card"), "{answer}");
    }

    async fn sources_are_listed_read_and_deleted_with_their_chunks(app) {
        let bot = app.create_chatbot("Forgetful").await;
        let source: serde_json::Value = add(&app, json!({"chatbot_id": bot, "type": "text", "source": "https://shop.example.com/returns", "content": GUIDE})).await.json().await.unwrap();
        let id = source["id"].as_str().unwrap();
        assert_eq!(source["source_url"], "https://shop.example.com/returns");
        let list: serde_json::Value = app.get(&format!("/api/knowledge?chatbotId={bot}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["data"][0]["id"], id);
        let one: serde_json::Value = app.get(&format!("/api/v2/knowledge/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(one["chunk_count"], 3);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_entries WHERE source_id = $1", id).await, 3);

        let response = app.client.delete(app.url(&format!("/api/knowledge/{id}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_entries WHERE source_id = $1", id).await, 0);
        assert_eq!(app.get(&format!("/api/knowledge/{id}")).send().await.unwrap().status(), 404);
        let answer = ask(&app, &bot, "When are refunds paid?").await;
        assert!(answer["message"]["content"].as_str().unwrap().contains("don't know"), "{answer}");
    }

    async fn bad_knowledge_items_are_refused_clearly(app) {
        let bot = app.create_chatbot("Strict").await;
        for (body, status) in [
            (json!({"chatbot_id": bot, "type": "qa", "source": "Question?"}), 422),
            (json!({"chatbot_id": bot, "type": "text", "content": "   "}), 422),
            (json!({"chatbot_id": bot, "type": "url", "source": "https://example.com"}), 422),
            (json!({"chatbot_id": bot, "type": "video", "content": "x"}), 422),
            (json!({"chatbot_id": "bot_nope", "type": "text", "content": "x"}), 404),
            (json!({"chatbot_id": bot, "type": "text", "content": "x".repeat(600 * 1024)}), 413),
        ] {
            let response = add(&app, body.clone()).await;
            assert_eq!(response.status(), status, "{}", &body.to_string()[..body.to_string().len().min(120)]);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_sources WHERE chatbot_id = $1", &bot).await, 0);
    }

    async fn another_workspace_cannot_touch_the_knowledge(app) {
        let bot = app.create_chatbot("Private").await;
        let source: serde_json::Value = add(&app, json!({"chatbot_id": bot, "type": "qa", "source": "Secret?", "content": "Yes."})).await.json().await.unwrap();
        let id = source["id"].as_str().unwrap();
        let stranger = app.key_with(None, &Scope::ALL).await;
        for response in [
            app.client.get(app.url(&format!("/api/knowledge/{id}"))).bearer_auth(&stranger).send().await.unwrap(),
            app.client.delete(app.url(&format!("/api/knowledge/{id}"))).bearer_auth(&stranger).send().await.unwrap(),
            app.client.get(app.url(&format!("/api/knowledge?chatbot_id={bot}"))).bearer_auth(&stranger).send().await.unwrap(),
            app.client.post(app.url("/api/knowledge")).bearer_auth(&stranger).json(&json!({"chatbot_id": bot, "type": "qa", "source": "a", "content": "b"})).send().await.unwrap(),
        ] {
            assert_eq!(response.status(), 404);
        }
        let reader = app.key_with(Some(&app.workspace_id), &[Scope::KnowledgeRead]).await;
        let response = app.client.post(app.url("/api/knowledge")).bearer_auth(&reader).json(&json!({"chatbot_id": bot, "type": "qa", "source": "a", "content": "b"})).send().await.unwrap();
        assert_eq!(response.status(), 403);
    }
}

on_both_backends! {
    async fn suggestions_complete_a_typed_question_from_questions_titles_and_frequent_asks(app) {
        let bot = app.create_chatbot("Suggest").await;
        for (kind, source, content) in [
            ("qa", "What are your opening hours?", "9 to 5."),
            ("qa", "Do you ship to Canada?", "Yes."),
            ("text", "Guide", "# Shipping and returns\n\nWe ship worldwide."),
        ] {
            let response = app.post("/api/knowledge")
                .json(&serde_json::json!({"chatbotId": bot, "type": kind, "source": source, "content": content}))
                .send().await.unwrap();
            assert_eq!(response.status(), 201);
        }
        for _ in 0..2 {
            app.post(&format!("/api/v2/chatbots/{bot}/chat"))
                .json(&serde_json::json!({"message": "Can I pay with PayPal?", "stream": false})).send().await.unwrap();
        }
        let suggest = |q: &str| app.get(&format!("/api/v2/chatbots/{bot}/suggestions?q={}", urlencode(q))).send();
        let found: serde_json::Value = suggest("ship").await.unwrap().json().await.unwrap();
        let texts: Vec<&str> = found["data"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
        assert_eq!(texts, vec!["Shipping and returns", "Do you ship to Canada?"]);
        let found: serde_json::Value = suggest("can i p").await.unwrap().json().await.unwrap();
        assert_eq!(found["data"][0]["text"], "Can I pay with PayPal?");
        assert_eq!(found["data"][0]["source"], "frequent");
        let found: serde_json::Value = suggest("opening").await.unwrap().json().await.unwrap();
        assert_eq!(found["data"][0]["source"], "question");
        // New knowledge shows at once.
        app.post("/api/knowledge")
            .json(&serde_json::json!({"chatbotId": bot, "type": "qa", "source": "Do you open on Sundays?", "content": "No."}))
            .send().await.unwrap();
        let found: serde_json::Value = suggest("sund").await.unwrap().json().await.unwrap();
        assert_eq!(found["data"][0]["text"], "Do you open on Sundays?");
        let empty: serde_json::Value = suggest("").await.unwrap().json().await.unwrap();
        assert_eq!(empty["data"], serde_json::json!([]));
        assert_eq!(suggest(&"x".repeat(201)).await.unwrap().status(), 422);
        let stranger = app.key_with(None, &parlor_server::keys::Scope::ALL).await;
        let hidden = app.client.get(app.url(&format!("/api/v2/chatbots/{bot}/suggestions?q=ship"))).bearer_auth(&stranger).send().await.unwrap();
        assert_eq!(hidden.status(), 404);
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
