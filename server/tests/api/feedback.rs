//! Visitors' feedback from the widget: validation, ownership of conversations and messages,
//! the webhook event, listing with scopes, and removal with the chatbot.

use std::time::Duration;

use parlor_server::keys::Scope;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::leads::{bodies_of, chat, expect_error, on_both_with_webhooks, subscribe, wait_for_events, widget_post};
use crate::on_both_backends;
use crate::webhooks::{Receiver, fast_webhooks};

on_both_with_webhooks! {
    async fn feedback_on_an_answer_is_stored_listed_and_delivered_as_a_webhook(app) {
        let receiver = Receiver::start().await;
        subscribe(&app, &receiver).await;
        let bot = app.create_chatbot("Rated").await;
        let (conversation, answer) = chat(&app, &bot).await;
        let response = widget_post(&app, &bot, "feedback", &json!({
            "conversationId": conversation, "messageId": answer, "thumbs": "up", "rating": 5,
            "comment": "  Quick and clear  "
        })).await;
        assert_eq!(response.status(), 201);
        let feedback: Value = response.json().await.unwrap();
        assert_eq!(feedback["object"], "feedback");
        assert!(feedback["id"].as_str().unwrap().starts_with("fb_"));
        assert_eq!(feedback["chatbot_id"], bot.as_str());
        assert_eq!(feedback["conversation_id"], conversation.as_str());
        assert_eq!(feedback["message_id"], answer.as_str());
        assert_eq!(feedback["thumbs"], "up");
        assert_eq!(feedback["rating"], 5);
        assert_eq!(feedback["comment"], "Quick and clear");

        let response = app.get(&format!("/api/v2/chatbots/{bot}/feedback")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["data"], json!([feedback]));

        let received = wait_for_events(&receiver, &[("feedback.created", 1)]).await;
        let data = &bodies_of(&received, "feedback.created")[0]["data"];
        assert_eq!(data["feedbackId"], feedback["id"]);
        assert_eq!(data["chatbotId"], bot.as_str());
        assert_eq!(data["conversationId"], conversation.as_str());
        assert_eq!(data["messageId"], answer.as_str());
        assert_eq!(data["thumbs"], "up");
        assert_eq!(data["rating"], 5);
        assert_eq!(data["comment"], "Quick and clear");
        assert!(data["createdAt"].as_str().unwrap().ends_with('Z'));
    }
}

