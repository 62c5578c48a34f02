use std::time::Duration;

use futures::StreamExt;
use parlor_protocol::sse::{SseEvent, SseParser};
use serde_json::json;

use crate::helpers::{Backend, TestApp, answer_text, read_events, spawn_app_with};

/// A demo chatbot answer long enough (dozens of pieces) to interrupt, with a pause per piece.
async fn slow_app(backend: Backend) -> Option<(TestApp, String)> {
    let app = spawn_app_with(backend, |config| config.responder_delay_ms = 40).await?;
    let demo = parlor_server::demo::seed(&app.db).await.unwrap();
    Some((app, demo))
}

const QUESTION: &str = "How do you roast the beans?";

/// Starts a streamed answer and reads events until `pieces` deltas have arrived, then drops the
/// connection. Returns the message id and the events seen.
async fn start_and_drop(app: &TestApp, bot: &str, pieces: usize) -> (String, Vec<SseEvent>) {
    let response =
        app.post(&format!("/api/v2/chatbots/{bot}/chat")).json(&json!({"message": QUESTION})).send().await.unwrap();
    let mut body = response.bytes_stream();
    let mut parser = SseParser::new();
    let mut seen = Vec::new();
    while seen.iter().filter(|e: &&SseEvent| e.event == "delta").count() < pieces {
        let chunk = body.next().await.unwrap().unwrap();
        seen.extend(parser.push(&chunk));
    }
    let start: serde_json::Value = serde_json::from_str(&seen[0].data).unwrap();
    (start["message_id"].as_str().unwrap().to_owned(), seen)
}

