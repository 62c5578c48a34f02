//! Webhooks over real HTTP: endpoints, signed deliveries to a receiver on loopback (opened
//! with PARLOR_OUTBOUND_ALLOW, as an operator would for an intranet receiver), retries,
//! Retry-After, 410, failure streaks, timeouts, redirects, redelivery, replay, rotation, and
//! two processes sharing the work.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parlor_server::config::Config;
use parlor_server::webhooks::signing;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_backends;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// What the receiver answers: a status, extra headers, and a pause before answering.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), delay: Duration::ZERO }
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
}

/// A webhook receiver on loopback that records what it gets and answers from a script
/// (then 200, or the default reply).
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .route(
                "/moved",
                axum::routing::post(|| async { (StatusCode::TEMPORARY_REDIRECT, [("location", "/hook")]) }),
            )
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, state }
    }

    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.script.lock().unwrap().extend(replies);
    }

    pub fn answer_always(&self, reply: Reply) {
        *self.state.default.lock().unwrap() = Some(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received, or panics after `within`.
    pub async fn wait_for(&self, within: Duration, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver did not get what was expected; it got {} requests",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(State(state): State<Arc<ReceiverState>>, headers: HeaderMap, body: Bytes) -> Response {
    state.received.lock().unwrap().push(Received { headers, body, at: Instant::now() });
    let reply = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| state.default.lock().unwrap().clone())
        .unwrap_or(Reply::status(200));
    tokio::time::sleep(reply.delay).await;
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), "receiver says hi").into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Fast retries and a loopback receiver, for tests.
pub fn fast_webhooks(config: &mut Config) {
    config.outbound_allow = "127.0.0.1/32".into();
    config.webhook_retry_schedule = "100ms,200ms,300ms".into();
    config.webhook_poll_ms = 50;
    config.webhook_timeout_secs = 2;
    config.webhook_lease_secs = 4;
}

