//! Suggestions benchmark: a chatbot with 10,000 Q&A questions, and the latency of
//! `GET /api/v2/chatbots/{id}/suggestions?q=` over real HTTP (p50, p99), after the first request
//! has built the chatbot's index. The time to build the index is reported too.
//!
//! Run: `cargo run --release -p parlor-server --example bench_suggestions`
//! (`BENCH_QUESTIONS`, `BENCH_SAMPLES`; `DATABASE_URL` for PostgreSQL).

#![expect(clippy::print_stdout, reason = "a benchmark prints its report")]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

mod bench;

use std::time::Instant;

use bench::{Bench, env_number, ms, percentile};
use parlor_server::chatbots;
use parlor_server::knowledge::{self, NewSource};

const TOPICS: [&str; 10] =
    ["shipping", "returns", "payment", "opening", "warranty", "delivery", "account", "privacy", "gift", "order"];
const ASKS: [&str; 5] =
    ["How do I change my", "What is your policy on", "Can I get help with", "Where can I find", "Is there a fee for"];

#[tokio::main]
async fn main() {
    let bench = Bench::start(|_| {}).await;
    let (base, key, db, workspace) = (bench.base.clone(), bench.key.clone(), bench.db.clone(), bench.workspace.clone());
    let client = reqwest::Client::new();
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
    println!("suggestions on {}, {questions} questions", bench.storage());
    println!("first request (builds the index): {}", ms(first));
    println!(
        "{samples} requests over HTTP: p50 {}, p99 {}",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99))
    );
    bench.stop().await;
}
