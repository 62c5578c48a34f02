//! Chat benchmark: the platform's overhead from request to the first SSE byte, and sustained
//! chat turns per second with the built-in responder, against a real server on SQLite (or on
//! PostgreSQL when DATABASE_URL is set) over real HTTP on loopback.
//!
//! Run: `cargo run --release -p parlor-server --example bench_chat`
//! (`BENCH_SECONDS`, `BENCH_CLIENTS` and `BENCH_FIRST_BYTE_SAMPLES` change the load.)

#![expect(clippy::print_stdout, reason = "a benchmark prints its report")]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

use std::time::{Duration, Instant};

use futures::StreamExt;
use parlor_server::config::{Config, Secret};
use parlor_server::db::Db;
use parlor_server::keys::{self, KeyKind, NewKey, Scope};
use parlor_server::{chatbots, workspaces};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    // Warnings and errors only, so that a failing request says why.
    tracing_subscriber::fmt().with_env_filter("warn").with_writer(std::io::stderr).init();
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = Config::with_data_dir(data_dir.path().to_path_buf());
    if let Ok(url) = std::env::var("DATABASE_URL") {
        config.database.database_url = Some(Secret::new(url));
    }
    config.plans = "free=60000000/1000000/unlimited".to_owned();
    config.responder_delay_ms = 0;
    config.database.db_max_connections = 16;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(parlor_server::run(config.clone(), listener, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    for _ in 0..200 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let db = Db::connect_with(&config.storage(), 2).await.unwrap();
    let workspace = workspaces::default_workspace(&db).await.unwrap();
    let new_key = NewKey {
        name: "bench".into(),
        kind: KeyKind::Secret,
        scopes: Scope::ALL.to_vec(),
        allowed_origins: Vec::new(),
        expires_at: None,
    };
    let (_, key) = keys::create_key(&db, &workspace, &new_key).await.unwrap();
    let key = key.expose().to_owned();
    let new_bot = chatbots::NewChatbot::parse("Bench", None, None).unwrap();
    let bot = chatbots::create_chatbot(&db, &workspace, new_bot).await.unwrap().id;
    let url = format!("{base}/api/v2/chatbots/{bot}/chat");

    // 1. Time to the first byte of the answer stream, one request at a time.
    let samples = env_number("BENCH_FIRST_BYTE_SAMPLES", 2000);
    let mut first_bytes = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        let response =
            client.post(&url).bearer_auth(&key).json(&serde_json::json!({"message": "Hello"})).send().await.unwrap();
        let mut body = response.bytes_stream();
        body.next().await.unwrap().unwrap();
        first_bytes.push(started.elapsed());
        while body.next().await.is_some() {}
    }
    first_bytes.sort();

    // 2. Sustained turns per second: clients each sending one message after another.
    let clients = env_number("BENCH_CLIENTS", 32);
    let seconds = env_number("BENCH_SECONDS", 10);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, key) = (client.clone(), url.clone(), key.clone());
            tokio::spawn(async move {
                let mut turns = 0u64;
                while Instant::now() < deadline {
                    let response = client
                        .post(&url)
                        .bearer_auth(&key)
                        .json(&serde_json::json!({"message": "Hello", "stream": false}))
                        .send()
                        .await
                        .unwrap();
                    let status = response.status();
                    let body = response.bytes().await.unwrap();
                    assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
                    turns += 1;
                }
                turns
            })
        })
        .collect();
    let started = Instant::now();
    let mut turns = 0;
    for worker in workers {
        turns += worker.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();

    println!("storage: {}", if config.database.database_url.is_some() { "postgres" } else { "sqlite" });
    println!(
        "first SSE byte ({samples} sequential requests): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&first_bytes, 0.50).as_secs_f64() * 1000.0,
        percentile(&first_bytes, 0.99).as_secs_f64() * 1000.0
    );
    println!(
        "chat turns ({clients} clients, {seconds} s, stream false): {turns} turns, {:.0} turns/s",
        turns as f64 / elapsed
    );
    let _ = stop.send(());
    let _ = server.await;
}
