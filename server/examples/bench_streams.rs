//! Concurrent streams benchmark: 1,000 visitors' answers streaming at once from the built-in
//! responder (paced at 20 ms a piece, as a model would), over real HTTP on loopback. Reports how
//! many completed, time to first byte under that load, the wall time, and the peak memory of
//! the process (server and clients together).
//!
//! Run: `cargo run --release -p parlor-server --example bench_streams` (`BENCH_STREAMS`).

#![expect(clippy::print_stdout, reason = "a benchmark prints its report")]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

mod bench;

use std::time::{Duration, Instant};

use bench::{Bench, env_number, ms, percentile};
use futures::StreamExt;
use parlor_server::chatbots;

/// The peak resident memory of this process, from /proc (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[tokio::main]
async fn main() {
    let bench = Bench::start(|config| {
        config.responder_delay_ms = 20;
        config.database.db_max_connections = 32;
    })
    .await;
    let new_bot = chatbots::NewChatbot::parse("Bench", None, None).unwrap();
    let bot = chatbots::create_chatbot(&bench.db, &bench.workspace, new_bot).await.unwrap().id;
    let url = format!("{}/api/v2/chatbots/{bot}/chat", bench.base);
    let streams = env_number("BENCH_STREAMS", 1000) as usize;
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(streams).timeout(Duration::from_secs(120)).build().unwrap();
    let before = peak_rss_mib();
    let started = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|i| {
            let (client, url, key) = (client.clone(), url.clone(), bench.key.clone());
            tokio::spawn(async move {
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&serde_json::json!({"message": format!("Hello number {i}"), "stream": true}))
                    .send()
                    .await
                    .ok()?;
                if !response.status().is_success() {
                    return None;
                }
                let mut body = response.bytes_stream();
                let mut first = None;
                let mut text = Vec::new();
                while let Some(chunk) = body.next().await {
                    let chunk = chunk.ok()?;
                    first.get_or_insert_with(|| sent.elapsed());
                    text.extend_from_slice(&chunk);
                }
                let done = String::from_utf8_lossy(&text).contains("event: done");
                done.then_some((first?, sent.elapsed()))
            })
        })
        .collect();
    let mut first_bytes = Vec::new();
    let mut totals = Vec::new();
    for task in tasks {
        if let Some((first, total)) = task.await.unwrap() {
            first_bytes.push(first);
            totals.push(total);
        }
    }
    let wall = started.elapsed();
    first_bytes.sort();
    totals.sort();
    println!("{streams} concurrent streams on {}: {} completed with `done`", bench.storage(), totals.len());
    if !totals.is_empty() {
        println!(
            "first byte p50 {}, p99 {}; whole answer p50 {}, p99 {}; wall time {}",
            ms(percentile(&first_bytes, 0.50)),
            ms(percentile(&first_bytes, 0.99)),
            ms(percentile(&totals, 0.50)),
            ms(percentile(&totals, 0.99)),
            ms(wall)
        );
    }
    if let (Some(before), Some(after)) = (before, peak_rss_mib()) {
        println!("peak memory of the process (server and clients): {before:.0} MiB before, {after:.0} MiB after");
    }
    bench.stop().await;
}
