//! A conversation's life: escalation to a human, agents' replies reaching the visitor's open
//! widget live (also from another process), tags, and the end by visitor, agent or inactivity,
//! each with its webhook event.

use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use parlor_protocol::sse::{SseEvent, SseParser};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_backends;
use crate::webhooks::{Receiver, fast_webhooks};

/// A visitor's live stream, read one event at a time.
struct LiveStream {
    body: BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    parser: SseParser,
    buffered: Vec<SseEvent>,
}

impl LiveStream {
    async fn open(app: &TestApp, base: &str, bot: &str, conversation: &str) -> LiveStream {
        let response = app
            .client
            .get(format!("{base}/widget/v1/chatbots/{bot}/conversations/{conversation}/events"))
            .header("origin", "https://shop.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        LiveStream { body: response.bytes_stream().boxed(), parser: SseParser::new(), buffered: Vec::new() }
    }

    /// The next event (not keep-alive comments), or a panic after `within`.
    async fn next(&mut self, within: Duration) -> SseEvent {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if !self.buffered.is_empty() {
                return self.buffered.remove(0);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .expect("an event arrives in time")
                .expect("the stream stays open")
                .unwrap();
            self.buffered.extend(self.parser.push(&chunk));
        }
    }
}

/// A visitor's message through the widget, answered as JSON.
pub(crate) async fn widget_chat(app: &TestApp, bot: &str, message: &str, conversation: Option<&str>) -> Value {
    let mut body = json!({"message": message, "stream": false});
    if let Some(id) = conversation {
        body["conversation_id"] = json!(id);
    }
    let response = app
        .client
        .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
        .header("origin", "https://shop.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn widget_post(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.post(app.url(path)).header("origin", "https://shop.example").send().await.unwrap()
}

async fn conversation(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v2/conversations/{id}")).send().await.unwrap().json().await.unwrap()
}

async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, fast_webhooks).await
}

