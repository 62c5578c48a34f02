//! Hybrid retrieval: a local fake embeddings API speaking the OpenAI wire format, vectors
//! stored and caught up across processes, reciprocal rank fusion, and the BM25 path surviving
//! an embedder that fails (429, 500, malformed answers).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};

/// The length of the fake's vectors.
pub const DIMS: usize = 256;

/// Words the fake embedder treats as one meaning, so that a paraphrase without a shared
/// keyword lands near the text it paraphrases (a real model learns such neighbours).
const SYNONYMS: &[(&str, &str)] = &[
    ("money", "refund"),
    ("reimburse", "refund"),
    ("reimbursed", "refund"),
    ("repaid", "refund"),
    ("refunds", "refund"),
    ("returned", "refund"),
    ("card", "payment"),
    ("cards", "payment"),
    ("account", "payment"),
    ("days", "day"),
    ("week", "day"),
];

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "get", "how", "i", "in", "is", "it", "my",
    "of", "on", "or", "the", "to", "we", "what", "when", "with", "you", "your", "back", "will", "can", "this", "that",
];

/// A deterministic embedding: a hashed bag of words (with [`SYNONYMS`] folded), so equal words
/// meet in the same dimension.
pub fn fake_embedding(text: &str) -> Vec<f32> {
    let mut vector = vec![0.0f32; DIMS];
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = word.to_lowercase();
        if STOPWORDS.contains(&word.as_str()) {
            continue;
        }
        let meaning = SYNONYMS.iter().find(|(w, _)| *w == word).map_or(word.as_str(), |(_, m)| m);
        // FNV-1a, so the buckets are the same on every run.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in meaning.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        vector[(hash % DIMS as u64) as usize] += 1.0;
    }
    vector
}

/// What the fake answers next, before it answers normally.
#[derive(Debug, Clone, Copy)]
pub enum Trouble {
    Status(u16),
    /// 429 with `retry-after-ms`.
    Busy(u64),
    /// A 200 whose body is not the embeddings shape.
    Malformed,
    /// A 200 with one vector too few.
    Short,
}

#[derive(Default)]
pub struct FakeState {
    /// Answers to give first, one per request.
    pub troubles: VecDeque<Trouble>,
    /// Troubles given to every request while set.
    pub down: Option<Trouble>,
    pub requests: usize,
    /// Texts embedded successfully (inputs of answered requests).
    pub embedded: usize,
    pub models: Vec<String>,
    pub keys: Vec<String>,
}

/// A local OpenAI-compatible embeddings API.
#[derive(Clone)]
pub struct FakeEmbedder {
    pub base: String,
    pub state: Arc<Mutex<FakeState>>,
}

impl FakeEmbedder {
    pub async fn start() -> FakeEmbedder {
        let state: Arc<Mutex<FakeState>> = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().route("/v1/embeddings", axum::routing::post(embeddings)).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeEmbedder { base, state }
    }

    pub fn embedded(&self) -> usize {
        self.state.lock().unwrap().embedded
    }

    /// The configuration that points Parlor at this fake.
    pub fn configure(&self, config: &mut parlor_server::Config) {
        crate::knowledge_crawl::local_site_allowed(config);
        config.embeddings_url = Some(self.base.clone());
        config.embeddings_model = "fake-bow-256".to_owned();
        config.embeddings_key = Some(parlor_server::config::Secret::new("sk-fake-embeddings"));
        config.embeddings_batch = 16;
    }
}

