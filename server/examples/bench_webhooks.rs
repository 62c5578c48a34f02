//! Webhook benchmark against a real server on SQLite (or PostgreSQL when DATABASE_URL is set)
//! and a receiver on loopback, over real HTTP:
//!
//! 1. event-to-delivery latency: events one at a time, from the moment the API accepted the
//!    event to the moment the receiver got it (p50, p99);
//! 2. deliveries per second: a backlog queued while the endpoint is disabled, drained after it
//!    is enabled.
//!
//! Run: `cargo run --release -p parlor-server --example bench_webhooks`
//! (`BENCH_LATENCY_SAMPLES`, `BENCH_BACKLOG` and `PARLOR_WEBHOOK_CONCURRENCY` change the load.)

#![expect(clippy::print_stdout, reason = "a benchmark prints its report")]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

mod bench;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use bench::{Bench, env_number, ms, percentile};

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn start_receiver(arrivals: Arrivals) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap| {
            let arrivals = arrivals.clone();
            async move {
                let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                arrivals.lock().unwrap().entry(id).or_insert_with(Instant::now);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::main]
async fn main() {
    let concurrency = env_number("PARLOR_WEBHOOK_CONCURRENCY", 16) as usize;
    let bench = Bench::start(|config| {
        config.outbound_allow = "127.0.0.1/32".to_owned();
        config.webhook_concurrency = concurrency;
    })
    .await;
    let (base, key, db, workspace) = (bench.base.clone(), bench.key.clone(), bench.db.clone(), bench.workspace.clone());
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();

    let arrivals: Arrivals = Arc::default();
    let receiver = start_receiver(arrivals.clone()).await;
    let created: serde_json::Value = client
        .post(format!("{base}/api/v2/webhooks"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"url": receiver}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let endpoint = created["id"].as_str().unwrap().to_owned();
    let test_url = format!("{base}/api/v2/webhooks/{endpoint}/test");
    let queue = |client: reqwest::Client, key: String, url: String| async move {
        let body: serde_json::Value = client.post(url).bearer_auth(key).send().await.unwrap().json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    };

    // 1. Latency, one event at a time.
    let samples = env_number("BENCH_LATENCY_SAMPLES", 500);
    let mut latencies = Vec::new();
    for _ in 0..samples {
        let accepted = Instant::now();
        let id = queue(client.clone(), key.clone(), test_url.clone()).await;
        loop {
            if let Some(at) = arrivals.lock().unwrap().get(&id) {
                latencies.push(at.saturating_duration_since(accepted));
                break;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    latencies.sort();

    // 2. Throughput: a backlog queued while disabled, drained once enabled.
    let backlog = env_number("BENCH_BACKLOG", 5000) as usize;
    let patch = |enabled: bool| {
        client
            .patch(format!("{base}/api/v2/webhooks/{endpoint}"))
            .bearer_auth(&key)
            .json(&serde_json::json!({"enabled": enabled}))
            .send()
    };
    assert!(patch(false).await.unwrap().status().is_success());
    // Test events need an enabled endpoint, so the backlog is queued as a replay of events
    // written directly: chat-free and identical to what emit() writes.
    let now = parlor_server::ids::now_ms();
    let mut tx = db.pool().begin().await.unwrap();
    for i in 0..backlog {
        let event_id = format!("evt_bench{i}");
        sqlx::query("INSERT INTO webhook_events (id, workspace_id, event_type, data, created_at) VALUES ($1, $2, 'ping', '{}', $3)")
            .bind(&event_id)
            .bind(&workspace)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert!(patch(true).await.unwrap().status().is_success());
    let before = arrivals.lock().unwrap().len();
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/v2/webhooks/{endpoint}/replay"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"since": parlor_server::ids::rfc3339(now - 1)}))
        .send()
        .await
        .unwrap();
    let queued: serde_json::Value = response.json().await.unwrap();
    let queued = queued["queued"].as_u64().unwrap() as usize;
    assert!(queued >= backlog, "queued {queued}");
    while arrivals.lock().unwrap().len() < before + backlog {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drained = started.elapsed();

    println!("webhook benchmark on {}, concurrency {concurrency}", bench.storage());
    println!(
        "event-to-delivery latency over {samples} events: p50 {}, p99 {}, max {}",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap()),
    );
    println!(
        "throughput: {backlog} queued deliveries drained in {:.2} s = {:.0} deliveries/s",
        drained.as_secs_f64(),
        backlog as f64 / drained.as_secs_f64()
    );
    bench.stop().await;
}
