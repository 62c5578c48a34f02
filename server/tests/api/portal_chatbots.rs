//! The portal's chatbot pages and agent inbox through their server functions, over real HTTP
//! with a session cookie: chatbots made, changed and deleted in the portal (the provider key
//! never shown), tenancy, the inbox's order, agents' replies, and a chatbot that keeps quiet
//! while a person has the conversation.

use serde_json::{Value, json};

use crate::handoff::widget_chat;
use crate::helpers::{TestApp, read_events};
use crate::on_both_backends;

const PROVIDER_KEY: &str = "sk-ant-portal-secret-4242";

async fn call(app: &TestApp, name: &str, form: &[(&str, &str)], cookie: &str) -> reqwest::Response {
    app.portal_call(name, form, Some(cookie)).await
}

async fn call_json(app: &TestApp, name: &str, body: Value, cookie: &str) -> reqwest::Response {
    app.portal_call_json(name, body, cookie).await
}

async fn sign_up(app: &TestApp, email: &str) -> String {
    app.portal_sign_up(email).await
}

async fn create_in_portal(app: &TestApp, cookie: &str, name: &str) -> Value {
    let response =
        call_json(app, "create_chatbot", json!({"chatbot": {"name": name, "website": "https://shop.example"}}), cookie)
            .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn escalate(app: &TestApp, bot: &str, conversation: &str) {
    let response = app
        .client
        .post(app.url(&format!("/widget/v1/chatbots/{bot}/conversations/{conversation}/escalate")))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn inbox(app: &TestApp, cookie: &str) -> Vec<Value> {
    let response = call(app, "list_inbox", &[], cookie).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn thread(app: &TestApp, cookie: &str, id: &str) -> Value {
    let response = call(app, "get_inbox_conversation", &[("id", id)], cookie).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

on_both_backends! {
    async fn a_chatbot_is_created_changed_and_deleted_in_the_portal_and_its_provider_key_is_never_shown(app) {
        let cookie = sign_up(&app, "owner@example.com").await;
        let created = create_in_portal(&app, &cookie, "Shop Helper").await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["name"], "Shop Helper");
        assert_eq!(created["website"], "https://shop.example");

        let listed: Value = call(&app, "list_chatbots", &[], &cookie).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["id"], id);

        let changes = json!({
            "name": "Shop Guide", "personality": "Be brief.", "welcome_message": "Hi there!",
            "starter_questions": ["Where is my order?"], "theme": "dark", "accent_color": "#0a7d5a",
            "position": "left", "title": "Guide", "language": "de", "allowed_origins": ["https://shop.example"],
            "lead_capture": "when_needed", "answer_policy": "general", "temperature": 0.2, "max_tokens": 300,
            "provider": "anthropic", "provider_model": "claude-3-5-haiku-latest", "provider_api_key": PROVIDER_KEY,
        });
        let response = call_json(&app, "update_chatbot", json!({"id": id, "changes": changes}), &cookie).await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(!text.contains(PROVIDER_KEY), "the key is write-only: {text}");
        let updated: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(updated["name"], "Shop Guide");
        assert_eq!(updated["welcome_message"], "Hi there!");
        let settings = &updated["settings"];
        assert_eq!(settings["personality"], "Be brief.");
        assert_eq!(settings["starter_questions"], json!(["Where is my order?"]));
        assert_eq!(settings["theme"], "dark");
        assert_eq!(settings["position"], "left");
        assert_eq!(settings["language"], "de");
        assert_eq!(settings["allowed_origins"], json!(["https://shop.example"]));
        assert_eq!(settings["lead_capture"], "when_needed");
        assert_eq!(settings["answer_policy"], "general");
        assert_eq!(settings["max_tokens"], 300);
        assert_eq!(settings["provider"], "anthropic");
        assert_eq!(settings["provider_model"], "claude-3-5-haiku-latest");
        assert_eq!(settings["provider_api_key_set"], true);

        let read = call(&app, "get_chatbot", &[("id", &id)], &cookie).await.text().await.unwrap();
        assert!(!read.contains(PROVIDER_KEY), "{read}");
        let listed = call(&app, "list_chatbots", &[], &cookie).await.text().await.unwrap();
        assert!(!listed.contains(PROVIDER_KEY), "{listed}");
        let stored: String = sqlx::query_scalar("SELECT provider_key FROM chatbots WHERE id = $1")
            .bind(&id).fetch_one(app.db.pool()).await.unwrap();
        assert!(!stored.contains(PROVIDER_KEY), "the key is stored sealed");

        // The same validation as the API, with its message.
        let refused = call_json(&app, "update_chatbot", json!({"id": id, "changes": {"theme": "purple"}}), &cookie).await;
        assert_eq!(refused.status(), 400);
        let message = refused.text().await.unwrap();
        assert!(message.contains("theme must be one of light, dark, auto"), "{message}");

        // Leaving the key out keeps it; an empty key removes it.
        let kept: Value = call_json(&app, "update_chatbot", json!({"id": id, "changes": {"title": "Help"}}), &cookie).await.json().await.unwrap();
        assert_eq!(kept["settings"]["provider_api_key_set"], true);
        let cleared: Value = call_json(&app, "update_chatbot", json!({"id": id, "changes": {"provider": "builtin", "provider_api_key": ""}}), &cookie)
            .await.json().await.unwrap();
        assert_eq!(cleared["settings"]["provider_api_key_set"], false);

        let deleted = call(&app, "delete_chatbot", &[("id", &id)], &cookie).await;
        assert_eq!(deleted.status(), 200);
        assert_eq!(call(&app, "get_chatbot", &[("id", &id)], &cookie).await.status(), 404);
        assert_eq!(app.count("SELECT COUNT(*) FROM chatbots WHERE id = $1", &id).await, 0);
    }

    async fn chatbot_pages_need_a_session_and_another_workspace_sees_nothing(app) {
        let owner = sign_up(&app, "owner@example.com").await;
        let stranger = sign_up(&app, "stranger@example.com").await;
        let id = create_in_portal(&app, &owner, "Private Bot").await["id"].as_str().unwrap().to_owned();
        let conversation = widget_chat(&app, &id, "hello", None).await["conversation_id"].as_str().unwrap().to_owned();

        assert_eq!(call(&app, "list_chatbots", &[], "parlor_session=nonsense").await.status(), 401);
        assert_eq!(call(&app, "list_inbox", &[], "parlor_session=nonsense").await.status(), 401);

        let theirs: Value = call(&app, "list_chatbots", &[], &stranger).await.json().await.unwrap();
        assert_eq!(theirs, json!([]));
        assert!(inbox(&app, &stranger).await.is_empty());
        assert_eq!(call(&app, "get_chatbot", &[("id", &id)], &stranger).await.status(), 404);
        let update = call_json(&app, "update_chatbot", json!({"id": id, "changes": {"name": "Mine now"}}), &stranger).await;
        assert_eq!(update.status(), 404);
        assert_eq!(call(&app, "delete_chatbot", &[("id", &id)], &stranger).await.status(), 404);
        assert_eq!(call(&app, "get_inbox_conversation", &[("id", &conversation)], &stranger).await.status(), 404);
        let reply = call(&app, "reply_to_conversation", &[("id", &conversation), ("message", "hi")], &stranger).await;
        assert_eq!(reply.status(), 404);
        assert_eq!(call(&app, "end_conversation", &[("id", &conversation)], &stranger).await.status(), 404);

        let owners: Value = call(&app, "get_chatbot", &[("id", &id)], &owner).await.json().await.unwrap();
        assert_eq!(owners["name"], "Private Bot", "nothing changed");
        assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE role = 'admin' AND conversation_id = $1", &conversation).await, 0);
    }

    async fn the_inbox_search_folds_case_beyond_ascii_the_same_on_both_databases(app) {
        let cookie = sign_up(&app, "agent@example.com").await;
        let bot = create_in_portal(&app, &cookie, "Support").await["id"].as_str().unwrap().to_owned();
        let cafe = widget_chat(&app, &bot, "Is the CAFÉ ÜBER the bridge open?", None).await["conversation_id"].as_str().unwrap().to_owned();
        let order = widget_chat(&app, &bot, "Where is my order?", None).await["conversation_id"].as_str().unwrap().to_owned();
        for (query, expected) in [("café", &cafe), ("CAFÉ", &cafe), ("Über", &cafe), ("ORDER", &order)] {
            let found: Vec<Value> = call(&app, "list_inbox", &[("q", query)], &cookie).await.json().await.unwrap();
            let ids: Vec<&str> = found.iter().map(|item| item["conversation"]["id"].as_str().unwrap()).collect();
            assert_eq!(ids, [expected.as_str()], "searching {query:?}");
        }
        let none: Vec<Value> = call(&app, "list_inbox", &[("q", "çafe")], &cookie).await.json().await.unwrap();
        assert!(none.is_empty());
    }

    async fn the_inbox_lists_escalated_conversations_first_and_an_agents_reply_is_stored_as_an_admin_message(app) {
        let cookie = sign_up(&app, "agent@example.com").await;
        let bot = create_in_portal(&app, &cookie, "Support").await["id"].as_str().unwrap().to_owned();
        let waiting = widget_chat(&app, &bot, "I need a person", None).await["conversation_id"].as_str().unwrap().to_owned();
        let quiet = widget_chat(&app, &bot, "hello", None).await["conversation_id"].as_str().unwrap().to_owned();
        // The newer conversation leads until the older one asks for a person.
        assert_eq!(inbox(&app, &cookie).await[0]["conversation"]["id"], quiet);
        escalate(&app, &bot, &waiting).await;

        let listed = inbox(&app, &cookie).await;
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0]["conversation"]["id"], waiting);
        assert_eq!(listed[0]["conversation"]["status"], "escalated");
        assert_eq!(listed[0]["chatbot_name"], "Support");
        assert!(listed[0]["last_message_at"].is_string());
        assert_eq!(listed[1]["conversation"]["id"], quiet);
        assert_eq!(listed[1]["conversation"]["status"], "open");

        let reply = call(&app, "reply_to_conversation", &[("id", &waiting), ("message", "  Hi, this is Sam.  ")], &cookie).await;
        assert_eq!(reply.status(), 200);
        let reply: Value = reply.json().await.unwrap();
        assert_eq!(reply["role"], "admin");
        assert_eq!(reply["content"], "Hi, this is Sam.");
        let stored: (String, String) = sqlx::query_as("SELECT role, content FROM messages WHERE id = $1")
            .bind(reply["id"].as_str().unwrap()).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(stored, ("admin".to_owned(), "Hi, this is Sam.".to_owned()));
        let transcript = thread(&app, &cookie, &waiting).await;
        let messages = transcript["messages"].as_array().unwrap();
        assert_eq!(messages.last().unwrap()["role"], "admin");
        assert_eq!(messages[0]["content"], "I need a person");
        let empty = call(&app, "reply_to_conversation", &[("id", &waiting), ("message", "   ")], &cookie).await;
        assert_eq!(empty.status(), 400);

        let tags: Value = call(&app, "set_conversation_tags", &[("id", &waiting), ("tags", "billing, urgent,")], &cookie).await.json().await.unwrap();
        assert_eq!(tags, json!(["billing", "urgent"]));
        assert_eq!(thread(&app, &cookie, &waiting).await["conversation"]["tags"], json!(["billing", "urgent"]));

        let ended: Value = call(&app, "end_conversation", &[("id", &waiting)], &cookie).await.json().await.unwrap();
        assert_eq!(ended["status"], "ended");
        assert_eq!(ended["ended_reason"], "agent");
        let listed = inbox(&app, &cookie).await;
        assert_eq!(listed[0]["conversation"]["id"], quiet, "an ended conversation goes after open ones");
    }

    async fn after_escalation_the_chatbot_keeps_quiet_until_an_agent_ends_the_conversation(app) {
        let bot = app.create_chatbot("Quiet Bot").await;
        let first = widget_chat(&app, &bot, "hello", None).await;
        assert_eq!(first["finish_reason"], "stop");
        assert!(!first["message"]["content"].as_str().unwrap().is_empty(), "the bot answers before");
        let id = first["conversation_id"].as_str().unwrap().to_owned();
        escalate(&app, &bot, &id).await;

        // Streaming: the ids, then `done` with the handoff reason, and no text.
        let response = app
            .client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
            .header("origin", "https://shop.example")
            .json(&json!({"message": "Are you still there?", "conversation_id": id}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let events = read_events(response).await;
        let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, ["start", "done"], "{events:?}");
        let done: Value = serde_json::from_str(&events[1].data).unwrap();
        assert_eq!(done["finish_reason"], "handoff");

        // As JSON too, through the API.
        let quiet: Value = app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": "Hello?", "conversation_id": id, "stream": false}))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(quiet["finish_reason"], "handoff");
        assert_eq!(quiet["message"]["content"], "");

        // Resuming that answer reports the same reason, not an ordinary stop.
        let quiet_id = quiet["message"]["id"].as_str().unwrap().to_owned();
        let resumed = app.get(&format!("/api/v2/messages/{quiet_id}/stream")).send().await.unwrap();
        assert_eq!(resumed.status(), 200);
        let events = read_events(resumed).await;
        let done = events.iter().find(|e| e.event == "done").expect("the resumed stream ends with done");
        assert_eq!(serde_json::from_str::<Value>(&done.data).unwrap()["finish_reason"], "handoff");

        // The visitor's messages are stored for the agent; the bot wrote nothing more.
        let detail: Value = app.get(&format!("/api/v2/conversations/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(detail["status"], "escalated");
        let messages = detail["messages"].as_array().unwrap();
        let visitor: Vec<&str> = messages.iter().filter(|m| m["role"] == "user").map(|m| m["content"].as_str().unwrap()).collect();
        assert_eq!(visitor, ["hello", "Are you still there?", "Hello?"]);
        let bot_texts: Vec<&str> = messages.iter().filter(|m| m["role"] == "assistant").map(|m| m["content"].as_str().unwrap()).collect();
        assert_eq!(bot_texts.len(), 1, "only the answer before the handoff is listed: {messages:?}");
        assert!(!bot_texts[0].is_empty());
        assert_eq!(detail["message_count"], 4, "the quiet turns are not messages: {detail}");
        let quiet_turns = app.count(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND role = 'assistant' AND status = 'complete'
             AND finish_reason = 'handoff' AND content = ''",
            &id,
        ).await;
        assert_eq!(quiet_turns, 2);

        // Once an agent ends the conversation, the chatbot answers again.
        assert_eq!(app.post(&format!("/api/v2/conversations/{id}/end")).send().await.unwrap().status(), 200);
        let back = widget_chat(&app, &bot, "hello again", Some(&id)).await;
        assert_eq!(back["finish_reason"], "stop");
        assert!(!back["message"]["content"].as_str().unwrap().is_empty());
    }
}