async fn embeddings(State(state): State<Arc<Mutex<FakeState>>>, headers: HeaderMap, body: String) -> Response {
    let request: Value = match serde_json::from_str(&body) {
        Ok(value) => value,
        Err(_) => return (StatusCode::BAD_REQUEST, "not JSON").into_response(),
    };
    let inputs: Vec<String> = request["input"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let trouble = {
        let mut state = state.lock().unwrap();
        state.requests += 1;
        state.models.push(request["model"].as_str().unwrap_or_default().to_owned());
        let key = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        state.keys.push(key.to_owned());
        state.troubles.pop_front().or(state.down)
    };
    match trouble {
        Some(Trouble::Status(code)) => {
            return (StatusCode::from_u16(code).unwrap(), Json(json!({"error": {"message": "trouble"}})))
                .into_response();
        }
        Some(Trouble::Busy(ms)) => {
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after-ms", ms.to_string())], "slow down").into_response();
        }
        Some(Trouble::Malformed) => return Json(json!({"object": "list", "data": "nope"})).into_response(),
        Some(Trouble::Short) => {
            let data: Vec<Value> = inputs
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, text)| json!({"object": "embedding", "index": i, "embedding": fake_embedding(text)}))
                .collect();
            return Json(json!({"object": "list", "data": data})).into_response();
        }
        None => {}
    }
    state.lock().unwrap().embedded += inputs.len();
    // Answered in reverse, as the index (not the position) says which input a vector is for.
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, text)| json!({"object": "embedding", "index": i, "embedding": fake_embedding(text)}))
        .collect();
    let tokens: usize = inputs.iter().map(|t| t.split_whitespace().count()).sum();
    Json(json!({
        "object": "list", "data": data, "model": request["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens}
    }))
    .into_response()
}

/// Parlor with hybrid retrieval against a fresh fake embedder.
async fn spawn_hybrid(backend: Backend) -> Option<(TestApp, FakeEmbedder)> {
    let fake = FakeEmbedder::start().await;
    let app = spawn_app_with(backend, |config| fake.configure(config)).await?;
    Some((app, fake))
}