async fn create_endpoint(app: &TestApp, body: Value) -> Value {
    let response = app.post("/api/v2/webhooks").json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn chat(app: &TestApp, bot: &str, message: &str) -> Value {
    let response = app
        .post(&format!("/api/v2/chatbots/{bot}/chat"))
        .json(&json!({"message": message, "stream": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn delivery(app: &TestApp, endpoint: &str, delivery: &str) -> Value {
    app.get(&format!("/api/v2/webhooks/{endpoint}/deliveries/{delivery}")).send().await.unwrap().json().await.unwrap()
}

async fn wait_for_delivery(app: &TestApp, endpoint: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = delivery(app, endpoint, id).await;
        if done(&found) {
            return found;
        }
        assert!(Instant::now() < deadline, "the delivery did not reach the expected state: {found:#}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn send_test(app: &TestApp, endpoint: &str) -> String {
    let response = app.post(&format!("/api/v2/webhooks/{endpoint}/test")).send().await.unwrap();
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

fn verify(received: &Received, secret: &str) {
    let id = received.header("webhook-id");
    let timestamp: i64 = received.header("webhook-timestamp").parse().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    signing::verify_standard(secret, id, timestamp, received.header("webhook-signature"), &received.body, now, 300)
        .unwrap_or_else(|why| panic!("the Standard Webhooks signature does not verify: {why:?}"));
    let simple = signing::simple_signature(&[secret], &received.body);
    assert!(
        received.header("x-parlor-signature").split(',').any(|sig| sig == simple),
        "X-Parlor-Signature is the hex HMAC of the body"
    );
}

async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, fast_webhooks).await
}

on_both_backends! {
    configured by crate::webhooks::fast_webhooks;

    async fn a_chat_turn_delivers_signed_events_that_verify_with_the_secret_shown_once(app) {
        let receiver = Receiver::start().await;
        let created = create_endpoint(&app, json!({"url": receiver.url, "description": "CRM"})).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(created["events"], json!(["*"]));
        let id = created["id"].as_str().unwrap();
        let listed: Value = app.get("/api/v2/webhooks").send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["data"][0]["id"], id);
        assert!(listed["data"][0].get("secret").is_none(), "the secret is shown only once");
        let fetched: Value = app.get(&format!("/api/v2/webhooks/{id}")).send().await.unwrap().json().await.unwrap();
        assert!(fetched.get("secret").is_none());
        let stored: String = sqlx::query_scalar("SELECT secret FROM webhook_endpoints WHERE id = $1")
            .bind(id).fetch_one(app.db.pool()).await.unwrap();
        assert!(!stored.contains(&secret[6..]), "the secret is stored sealed");

        let bot = app.create_chatbot("Hooked").await;
        let reply = chat(&app, &bot, "What are your opening hours?").await;
        let received = receiver.wait_for(Duration::from_secs(10), |r| r.len() >= 3).await;
        let mut by_event: HashMap<String, Value> = HashMap::new();
        for request in &received {
            verify(request, &secret);
            assert_eq!(request.header("content-type"), "application/json");
            let body = request.json();
            assert_eq!(request.header("x-parlor-event"), body["event"].as_str().unwrap());
            by_event.insert(body["event"].as_str().unwrap().to_owned(), body);
        }
        let conversation = reply["conversation_id"].as_str().unwrap();
        let started = &by_event["conversation.started"];
        assert_eq!(started["data"]["conversationId"], conversation);
        assert!(started["timestamp"].as_str().unwrap().ends_with('Z'));
        let asked = &by_event["message.received"];
        assert_eq!(asked["data"]["message"], "What are your opening hours?");
        assert_eq!(asked["data"]["sender"], "user");
        assert_eq!(asked["data"]["chatbotId"], bot.as_str());
        let answered = &by_event["message.sent"];
        assert_eq!(answered["data"]["sender"], "bot");
        assert_eq!(answered["data"]["messageId"], reply["message"]["id"]);
        assert_eq!(answered["data"]["message"], reply["message"]["content"]);
    }

    async fn an_endpoint_gets_only_its_events_and_classic_names_when_it_chose_them(app) {
        let receiver = Receiver::start().await;
        create_endpoint(&app, json!({"url": receiver.url, "events": ["new_conversation"], "naming": "classic"})).await;
        let bot = app.create_chatbot("Classic").await;
        let reply = chat(&app, &bot, "hello").await;
        let conversation = reply["conversation_id"].as_str().unwrap();
        // A second turn in the same conversation starts nothing new.
        let response = app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": "again", "conversation_id": conversation, "stream": false}))
            .send().await.unwrap();
        assert_eq!(response.status(), 200);
        let received = receiver.wait_for(Duration::from_secs(10), |r| !r.is_empty()).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let received = receiver.received().len().max(received.len());
        assert_eq!(received, 1, "only the one conversation start is delivered");
        let body = receiver.received()[0].json();
        assert_eq!(body["event"], "new_conversation");
        assert_eq!(body["data"]["conversationId"], conversation);
    }

    async fn a_failing_receiver_is_retried_with_the_same_webhook_id_until_it_answers_2xx(app) {
        let receiver = Receiver::start().await;
        receiver.script([Reply::status(500), Reply::status(503)]);
        let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
        let endpoint = endpoint["id"].as_str().unwrap();
        let delivery_id = send_test(&app, endpoint).await;
        let found = wait_for_delivery(&app, endpoint, &delivery_id, |d| d["status"] == "succeeded").await;
        let ids: HashSet<String> = receiver.received().iter().map(|r| r.header("webhook-id").to_owned()).collect();
        assert_eq!(ids, HashSet::from([delivery_id.clone()]), "every attempt carries the delivery's id");
        let codes: Vec<i64> = found["attempts"].as_array().unwrap().iter().map(|a| a["status_code"].as_i64().unwrap()).collect();
        assert_eq!(codes, vec![500, 503, 200]);
        assert_eq!(found["attempts"][0]["response_snippet"], "receiver says hi");
        assert_eq!(found["attempts"][0]["error"], "HTTP 500 Internal Server Error");
        assert_eq!(found["payload"]["event"], "ping");
        // Read strictly, as a typed client does: every key appears once.
        let raw = app.get(&format!("/api/v2/webhooks/{endpoint}/deliveries/{delivery_id}")).send().await.unwrap().text().await.unwrap();
        let typed: parlor_protocol::wire::WebhookDeliveryDetail = serde_json::from_str(&raw).unwrap();
        assert_eq!((typed.delivery.attempt_count, typed.attempts.len()), (3, 3));
        let endpoint: Value = app.get(&format!("/api/v2/webhooks/{endpoint}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(endpoint["failure_streak"], 0, "a success ends the streak");
    }

    async fn a_delivery_gives_up_after_its_schedule_and_can_be_redelivered(app) {
        let receiver = Receiver::start().await;
        receiver.script([Reply::status(500), Reply::status(500), Reply::status(500), Reply::status(500)]);
        let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
        let endpoint = endpoint["id"].as_str().unwrap();
        let delivery_id = send_test(&app, endpoint).await;
        let failed = wait_for_delivery(&app, endpoint, &delivery_id, |d| d["status"] == "failed").await;
        assert_eq!(failed["attempts"].as_array().unwrap().len(), 4, "one attempt and three retries");
        assert!(failed["next_attempt_at"].is_null());

        let response = app.post(&format!("/api/v2/webhooks/{endpoint}/deliveries/{delivery_id}/redeliver")).send().await.unwrap();
        assert_eq!(response.status(), 202);
        wait_for_delivery(&app, endpoint, &delivery_id, |d| d["status"] == "succeeded").await;
        let received = receiver.received();
        assert_eq!(received.len(), 5);
        assert!(received.iter().all(|r| r.header("webhook-id") == delivery_id));
    }

    async fn retry_after_is_honoured(app) {
        let receiver = Receiver::start().await;
        receiver.script([Reply { status: 429, headers: vec![("retry-after", "2".into())], delay: Duration::ZERO }]);
        let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
        let endpoint = endpoint["id"].as_str().unwrap();
        let delivery_id = send_test(&app, endpoint).await;
        wait_for_delivery(&app, endpoint, &delivery_id, |d| d["status"] == "succeeded").await;
        let received = receiver.received();
        assert_eq!(received.len(), 2);
        let waited = received[1].at - received[0].at;
        assert!(waited >= Duration::from_millis(1900), "the retry waited {waited:?}, not the 2 s asked for");
    }

    async fn a_410_disables_the_endpoint_and_records_why(app) {
        let receiver = Receiver::start().await;
        receiver.answer_always(Reply::status(410));
        let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
        let endpoint = endpoint["id"].as_str().unwrap();
        let delivery_id = send_test(&app, endpoint).await;
        let failed = wait_for_delivery(&app, endpoint, &delivery_id, |d| d["status"] == "failed").await;
        assert_eq!(failed["attempts"].as_array().unwrap().len(), 1, "410 is not retried");
        let found: Value = app.get(&format!("/api/v2/webhooks/{endpoint}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["enabled"], false);
        assert!(found["disabled_reason"].as_str().unwrap().contains("410"), "{found}");
        // A disabled endpoint gets no new deliveries and refuses test events until enabled.
        let response = app.post(&format!("/api/v2/webhooks/{endpoint}/test")).send().await.unwrap();
        assert_eq!(response.status(), 409);
        receiver.answer_always(Reply::status(200));
        let response = app.client.patch(app.url(&format!("/api/v2/webhooks/{endpoint}"))).bearer_auth(&app.key)
            .json(&json!({"enabled": true})).send().await.unwrap();
        let enabled: Value = response.json().await.unwrap();
        assert_eq!(enabled["enabled"], true);
        assert!(enabled["disabled_reason"].is_null());
    }

    async fn redirects_are_failures_and_are_not_followed(app) {
        let receiver = Receiver::start().await;
        let moved = receiver.url.replace("/hook", "/moved");
        let endpoint = create_endpoint(&app, json!({"url": moved})).await;
        let endpoint = endpoint["id"].as_str().unwrap();
        let delivery_id = send_test(&app, endpoint).await;
        let found = wait_for_delivery(&app, endpoint, &delivery_id, |d| d["attempts"].as_array().is_some_and(|a| !a.is_empty())).await;
        assert_eq!(found["attempts"][0]["status_code"], 307);
        assert!(found["attempts"][0]["error"].as_str().unwrap().contains("redirects are not followed"));
        assert!(receiver.received().is_empty(), "the redirect target was not called");
    }

    async fn a_receiver_that_is_down_or_slow_is_retried_and_the_log_says_why(app) {
        // A port with nothing listening.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let down = create_endpoint(&app, json!({"url": format!("http://{closed}/hook")})).await;
        let down = down["id"].as_str().unwrap();
        let delivery_id = send_test(&app, down).await;
        let found = wait_for_delivery(&app, down, &delivery_id, |d| d["attempts"].as_array().is_some_and(|a| a.len() >= 2)).await;
        assert_eq!(found["attempts"][0]["error"], "could not connect to the receiver");
        assert!(found["attempts"][0]["status_code"].is_null());

        let receiver = Receiver::start().await;
        receiver.script([Reply { status: 200, headers: Vec::new(), delay: Duration::from_secs(4) }]);
        let slow = create_endpoint(&app, json!({"url": receiver.url})).await;
        let slow = slow["id"].as_str().unwrap();
        let delivery_id = send_test(&app, slow).await;
        let found = wait_for_delivery(&app, slow, &delivery_id, |d| d["status"] == "succeeded").await;
        assert_eq!(found["attempts"][0]["error"], "no answer within 2 s");
        assert_eq!(found["attempts"][1]["status_code"], 200);
    }

    async fn replay_queues_the_events_of_a_range_including_those_missed_while_disabled(app) {
        let receiver = Receiver::start().await;
        let endpoint = create_endpoint(&app, json!({"url": receiver.url, "events": ["message.received"]})).await;
        let endpoint = endpoint["id"].as_str().unwrap();
        let patch = |enabled: bool| {
            app.client.patch(app.url(&format!("/api/v2/webhooks/{endpoint}"))).bearer_auth(&app.key)
                .json(&json!({"enabled": enabled})).send()
        };
        let since = parlor_server::ids::rfc3339(parlor_server::ids::now_ms() - 1000);
        assert_eq!(patch(false).await.unwrap().status(), 200);
        let bot = app.create_chatbot("Replayed").await;
        chat(&app, &bot, "asked while the endpoint was off").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(receiver.received().is_empty());
        assert_eq!(patch(true).await.unwrap().status(), 200);

        let response = app.post(&format!("/api/v2/webhooks/{endpoint}/replay")).json(&json!({"since": since})).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let result: Value = response.json().await.unwrap();
        assert_eq!(result["queued"], 1, "only the subscribed event: {result}");
        let received = receiver.wait_for(Duration::from_secs(10), |r| !r.is_empty()).await;
        assert_eq!(received[0].json()["data"]["message"], "asked while the endpoint was off");

        let response = app.post(&format!("/api/v2/webhooks/{endpoint}/replay")).json(&json!({"since": "yesterday"})).send().await.unwrap();
        assert_eq!(response.status(), 422);
    }

    async fn during_a_rotation_both_secrets_sign_and_afterwards_only_the_new_one(app) {
        let receiver = Receiver::start().await;
        let created = create_endpoint(&app, json!({"url": receiver.url})).await;
        let endpoint = created["id"].as_str().unwrap();
        let old = created["secret"].as_str().unwrap().to_owned();
        let rotated: Value = app.post(&format!("/api/v2/webhooks/{endpoint}/rotate-secret")).send().await.unwrap().json().await.unwrap();
        let new = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(old, new);
        assert!(rotated["previous_secret_expires_at"].is_string());
        send_test(&app, endpoint).await;
        let received = receiver.wait_for(Duration::from_secs(10), |r| r.len() == 1).await;
        verify(&received[0], &old);
        verify(&received[0], &new);

        let response = app.post(&format!("/api/v2/webhooks/{endpoint}/rotate-secret")).json(&json!({"overlap_seconds": 0})).send().await.unwrap();
        let newest = response.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        send_test(&app, endpoint).await;
        let received = receiver.wait_for(Duration::from_secs(10), |r| r.len() == 2).await;
        verify(&received[1], &newest);
        assert_eq!(received[1].header("webhook-signature").split(' ').count(), 1, "no overlap: one signature");
    }

    async fn endpoints_are_private_to_their_workspace(app) {
        let receiver = Receiver::start().await;
        let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
        let endpoint = endpoint["id"].as_str().unwrap();
        let other = app.key_with(None, &[parlor_server::keys::Scope::WebhooksRead, parlor_server::keys::Scope::WebhooksWrite]).await;
        for (method, path) in [
            ("GET", format!("/api/v2/webhooks/{endpoint}")),
            ("PATCH", format!("/api/v2/webhooks/{endpoint}")),
            ("DELETE", format!("/api/v2/webhooks/{endpoint}")),
            ("POST", format!("/api/v2/webhooks/{endpoint}/test")),
            ("POST", format!("/api/v2/webhooks/{endpoint}/rotate-secret")),
            ("GET", format!("/api/v2/webhooks/{endpoint}/deliveries")),
        ] {
            let response = app.client.request(method.parse().unwrap(), app.url(&path)).bearer_auth(&other)
                .json(&json!({})).send().await.unwrap();
            assert_eq!(response.status(), 404, "{method} {path}");
        }
        let listed: Value = app.client.get(app.url("/api/v2/webhooks")).bearer_auth(&other).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["data"], json!([]));
        let read_only = app.key_with(Some(&app.workspace_id), &[parlor_server::keys::Scope::WebhooksRead]).await;
        let response = app.client.post(app.url("/api/v2/webhooks")).bearer_auth(&read_only)
            .json(&json!({"url": receiver.url})).send().await.unwrap();
        assert_eq!(response.status(), 403);
    }
}

on_both_backends! {
    async fn urls_that_reach_private_networks_are_refused_with_a_clear_error(app) {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/hook",
            "http://localhost:9/hook",
            "http://10.0.0.5/hook",
            "file:///etc/passwd",
            "https://user:pw@example.com/hook",
            "not a url",
        ] {
            let response = app.post("/api/v2/webhooks").json(&json!({"url": url})).send().await.unwrap();
            assert_eq!(response.status(), 422, "{url}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "VALIDATION_FAILED");
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
        let response = app.post("/api/v2/webhooks").json(&json!({"url": "https://example.com/h", "events": ["message.recieved"]})).send().await.unwrap();
        assert_eq!(response.status(), 422);
        let listed: Value = app.get("/api/v2/webhooks").send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["data"], json!([]), "nothing refused was stored");
    }

    async fn the_event_list_has_every_event_with_an_example(app) {
        let events: Value = app.get("/api/v2/webhooks/events").send().await.unwrap().json().await.unwrap();
        let names: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        for name in ["message.received", "message.sent", "conversation.started", "conversation.ended", "conversation.escalated",
                     "admin.replied", "lead.submitted", "feedback.created", "contact.created", "contact.updated",
                     "knowledge.source.ready", "knowledge.source.failed", "ping"] {
            assert!(names.contains(&name), "{name}");
        }
        let ended = events.as_array().unwrap().iter().find(|e| e["name"] == "conversation.ended").unwrap();
        assert_eq!(ended["example"]["data"]["messageCount"], 12);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_failure_streak_disables_the_endpoint_and_says_why() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        fast_webhooks(config);
        config.webhook_disable_after = "0s".into();
    })
    .await
    .unwrap();
    let receiver = Receiver::start().await;
    receiver.answer_always(Reply::status(500));
    let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
    let endpoint = endpoint["id"].as_str().unwrap();
    for _ in 0..2 {
        send_test(&app, endpoint).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found: Value = app.get(&format!("/api/v2/webhooks/{endpoint}")).send().await.unwrap().json().await.unwrap();
        if found["enabled"] == false {
            let reason = found["disabled_reason"].as_str().unwrap();
            assert!(reason.contains("in a row") && reason.contains("HTTP 500"), "{reason}");
            assert!(found["failure_streak"].as_i64().unwrap() >= 5);
            break;
        }
        assert!(Instant::now() < deadline, "the endpoint was never disabled: {found}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_share_deliveries_without_sending_any_twice() {
    let Some(app) = spawn(Backend::Postgres).await else { return };
    let _sibling = app.spawn_sibling().await;
    let receiver = Receiver::start().await;
    receiver.answer_always(Reply { status: 200, headers: Vec::new(), delay: Duration::from_millis(5) });
    let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
    let endpoint = endpoint["id"].as_str().unwrap();
    let mut expected = HashSet::new();
    for _ in 0..200 {
        expected.insert(send_test(&app, endpoint).await);
    }
    let received = receiver.wait_for(Duration::from_secs(30), |r| r.len() >= 200).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = receiver.received().len().max(received.len());
    let ids: HashSet<String> = receiver.received().iter().map(|r| r.header("webhook-id").to_owned()).collect();
    assert_eq!(ids, expected);
    assert_eq!(received, 200, "no delivery was sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_events_are_deleted_after_the_retention_but_pending_ones_are_kept() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        fast_webhooks(config);
        config.webhook_retention = "1s".into();
        config.webhook_retry_schedule = "1h".into();
    })
    .await
    .unwrap();
    let receiver = Receiver::start().await;
    receiver.script([Reply::status(200), Reply::status(500)]);
    let endpoint = create_endpoint(&app, json!({"url": receiver.url})).await;
    let endpoint = endpoint["id"].as_str().unwrap();
    let delivered = send_test(&app, endpoint).await;
    wait_for_delivery(&app, endpoint, &delivered, |d| d["status"] == "succeeded").await;
    // This one fails and waits an hour for its retry: it must survive the retention.
    let pending = send_test(&app, endpoint).await;
    wait_for_delivery(&app, endpoint, &pending, |d| d["attempts"].as_array().is_some_and(|a| a.len() == 1)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = app.get(&format!("/api/v2/webhooks/{endpoint}/deliveries/{delivered}")).send().await.unwrap();
        if response.status() == 404 {
            break;
        }
        assert!(Instant::now() < deadline, "the delivered event was never deleted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let kept = app.get(&format!("/api/v2/webhooks/{endpoint}/deliveries/{pending}")).send().await.unwrap();
    assert_eq!(kept.status(), 200, "a pending delivery outlives the retention");
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = $1", &delivered).await, 0);
}
