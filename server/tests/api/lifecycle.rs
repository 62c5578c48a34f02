use crate::helpers::{Backend, answer_text, read_events, spawn_app_with};

async fn shutdown_lets_a_streaming_answer_finish(backend: Backend) {
    let Some(mut app) = spawn_app_with(backend, |config| config.responder_delay_ms = 40).await else { return };
    let bot = app.create_chatbot("Graceful").await;
    let response = app
        .post(&format!("/api/v2/chatbots/{bot}/chat"))
        .json(&serde_json::json!({"message": "Hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let reading = tokio::spawn(read_events(response));
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    app.stop().await.expect("run returns Ok after a graceful shutdown");
    let events = reading.await.unwrap();
    assert_eq!(events.last().unwrap().event, "done", "the stream finished before the server stopped");
    assert!(answer_text(&events).starts_with("Hello! I'm Graceful."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_streaming_answer_finish_on_sqlite() {
    shutdown_lets_a_streaming_answer_finish(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_streaming_answer_finish_on_postgres() {
    shutdown_lets_a_streaming_answer_finish(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_a_restart_and_migrations_run_once() {
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_path_buf();
    let Some(mut app) = spawn_app_with(Backend::Sqlite, |config| config.database.data_dir = dir.clone()).await else {
        return;
    };
    let bot = app.create_chatbot("Durable").await;
    app.stop().await.unwrap();
    let key = app.key.clone();
    drop(app);

    let Some(again) = spawn_app_with(Backend::Sqlite, |config| config.database.data_dir = dir.clone()).await else {
        return;
    };
    let response =
        again.client.get(again.url(&format!("/api/v2/chatbots/{bot}"))).bearer_auth(&key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(dir.join("parlor.db").exists());
}
