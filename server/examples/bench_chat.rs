//! Chat benchmark: the platform's overhead from request to the first SSE byte and to the first
//! answer piece on a kept-alive connection, and sustained chat turns per second with the built-in
//! responder, against a real server on SQLite (or on PostgreSQL when DATABASE_URL is set) over
//! real HTTP on loopback.
//!
//! Run: `cargo run --release -p parlor-server --example bench_chat`
//! (`BENCH_SECONDS`, `BENCH_CLIENTS` and `BENCH_FIRST_BYTE_SAMPLES` change the load.)

#![expect(clippy::print_stdout, reason = "a benchmark prints its report")]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

mod bench;

use std::time::{Duration, Instant};

use bench::{Bench, env_number, ms, percentile};
use futures::StreamExt;
use parlor_server::chatbots;

#[tokio::main]
async fn main() {
    let bench = Bench::start(|config| config.responder_delay_ms = 0).await;
    let new_bot = chatbots::NewChatbot::parse("Bench", None, None).unwrap();
    let bot = chatbots::create_chatbot(&bench.db, &bench.workspace, new_bot).await.unwrap().id;
    let url = format!("{}/api/v2/chatbots/{bot}/chat", bench.base);
    let key = bench.key.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();

    // 1. Time to the first byte of the answer stream and to its first answer piece (`delta`),
    // one request at a time on one kept-alive connection, as browsers and client libraries
    // reuse them (a stall such as Nagle's algorithm's shows only there).
    let samples = env_number("BENCH_FIRST_BYTE_SAMPLES", 2000);
    let kept_alive = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    let mut first_bytes = Vec::new();
    let mut first_tokens = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        let response = kept_alive
            .post(&url)
            .bearer_auth(&key)
            .json(&serde_json::json!({"message": "Hello"}))
            .send()
            .await
            .unwrap();
        let mut body = response.bytes_stream();
        let mut seen = Vec::new();
        let mut first_byte = None;
        let mut first_token = None;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.unwrap();
            first_byte.get_or_insert_with(|| started.elapsed());
            if first_token.is_none() {
                seen.extend_from_slice(&chunk);
                if seen.windows(12).any(|window| window == b"event: delta") {
                    first_token = Some(started.elapsed());
                }
            }
        }
        first_bytes.push(first_byte.unwrap());
        first_tokens.push(first_token.expect("the answer stream has a delta event"));
    }
    first_bytes.sort();
    first_tokens.sort();

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

    println!("storage: {}", bench.storage());
    println!(
        "first SSE byte ({samples} sequential requests, one kept-alive connection): p50 {}, p99 {}",
        ms(percentile(&first_bytes, 0.50)),
        ms(percentile(&first_bytes, 0.99))
    );
    println!(
        "first answer piece (same requests, one kept-alive connection): p50 {}, p99 {}",
        ms(percentile(&first_tokens, 0.50)),
        ms(percentile(&first_tokens, 0.99))
    );
    println!(
        "chat turns ({clients} clients, {seconds} s, stream false): {turns} turns, {:.0} turns/s",
        turns as f64 / elapsed
    );
    bench.stop().await;
}