async fn stored(app: &TestApp, message_id: &str) -> (String, String) {
    sqlx::query_as("SELECT status, content FROM messages WHERE id = $1")
        .bind(message_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn wait_for_status(app: &TestApp, message_id: &str, wanted: &str) -> String {
    for _ in 0..400 {
        let (status, content) = stored(app, message_id).await;
        if status == wanted {
            return content;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("message {message_id} never became {wanted}");
}

async fn resume(app: &TestApp, base: &str, message_id: &str, last_event_id: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{base}/api/v2/messages/{message_id}/stream")).bearer_auth(&app.key);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    request.send().await.unwrap()
}

async fn a_dropped_stream_resumes_with_exactly_what_it_missed(backend: Backend) {
    let Some((app, demo)) = slow_app(backend).await else { return };
    let (message_id, seen) = start_and_drop(&app, &demo, 3).await;
    let last_id = seen.iter().rev().find(|e| e.event == "delta").and_then(|e| e.id.clone()).unwrap();
    assert_eq!(last_id, "3");

    let response = resume(&app, &app.base, &message_id, Some(&last_id)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let rest = read_events(response).await;
    let first_resumed = rest.iter().find(|e| e.event == "delta").unwrap();
    assert_eq!(first_resumed.id.as_deref(), Some("4"), "no piece is repeated or skipped");
    assert_eq!(rest.last().unwrap().event, "done");
    assert!(rest.iter().any(|e| e.event == "citations"));

    let whole = format!("{}{}", answer_text(&seen), answer_text(&rest));
    let content = wait_for_status(&app, &message_id, "complete").await;
    assert_eq!(whole, content);

    // Once finished, the answer can still be replayed from any point.
    let replay = read_events(resume(&app, &app.base, &message_id, None).await).await;
    assert_eq!(answer_text(&replay), content);
    let tail = read_events(resume(&app, &app.base, &message_id, Some("5")).await).await;
    assert_eq!(tail.iter().find(|e| e.event == "delta").unwrap().id.as_deref(), Some("6"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_resumes_with_exactly_what_it_missed_on_sqlite() {
    a_dropped_stream_resumes_with_exactly_what_it_missed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_resumes_with_exactly_what_it_missed_on_postgres() {
    a_dropped_stream_resumes_with_exactly_what_it_missed(Backend::Postgres).await;
}

async fn another_process_resumes_an_answer_that_is_still_streaming(backend: Backend) {
    let Some((app, demo)) = slow_app(backend).await else { return };
    let sibling = app.spawn_sibling().await;
    let (message_id, seen) = start_and_drop(&app, &demo, 2).await;
    let rest = read_events(resume(&app, &sibling.base, &message_id, Some("2")).await).await;
    assert_eq!(rest.iter().find(|e| e.event == "delta").unwrap().id.as_deref(), Some("3"));
    assert_eq!(rest.last().unwrap().event, "done");
    let content = wait_for_status(&app, &message_id, "complete").await;
    assert_eq!(format!("{}{}", answer_text(&seen), answer_text(&rest)), content);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_resumes_an_answer_that_is_still_streaming_on_sqlite() {
    another_process_resumes_an_answer_that_is_still_streaming(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_resumes_an_answer_that_is_still_streaming_on_postgres() {
    another_process_resumes_an_answer_that_is_still_streaming(Backend::Postgres).await;
}

async fn stop_ends_an_answer_and_keeps_what_was_said(backend: Backend, from_another_process: bool) {
    // A slow pace keeps the answer going for seconds, even on a machine busy with other tests.
    let Some(app) = spawn_app_with(backend, |config| config.responder_delay_ms = 150).await else { return };
    let demo = parlor_server::demo::seed(&app.db).await.unwrap();
    let sibling = app.spawn_sibling().await;
    let response =
        app.post(&format!("/api/v2/chatbots/{demo}/chat")).json(&json!({"message": QUESTION})).send().await.unwrap();
    let mut body = response.bytes_stream();
    let mut parser = SseParser::new();
    let mut events: Vec<SseEvent> = Vec::new();
    while !events.iter().any(|e| e.event == "delta") {
        events.extend(parser.push(&body.next().await.unwrap().unwrap()));
    }
    let start: serde_json::Value = serde_json::from_str(&events[0].data).unwrap();
    let message_id = start["message_id"].as_str().unwrap().to_owned();

    let base = if from_another_process { sibling.base.clone() } else { app.base.clone() };
    let stop = app
        .client
        .post(format!("{base}/api/v2/messages/{message_id}/stop"))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(stop.status(), 202);
    let reply: serde_json::Value = stop.json().await.unwrap();
    assert_eq!(reply["stopping"], true);

    let rest = async {
        while let Some(chunk) = body.next().await {
            events.extend(parser.push(&chunk.unwrap()));
        }
    };
    tokio::time::timeout(Duration::from_secs(10), rest).await.unwrap();
    let done: serde_json::Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
    assert_eq!(done["finish_reason"], "stopped");
    let content = wait_for_status(&app, &message_id, "stopped").await;
    assert_eq!(content, answer_text(&events));
    assert!(!content.is_empty() && !content.contains("one-way valve"), "stopped early: {content}");

    let again = app
        .client
        .post(format!("{base}/api/v2/messages/{message_id}/stop"))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let reply: serde_json::Value = again.json().await.unwrap();
    assert_eq!(reply["stopping"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_an_answer_and_keeps_what_was_said_on_sqlite() {
    stop_ends_an_answer_and_keeps_what_was_said(Backend::Sqlite, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_an_answer_and_keeps_what_was_said_on_postgres() {
    stop_ends_an_answer_and_keeps_what_was_said(Backend::Postgres, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_from_another_process_ends_the_answer_on_postgres() {
    stop_ends_an_answer_and_keeps_what_was_said(Backend::Postgres, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_resumes_and_stops_only_its_own_chatbots_answers() {
    let (app, demo) = slow_app(Backend::Sqlite).await.unwrap();
    let other = app.create_chatbot("Other").await;
    let (message_id, _) = start_and_drop(&app, &demo, 1).await;
    let own = app
        .client
        .get(app.url(&format!("/widget/v1/chatbots/{demo}/messages/{message_id}/stream?after=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let rest = read_events(own).await;
    assert_eq!(rest.iter().find(|e| e.event == "delta").unwrap().id.as_deref(), Some("2"));
    let foreign = app
        .client
        .get(app.url(&format!("/widget/v1/chatbots/{other}/messages/{message_id}/stream")))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    let stop = app
        .client
        .post(app.url(&format!("/widget/v1/chatbots/{other}/messages/{message_id}/stop")))
        .send()
        .await
        .unwrap();
    assert_eq!(stop.status(), 404);
    let bad = app
        .client
        .get(app.url(&format!("/api/v2/messages/{message_id}/stream")))
        .bearer_auth(&app.key)
        .header("last-event-id", "soon")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let stranger = app.key_with(None, &parlor_server::keys::Scope::ALL).await;
    let response = app
        .client
        .get(app.url(&format!("/api/v2/messages/{message_id}/stream")))
        .bearer_auth(stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