on_both_backends! {
    async fn feedback_is_validated_with_clear_messages(app) {
        let bot = app.create_chatbot("Strict").await;
        let (conversation, _) = chat(&app, &bot).await;
        let cases = [
            (json!({"conversation_id": conversation}), "thumbs"),
            (json!({"conversation_id": conversation, "comment": "no rating"}), "rating"),
            (json!({"conversation_id": conversation, "thumbs": "sideways"}), "\"up\" or \"down\""),
            (json!({"conversation_id": conversation, "rating": 0}), "from 1 to 5"),
            (json!({"conversation_id": conversation, "rating": 6}), "from 1 to 5"),
            (json!({"conversation_id": conversation, "rating": 4.5}), "rating"),
            (json!({"conversation_id": conversation, "thumbs": "up", "comment": "x".repeat(2001)}), "at most 2000"),
            (json!({"thumbs": "up"}), "conversation_id"),
            (json!({"conversation_id": conversation, "thumbs": "up", "stars": 3}), "unknown field"),
        ];
        for (body, expected) in cases {
            let (code, message) = expect_error(widget_post(&app, &bot, "feedback", &body).await, 422).await;
            assert_eq!(code, "VALIDATION_FAILED");
            assert!(message.contains(expected), "{body}: {message:?} should mention {expected:?}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM feedback WHERE chatbot_id = $1", &bot).await, 0);
    }

    async fn feedback_on_another_chatbots_conversation_or_a_message_elsewhere_is_not_found(app) {
        let bot = app.create_chatbot("Mine").await;
        let other = app.create_chatbot("Other").await;
        let (mine, _) = chat(&app, &bot).await;
        let (theirs, their_answer) = chat(&app, &other).await;
        let (_, other_answer_of_mine) = chat(&app, &bot).await;
        let cases = [
            ("bot_doesnotexist00000000".to_owned(), json!({"conversation_id": mine, "thumbs": "up"}), "chatbot"),
            (bot.clone(), json!({"conversation_id": theirs, "thumbs": "up"}), "conversation"),
            (bot.clone(), json!({"conversation_id": "conv_unknown", "rating": 3}), "conversation"),
            (bot.clone(), json!({"conversation_id": mine, "message_id": their_answer, "thumbs": "down"}), "message"),
            (bot.clone(), json!({"conversation_id": mine, "message_id": other_answer_of_mine, "thumbs": "down"}), "message"),
            (bot.clone(), json!({"conversation_id": mine, "message_id": "msg_unknown", "thumbs": "down"}), "message"),
        ];
        for (target, body, expected) in cases {
            let (code, message) = expect_error(widget_post(&app, &target, "feedback", &body).await, 404).await;
            assert_eq!(code, "NOT_FOUND");
            assert!(message.contains(expected), "{body}: {message:?} should mention {expected:?}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM feedback WHERE chatbot_id = $1", &bot).await, 0);
        // Feedback on the whole conversation needs no message.
        let response = widget_post(&app, &bot, "feedback", &json!({"conversation_id": mine, "thumbs": "down"})).await;
        assert_eq!(response.status(), 201);
        assert_eq!(response.json::<Value>().await.unwrap()["message_id"], Value::Null);
    }

    async fn feedback_is_listed_newest_first_only_to_its_workspace_and_with_the_conversations_scope(app) {
        let bot = app.create_chatbot("Popular").await;
        let (conversation, answer) = chat(&app, &bot).await;
        let mut ids = Vec::new();
        for rating in 1..=3 {
            let body = json!({"conversation_id": conversation, "message_id": answer, "rating": rating});
            let response = widget_post(&app, &bot, "feedback", &body).await;
            assert_eq!(response.status(), 201);
            ids.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        let first: Value = app.get(&format!("/api/v2/chatbots/{bot}/feedback?limit=2")).send().await.unwrap().json().await.unwrap();
        assert_eq!(first["has_more"], true);
        let cursor = first["next_cursor"].as_str().unwrap();
        let rest: Value = app.get(&format!("/api/v2/chatbots/{bot}/feedback?limit=2&cursor={cursor}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(rest["has_more"], false);
        let seen: Vec<&str> = first["data"].as_array().unwrap().iter().chain(rest["data"].as_array().unwrap())
            .map(|f| f["id"].as_str().unwrap()).collect();
        let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
        assert_eq!(seen, newest_first);

        let stranger = app.key_with(None, &Scope::ALL).await;
        let response = app.client.get(app.url(&format!("/api/v2/chatbots/{bot}/feedback"))).bearer_auth(&stranger).send().await.unwrap();
        expect_error(response, 404).await;
        let no_scope = app.key_with(Some(&app.workspace_id), &[Scope::ChatbotsRead, Scope::LeadsRead]).await;
        let response = app.client.get(app.url(&format!("/api/v2/chatbots/{bot}/feedback"))).bearer_auth(&no_scope).send().await.unwrap();
        let (code, message) = expect_error(response, 403).await;
        assert_eq!(code, "MISSING_SCOPE");
        assert!(message.contains("conversations:read"), "{message}");
        let response = app.get(&format!("/api/v2/chatbots/{bot}/feedback?limit=0")).send().await.unwrap();
        expect_error(response, 422).await;
    }

    async fn deleting_the_chatbot_removes_its_leads_and_feedback_but_keeps_the_contacts(app) {
        let bot = app.create_chatbot("Doomed").await;
        let kept = app.create_chatbot("Kept").await;
        let (conversation, answer) = chat(&app, &bot).await;
        let (kept_conversation, _) = chat(&app, &kept).await;
        let lead = json!({"email": "dana@example.com", "conversation_id": conversation});
        assert_eq!(widget_post(&app, &bot, "leads", &lead).await.status(), 201);
        assert_eq!(widget_post(&app, &kept, "leads", &json!({"email": "lee@example.com"})).await.status(), 201);
        let body = json!({"conversation_id": conversation, "message_id": answer, "thumbs": "up"});
        assert_eq!(widget_post(&app, &bot, "feedback", &body).await.status(), 201);
        let body = json!({"conversation_id": kept_conversation, "rating": 4});
        assert_eq!(widget_post(&app, &kept, "feedback", &body).await.status(), 201);
        assert_eq!(app.count("SELECT COUNT(*) FROM leads WHERE chatbot_id = $1", &bot).await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM feedback WHERE chatbot_id = $1", &bot).await, 1);

        let response = app.client.delete(app.url(&format!("/api/v2/chatbots/{bot}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(app.count("SELECT COUNT(*) FROM leads WHERE chatbot_id = $1", &bot).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM feedback WHERE chatbot_id = $1", &bot).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM feedback WHERE conversation_id = $1", &conversation).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM leads WHERE chatbot_id = $1", &kept).await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM feedback WHERE chatbot_id = $1", &kept).await, 1);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM contacts WHERE workspace_id = $1", &app.workspace_id).await,
            2,
            "contacts belong to the workspace, not the chatbot"
        );
        let response = app.get(&format!("/api/v2/chatbots/{bot}/feedback")).send().await.unwrap();
        expect_error(response, 404).await;
    }
}
