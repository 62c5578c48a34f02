//! Suggestions benchmark: a chatbot with 10,000 Q&A questions, and the latency of
//! `GET /api/v2/chatbots/{id}/suggestions?q=` over real HTTP (p50, p99), after the first request
//! has built the chatbot's index. The time to build the index is reported too.
//!
//! Run: `cargo run --release -p parlor-server --example bench_suggestions`
//! (`BENCH_QUESTIONS`, `BENCH_SAMPLES`; `DATABASE_URL` for PostgreSQL).

#![expect(clippy::print_stdout, reason = "a benchmark prints its report")]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

use std::time::{Duration, Instant};

use parlor_server::config::{Config, Secret};
use parlor_server::db::Db;
use parlor_server::keys::{self, KeyKind, NewKey, Scope};
use parlor_server::knowledge::{self, NewSource};
use parlor_server::{chatbots, workspaces};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

const TOPICS: [&str; 10] =
    ["shipping", "returns", "payment", "opening", "warranty", "delivery", "account", "privacy", "gift", "order"];
const ASKS: [&str; 5] =
    ["How do I change my", "What is your policy on", "Can I get help with", "Where can I find", "Is there a fee for"];

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("warn").with_writer(std::io::stderr).init();
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = Config::with_data_dir(data_dir.path().to_path_buf());
    if let Ok(url) = std::env::var("DATABASE_URL") {
        config.database.database_url = Some(Secret::new(url));
    }
    config.plans = "free=60000000/1000000/unlimited".to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(parlor_server::run(config.clone(), listener, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let db = Db::connect_with(&config.storage(), 4).await.unwrap();
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
    let bot = chatbots::create_chatbot(&db, &workspace, chatbots::NewChatbot::parse("Bench", None, None).unwrap())
        .await
        .unwrap()
        .id;
    let questions = env_number("BENCH_QUESTIONS", 10_000) as usize;
    for i in 0..questions {
        let question = format!("{} {} number {i}?", ASKS[i % ASKS.len()], TOPICS[(i / 5) % TOPICS.len()]);
        let qa = NewSource::Qa { question, answer: "An answer.".into() };
        knowledge::create_source(&db, &workspace, &bot, qa).await.unwrap();
    }
    let url = format!("{base}/api/v2/chatbots/{bot}/suggestions");
    let started = Instant::now();
    client.get(&url).bearer_auth(&key).query(&[("q", "ship")]).send().await.unwrap();
    let first = started.elapsed();

    let queries =
        ["ship", "how do i change my acc", "warr", "gift card", "is there a fee for del", "where can i find pri"];
    let samples = env_number("BENCH_SAMPLES", 2000) as usize;
    let mut latencies = Vec::with_capacity(samples);
    for i in 0..samples {
        let started = Instant::now();
        let response =
            client.get(&url).bearer_auth(&key).query(&[("q", queries[i % queries.len()])]).send().await.unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap();
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let storage = if config.database.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("suggestions on {storage}, {questions} questions");
    println!("first request (builds the index): {:.1} ms", first.as_secs_f64() * 1000.0);
    println!(
        "{samples} requests over HTTP: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );
    let _ = stop.send(());
    let _ = server.await;
}