pub async fn search_at(app: &TestApp, base: &str, bot: &str, query: &str) -> Value {
    let response = app
        .client
        .post(format!("{base}/api/v2/chatbots/{bot}/knowledge/search"))
        .bearer_auth(&app.key)
        .json(&json!({"query": query, "limit": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn add_text(app: &TestApp, bot: &str, title: &str, content: &str) -> String {
    let response = app
        .post("/api/knowledge")
        .json(&json!({"chatbotId": bot, "type": "text", "source": title, "content": content}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// Waits until every chunk of a source has its vector, and returns how many there are.
pub async fn vectors_ready(app: &TestApp, source_id: &str) -> i64 {
    for _ in 0..200 {
        let chunks = app.count("SELECT COUNT(*) FROM knowledge_entries WHERE source_id = $1", source_id).await;
        let vectors = app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE source_id = $1", source_id).await;
        if chunks > 0 && chunks == vectors {
            return vectors;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the chunks of {source_id} did not get their vectors within 20 seconds");
}

fn found_by(hit: &Value) -> Vec<&str> {
    hit["found_by"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect()
}

const REFUNDS: &str = "Refunds are paid to the original card within five business days of the parcel arriving.";

/// Runs a test body on SQLite and, when available, on PostgreSQL, each with its own fake.
macro_rules! hybrid_tests {
    ($(async fn $name:ident($app:ident, $fake:ident) $body:block)*) => {$(
        mod $name {
            use super::*;

            async fn body($app: TestApp, $fake: FakeEmbedder) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let (app, fake) = spawn_hybrid(Backend::Sqlite).await.expect("sqlite is always available");
                body(app, fake).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some((app, fake)) = spawn_hybrid(Backend::Postgres).await {
                    body(app, fake).await;
                }
            }
        }
    )*};
}

hybrid_tests! {
    async fn a_paraphrase_without_shared_keywords_is_found_by_meaning_and_the_search_says_which_retriever_found_each_hit(app, fake) {
        let bot = app.create_chatbot("Hybrid").await;
        let refunds = add_text(&app, &bot, "Refunds", REFUNDS).await;
        add_text(&app, &bot, "Shipping", "Parcels ship worldwide with tracked couriers from Rotterdam.").await;
        vectors_ready(&app, &refunds).await;

        // No word of the question is in the text: BM25 alone finds nothing, the vectors do.
        let hits = search_at(&app, &app.base, &bot, "will my money be reimbursed").await;
        assert_eq!(hits[0]["title"], "Refunds", "{hits}");
        assert_eq!(found_by(&hits[0]), vec!["vector"], "{hits}");
        assert_eq!(hits.as_array().unwrap().len(), 1, "the unrelated text is below the similarity floor: {hits}");

        // Words and meaning agree: both retrievers found it, and the fused score ranks it first.
        let hits = search_at(&app, &app.base, &bot, "refunds to the original card").await;
        assert_eq!(hits[0]["title"], "Refunds", "{hits}");
        assert_eq!(found_by(&hits[0]), vec!["bm25", "vector"], "{hits}");
        let fused = hits[0]["score"].as_f64().unwrap();
        assert!((fused - 2.0 / 61.0).abs() < 0.001, "RRF with k = 60 of two first places: {fused}");

        // The stored vector is the model's, little-endian f32, with its length.
        let (model, dims, bytes): (String, i64, Vec<u8>) =
            sqlx::query_as("SELECT model, dims, vector FROM knowledge_vectors WHERE source_id = $1")
                .bind(&refunds).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!((model.as_str(), dims, bytes.len()), ("fake-bow-256", DIMS as i64, DIMS * 4));
        let state = fake.state.lock().unwrap();
        assert!(state.models.iter().all(|m| m == "fake-bow-256"));
        assert!(state.keys.iter().all(|k| k == "Bearer sk-fake-embeddings"), "{:?}", state.keys);
    }

    async fn qa_pairs_that_cover_the_question_still_come_first(app, fake) {
        let _ = &fake;
        let bot = app.create_chatbot("Hybrid Q&A").await;
        let passage = add_text(&app, &bot, "Shipping", "Shipping abroad costs extra. Shipping abroad takes a week. We ship abroad.").await;
        let qa = app.post("/api/knowledge")
            .json(&json!({"chatbotId": bot, "type": "qa", "source": "Do you ship abroad?", "content": "Yes, to 40 countries."}))
            .send().await.unwrap();
        let qa: Value = qa.json().await.unwrap();
        vectors_ready(&app, &passage).await;
        vectors_ready(&app, qa["id"].as_str().unwrap()).await;
        let hits = search_at(&app, &app.base, &bot, "do you ship abroad").await;
        assert_eq!(hits[0]["type"], "qa", "{hits}");
        assert_eq!(hits[1]["type"], "text", "{hits}");
    }

    async fn unchanged_text_is_never_embedded_twice_and_vectors_go_with_their_chunks(app, fake) {
        let bot = app.create_chatbot("Thrifty").await;
        let first = add_text(&app, &bot, "Refunds", REFUNDS).await;
        vectors_ready(&app, &first).await;
        let embedded = fake.embedded();
        assert_eq!(embedded, 1);
        // The same text in another source takes the stored vector.
        let second = add_text(&app, &bot, "Refunds", REFUNDS).await;
        vectors_ready(&app, &second).await;
        assert_eq!(fake.embedded(), embedded, "the same text was embedded again");

        // A page whose text changed in one section: only that chunk is embedded again.
        let page = Arc::new(Mutex::new(page_html("Refunds take five days.")));
        let site = serve_page(page.clone()).await;
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "url", "source": format!("{site}/help")})).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let source: Value = response.json().await.unwrap();
        let id = source["id"].as_str().unwrap().to_owned();
        assert_eq!(crate::knowledge_crawl::settled(&app, &id).await["status"], "ready");
        let chunks = vectors_ready(&app, &id).await;
        assert!(chunks >= 2, "one chunk per section: {chunks}");
        let before = fake.embedded();
        *page.lock().unwrap() = page_html("Refunds take ten days.");
        let response = app.post(&format!("/api/v2/knowledge/{id}/refresh")).send().await.unwrap();
        assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
        assert_eq!(crate::knowledge_crawl::settled(&app, &id).await["status"], "ready");
        vectors_ready(&app, &id).await;
        assert_eq!(fake.embedded(), before + 1, "only the changed section is embedded again");
        let hits = search_at(&app, &app.base, &bot, "ten days").await;
        assert!(hits.as_array().unwrap().iter().any(|h| h["snippet"].as_str().unwrap().contains("ten days")), "{hits}");

        // Deleting sources and the chatbot deletes their vectors.
        for id in [&first, &id] {
            let response = app.client.delete(app.url(&format!("/api/knowledge/{id}"))).bearer_auth(&app.key).send().await.unwrap();
            assert_eq!(response.status(), 204);
            assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE source_id = $1", id).await, 0);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE chatbot_id = $1", &bot).await, 1);
        let response = app.client.delete(app.url(&format!("/api/chatbots/{bot}"))).bearer_auth(&app.key).send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE chatbot_id = $1", &bot).await, 0);
    }

    async fn a_second_process_answers_from_the_same_vectors_and_forgets_a_deleted_source(app, fake) {
        let _ = &fake;
        let bot = app.create_chatbot("Shared").await;
        let second = app.spawn_sibling().await;
        // Both processes build the chatbot's index before the knowledge exists.
        for base in [&app.base, &second.base] {
            assert_eq!(search_at(&app, base, &bot, "will my money be reimbursed").await, json!([]));
        }
        let refunds = add_text(&app, &bot, "Refunds", REFUNDS).await;
        vectors_ready(&app, &refunds).await;
        for base in [&app.base, &second.base] {
            let hits = search_at(&app, base, &bot, "will my money be reimbursed").await;
            assert_eq!(hits[0]["title"], "Refunds", "{base}: {hits}");
            assert_eq!(found_by(&hits[0]), vec!["vector"], "{base}: {hits}");
        }
        let response = app.client.delete(app.url(&format!("/api/knowledge/{refunds}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE source_id = $1", &refunds).await, 0);
        for base in [&app.base, &second.base] {
            assert_eq!(search_at(&app, base, &bot, "will my money be reimbursed").await, json!([]), "{base}");
        }
    }

    async fn a_failing_embedder_never_loses_the_bm25_path_and_the_vectors_catch_up(app, fake) {
        let bot = app.create_chatbot("Resilient").await;
        // Busy and failing answers are retried within one pass.
        fake.state.lock().unwrap().troubles.extend([Trouble::Busy(20), Trouble::Status(500), Trouble::Status(503)]);
        let first = add_text(&app, &bot, "Refunds", REFUNDS).await;
        vectors_ready(&app, &first).await;

        // Down hard, with malformed answers: the new text is searchable by its words at once.
        fake.state.lock().unwrap().down = Some(Trouble::Malformed);
        let shipping = add_text(&app, &bot, "Shipping", "Parcels ship worldwide with tracked couriers from Rotterdam.").await;
        let hits = search_at(&app, &app.base, &bot, "tracked couriers").await;
        assert_eq!(hits[0]["title"], "Shipping", "{hits}");
        assert_eq!(found_by(&hits[0]), vec!["bm25"], "the question could not be embedded: {hits}");
        for trouble in [Trouble::Short, Trouble::Status(400)] {
            fake.state.lock().unwrap().down = Some(trouble);
            let hits = search_at(&app, &app.base, &bot, "refunds card").await;
            assert_eq!(hits[0]["title"], "Refunds", "{hits}");
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE source_id = $1", &shipping).await, 0);

        // Back up: the pending chunk is embedded on a later pass, and found by meaning again.
        fake.state.lock().unwrap().down = None;
        vectors_ready(&app, &shipping).await;
        let hits = search_at(&app, &app.base, &bot, "will my money be reimbursed").await;
        assert_eq!(hits[0]["title"], "Refunds", "{hits}");
        assert_eq!(found_by(&hits[0]), vec!["vector"], "{hits}");
    }
}

fn page_html(second_section: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Help</title></head><body><main><h1>Help</h1>\
         <h2>Shipping</h2><p>Parcels ship worldwide with tracked couriers from Rotterdam every weekday.</p>\
         <h2>Refunds</h2><p>{second_section}</p></main></body></html>"
    )
}

/// A one-page site on 127.0.0.1 whose page can change.
async fn serve_page(page: Arc<Mutex<String>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/robots.txt", axum::routing::get(|| async { "User-agent: *\nAllow: /\n" })).route(
        "/help",
        axum::routing::get(move || {
            let page = page.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page.lock().unwrap().clone()) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}