on_both_backends! {
    configured by crate::webhooks::fast_webhooks;

    async fn a_visitor_asks_for_a_human_and_the_agents_reply_reaches_the_open_widget_live(app) {
        let receiver = Receiver::start().await;
        let created = app.post("/api/v2/webhooks")
            .json(&json!({"url": receiver.url, "events": ["conversation.escalated", "admin.replied"]}))
            .send().await.unwrap();
        assert_eq!(created.status(), 201);
        let bot = app.create_chatbot("Handoff").await;
        let reply = widget_chat(&app, &bot, "I need to speak to someone", None).await;
        let conversation_id = reply["conversation_id"].as_str().unwrap().to_owned();

        let mut live = LiveStream::open(&app, &app.base, &bot, &conversation_id).await;
        let first = live.next(Duration::from_secs(5)).await;
        assert_eq!(first.event, "status");
        assert_eq!(serde_json::from_str::<Value>(&first.data).unwrap()["status"], "open");

        let escalated = widget_post(&app, &format!("/widget/v1/chatbots/{bot}/conversations/{conversation_id}/escalate")).await;
        assert_eq!(escalated.status(), 200);
        let status = live.next(Duration::from_secs(5)).await;
        assert_eq!(serde_json::from_str::<Value>(&status.data).unwrap()["status"], "escalated");
        // Asking twice escalates once.
        widget_post(&app, &format!("/widget/v1/chatbots/{bot}/conversations/{conversation_id}/escalate")).await;

        // The seed's path for agents' replies.
        let response = app.post(&format!("/api/conversations/{conversation_id}/reply"))
            .json(&json!({"message": "Hi, Dana from support here."})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let stored: Value = response.json().await.unwrap();
        assert_eq!(stored["role"], "admin");
        let pushed = live.next(Duration::from_secs(5)).await;
        assert_eq!(pushed.event, "message");
        let pushed_data: Value = serde_json::from_str(&pushed.data).unwrap();
        assert_eq!(pushed_data["content"], "Hi, Dana from support here.");
        assert_eq!(pushed_data["id"], stored["id"]);
        assert_eq!(pushed.id.as_deref(), Some("3"), "the event id is the message's position");

        let found = conversation(&app, &conversation_id).await;
        assert_eq!(found["status"], "escalated");
        assert!(found["escalated_at"].is_string());
        let roles: Vec<&str> = found["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, vec!["user", "assistant", "admin"]);

        let received = receiver.wait_for(Duration::from_secs(10), |r| r.len() >= 2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let events: Vec<String> = receiver.received().iter().map(|r| r.json()["event"].as_str().unwrap().to_owned()).collect();
        assert_eq!(events.iter().filter(|e| *e == "conversation.escalated").count(), 1, "{events:?}");
        assert!(events.contains(&"admin.replied".to_owned()));
        let replied = received.iter().map(|r| r.json()).find(|b| b["event"] == "admin.replied").unwrap();
        assert_eq!(replied["data"]["message"], "Hi, Dana from support here.");
        assert_eq!(replied["data"]["conversationId"], conversation_id.as_str());

        // A reconnecting widget resumes after the last message it saw.
        let mut again = LiveStream::open(&app, &app.base, &bot, &conversation_id).await;
        let mut seen = Vec::new();
        for _ in 0..2 {
            seen.push(again.next(Duration::from_secs(5)).await.event);
        }
        assert_eq!(seen, vec!["status", "message"], "without Last-Event-ID every agent message comes again");
    }

    async fn ending_a_conversation_reports_its_message_count_and_a_new_message_reopens_it(app) {
        let receiver = Receiver::start().await;
        app.post("/api/v2/webhooks").json(&json!({"url": receiver.url, "events": ["conversation.ended"]})).send().await.unwrap();
        let bot = app.create_chatbot("Ender").await;
        let reply = widget_chat(&app, &bot, "hello", None).await;
        let id = reply["conversation_id"].as_str().unwrap().to_owned();
        let ended = widget_post(&app, &format!("/widget/v1/chatbots/{bot}/conversations/{id}/end")).await;
        assert_eq!(ended.status(), 200);
        let found = conversation(&app, &id).await;
        assert_eq!(found["status"], "ended");
        assert_eq!(found["ended_reason"], "visitor");
        let received = receiver.wait_for(Duration::from_secs(10), |r| !r.is_empty()).await;
        let body = received[0].json();
        assert_eq!(body["event"], "conversation.ended");
        assert_eq!(body["data"]["messageCount"], 2);
        assert_eq!(body["data"]["reason"], "visitor");

        // Ending again changes nothing and sends nothing.
        let again = app.post(&format!("/api/v2/conversations/{id}/end")).send().await.unwrap();
        assert_eq!(again.status(), 200);
        widget_chat(&app, &bot, "I'm back", Some(&id)).await;
        let found = conversation(&app, &id).await;
        assert_eq!(found["status"], "open");
        assert!(found["ended_at"].is_null());
        assert_eq!(found["message_count"], 4);
        let ended = app.post(&format!("/api/v2/conversations/{id}/end")).send().await.unwrap();
        let ended: Value = ended.json().await.unwrap();
        assert_eq!(ended["ended_reason"], "agent");
        let received = receiver.wait_for(Duration::from_secs(10), |r| r.len() >= 2).await;
        assert_eq!(received[1].json()["data"]["messageCount"], 4);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.received().len(), 2);
    }

    async fn tags_are_added_without_repeats_or_replaced(app) {
        let bot = app.create_chatbot("Tagged").await;
        let id = widget_chat(&app, &bot, "hello", None).await["conversation_id"].as_str().unwrap().to_owned();
        let tags = |body: Value| app.post(&format!("/api/conversations/{id}/tags")).json(&body).send();
        let added: Value = tags(json!({"tags": ["billing", "vip"]})).await.unwrap().json().await.unwrap();
        assert_eq!(added["tags"], json!(["billing", "vip"]));
        let added: Value = tags(json!({"tags": ["VIP", "refund"]})).await.unwrap().json().await.unwrap();
        assert_eq!(added["tags"], json!(["billing", "vip", "refund"]));
        let replaced: Value = tags(json!({"tags": ["solved"], "mode": "replace"})).await.unwrap().json().await.unwrap();
        assert_eq!(replaced["tags"], json!(["solved"]));
        assert_eq!(conversation(&app, &id).await["tags"], json!(["solved"]));
        assert_eq!(tags(json!({"tags": [""]})).await.unwrap().status(), 422);
        assert_eq!(tags(json!({"tags": ["x"], "mode": "merge"})).await.unwrap().status(), 422);
        assert_eq!(tags(json!({"tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()})).await.unwrap().status(), 422);
    }

    async fn agents_and_visitors_reach_only_their_own_conversations(app) {
        let bot = app.create_chatbot("Private").await;
        let other_bot = app.create_chatbot("Other").await;
        let id = widget_chat(&app, &bot, "hello", None).await["conversation_id"].as_str().unwrap().to_owned();
        let stranger = app.key_with(None, &parlor_server::keys::Scope::ALL).await;
        for (path, body) in [
            (format!("/api/conversations/{id}/reply"), json!({"message": "hi"})),
            (format!("/api/v2/conversations/{id}/end"), json!({})),
            (format!("/api/v2/conversations/{id}/tags"), json!({"tags": ["x"]})),
        ] {
            let response = app.client.post(app.url(&path)).bearer_auth(&stranger)
                .json(&body).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        // The conversation id under another chatbot's widget is unknown.
        let response = widget_post(&app, &format!("/widget/v1/chatbots/{other_bot}/conversations/{id}/escalate")).await;
        assert_eq!(response.status(), 404);
        let response = app.client.get(app.url(&format!("/widget/v1/chatbots/{other_bot}/conversations/{id}/events")))
            .send().await.unwrap();
        assert_eq!(response.status(), 404);
        let empty = app.post(&format!("/api/conversations/{id}/reply")).json(&json!({"message": "  "})).send().await.unwrap();
        assert_eq!(empty.status(), 422);
        let read_only = app.key_with(Some(&app.workspace_id), &[parlor_server::keys::Scope::ConversationsRead]).await;
        let response = app.client.post(app.url(&format!("/api/conversations/{id}/reply"))).bearer_auth(&read_only)
            .json(&json!({"message": "hi"})).send().await.unwrap();
        assert_eq!(response.status(), 403);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_end_after_the_configured_inactivity() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        fast_webhooks(config);
        config.conversation_idle = "1s".into();
    })
    .await
    .unwrap();
    let receiver = Receiver::start().await;
    app.post("/api/v2/webhooks")
        .json(&json!({"url": receiver.url, "events": ["conversation.ended"]}))
        .send()
        .await
        .unwrap();
    let bot = app.create_chatbot("Idle").await;
    let id = widget_chat(&app, &bot, "hello", None).await["conversation_id"].as_str().unwrap().to_owned();
    let received = receiver.wait_for(Duration::from_secs(10), |r| !r.is_empty()).await;
    let body = received[0].json();
    assert_eq!(body["data"]["conversationId"], id.as_str());
    assert_eq!(body["data"]["reason"], "inactivity");
    let found = conversation(&app, &id).await;
    assert_eq!(found["status"], "ended");
    assert_eq!(found["ended_reason"], "inactivity");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reply_through_another_process_reaches_the_widget() {
    let Some(app) = spawn(Backend::Postgres).await else { return };
    let sibling = app.spawn_sibling().await;
    let bot = app.create_chatbot("Two processes").await;
    let id = widget_chat(&app, &bot, "hello", None).await["conversation_id"].as_str().unwrap().to_owned();
    let mut live = LiveStream::open(&app, &app.base, &bot, &id).await;
    assert_eq!(live.next(Duration::from_secs(5)).await.event, "status");
    let response = app
        .client
        .post(sibling.url(&format!("/api/v2/conversations/{id}/reply")))
        .bearer_auth(&app.key)
        .json(&json!({"message": "From the other process"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let pushed = live.next(Duration::from_secs(5)).await;
    assert_eq!(pushed.event, "message");
    assert_eq!(serde_json::from_str::<Value>(&pushed.data).unwrap()["content"], "From the other process");
}
