use std::time::Duration;

use crate::helpers::{Backend, TestApp, answer_text, read_events, spawn_app_with};
use crate::on_both_backends;

async fn stream(app: &TestApp, chatbot: &str, body: serde_json::Value) -> reqwest::Response {
    app.post(&format!("/api/v2/chatbots/{chatbot}/chat")).json(&body).send().await.unwrap()
}

on_both_backends! {
    async fn a_streamed_answer_arrives_as_named_server_sent_events(app) {
        let bot = app.create_chatbot("My Chatbot").await;
        let response = stream(&app, &bot, serde_json::json!({"message": "Hello", "stream": true})).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        assert_eq!(response.headers()["x-accel-buffering"], "no");
        assert!(response.headers().get("content-encoding").is_none());
        let events = read_events(response).await;
        assert_eq!(events.first().unwrap().event, "start");
        assert_eq!(events.last().unwrap().event, "done");
        let deltas: Vec<_> = events.iter().filter(|e| e.event == "delta").collect();
        assert!(deltas.len() > 1, "the answer comes in pieces");
        assert_eq!(deltas[0].id.as_deref(), Some("1"));
        let text = answer_text(&events);
        assert!(text.starts_with("Hello! I'm My Chatbot."), "{text}");
        let done: serde_json::Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
        assert_eq!(done["finish_reason"], "stop");
        assert!(done["usage"]["completion_tokens"].as_i64().unwrap() > 0);
    }

    async fn the_conversation_and_both_messages_are_stored(app) {
        let bot = app.create_chatbot("Store").await;
        let events = read_events(stream(&app, &bot, serde_json::json!({"message": "Hello"})).await).await;
        let start: serde_json::Value = serde_json::from_str(&events[0].data).unwrap();
        let conversation = start["conversation_id"].as_str().unwrap();
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE chatbot_id = $1", &bot).await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND status = 'complete'", conversation).await, 2);
        let stored: String = sqlx::query_scalar("SELECT content FROM messages WHERE id = $1")
            .bind(start["message_id"].as_str().unwrap())
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(stored, answer_text(&events));

        let again = read_events(
            stream(&app, &bot, serde_json::json!({"message": "Hello again", "conversation_id": conversation})).await,
        )
        .await;
        let start_again: serde_json::Value = serde_json::from_str(&again[0].data).unwrap();
        assert_eq!(start_again["conversation_id"], conversation);
        assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE conversation_id = $1", conversation).await, 4);
    }

    async fn stream_false_answers_with_one_json_object(app) {
        let bot = app.create_chatbot("Json").await;
        let response = stream(&app, &bot, serde_json::json!({"message": "Hello", "stream": false})).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["message"]["content"].as_str().unwrap().starts_with("Hello! I'm Json."));
        assert_eq!(body["message"]["role"], "assistant");
        assert_eq!(body["finish_reason"], "stop");
        assert!(body["conversation_id"].as_str().unwrap().starts_with("conv_"));
    }

    async fn the_built_in_responder_speaks_the_language_the_request_gives_and_refuses_one_that_is_not_a_tag(app) {
        let bot = app.create_chatbot("Sprachbot").await;
        let answer = |language: &'static str, message: &'static str| {
            let (app, bot) = (&app, &bot);
            async move {
                let body = serde_json::json!({"message": message, "language": language, "stream": false});
                stream(app, bot, body).await
            }
        };
        let german: serde_json::Value = answer("de-DE", "Hallo").await.json().await.unwrap();
        assert_eq!(german["message"]["content"], "Hallo! Ich bin Sprachbot. Wie kann ich Ihnen heute helfen?");
        let french: serde_json::Value = answer("fr", "Quelle est la vitesse d'une hirondelle ?").await.json().await.unwrap();
        assert!(french["message"]["content"].as_str().unwrap().starts_with("Désolé, je ne connais pas encore la réponse."), "{french}");
        let refused = answer("<script>", "Hallo").await;
        assert_eq!(refused.status(), 422);
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "VALIDATION_FAILED", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("language must be a language tag"), "{body}");
    }

    async fn the_demo_chatbot_answers_from_its_knowledge_with_a_citation(app) {
        let demo = parlor_server::demo::seed(&app.db).await.unwrap();
        let body: serde_json::Value = stream(&app, &demo, serde_json::json!({"message": "What are your opening hours?", "stream": false}))
            .await
            .json()
            .await
            .unwrap();
        assert!(body["message"]["content"].as_str().unwrap().contains("Monday to Friday"), "{body}");
        assert_eq!(body["citations"][0]["title"], "What are your opening hours?");

        let body: serde_json::Value = stream(&app, &demo, serde_json::json!({"message": "How do you roast the beans?", "stream": false}))
            .await
            .json()
            .await
            .unwrap();
        assert!(body["message"]["content"].as_str().unwrap().contains("single-origin beans"), "{body}");
        assert_eq!(body["citations"][0]["source_url"], "https://coffee.example.com/roasting");
    }

    async fn an_unknown_question_is_admitted_and_a_person_offered(app) {
        let demo = parlor_server::demo::seed(&app.db).await.unwrap();
        let body: serde_json::Value = stream(&app, &demo, serde_json::json!({"message": "Who won the 1998 World Cup?", "stream": false}))
            .await
            .json()
            .await
            .unwrap();
        let text = body["message"]["content"].as_str().unwrap();
        assert!(text.contains("don't know") && text.contains("person"), "{text}");
        assert_eq!(body["citations"].as_array().unwrap().len(), 0);
    }

    async fn an_empty_message_or_unknown_conversation_is_refused(app) {
        let bot = app.create_chatbot("Strict").await;
        let response = stream(&app, &bot, serde_json::json!({"message": "   "})).await;
        assert_eq!(response.status(), 422);
        let response = stream(&app, &bot, serde_json::json!({"message": "hi", "conversation_id": "conv_nope"})).await;
        assert_eq!(response.status(), 404);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["message"], "conversation not found");
    }
}

async fn answer_is_completed_after_the_client_disconnects(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.responder_delay_ms = 30).await else { return };
    let bot = app.create_chatbot("Patient").await;
    let mut response = stream(&app, &bot, serde_json::json!({"message": "Hello"})).await;
    let first = response.chunk().await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&first).to_string();
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap().to_owned();
    let start: serde_json::Value = serde_json::from_str(&data).unwrap();
    let message_id = start["message_id"].as_str().unwrap().to_owned();
    drop(response);

    let mut status = String::new();
    for _ in 0..200 {
        status = sqlx::query_scalar("SELECT status FROM messages WHERE id = $1")
            .bind(&message_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        if status == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, "complete");
    let content: String = sqlx::query_scalar("SELECT content FROM messages WHERE id = $1")
        .bind(&message_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(content.starts_with("Hello! I'm Patient."), "{content}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_completed_and_stored_after_the_client_disconnects_on_sqlite() {
    answer_is_completed_after_the_client_disconnects(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_completed_and_stored_after_the_client_disconnects_on_postgres() {
    answer_is_completed_after_the_client_disconnects(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_message_is_configurable() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |config| config.max_message_chars = 10)
        .await
        .unwrap();
    let bot = app.create_chatbot("Short").await;
    let send = |message: &str| {
        app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&serde_json::json!({"message": message, "stream": false}))
            .send()
    };
    assert_eq!(send("ten chars!").await.unwrap().status(), 200);
    let refused = send("eleven chars").await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["message"], "message must be at most 10 characters");
}
