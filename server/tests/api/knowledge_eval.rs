//! Retrieval quality over a real corpus: chapters of the Rust Book (see
//! `server/tests/fixtures/eval/README.md`), learned through the real ingest path, and questions
//! written for it. Fails when recall@5 or MRR drops below a floor set a little under what was
//! measured.

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parlor_server::knowledge::eval::{self, Expected, HitSource, Scores};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::knowledge_hybrid::FakeEmbedder;

/// Hits compared per question (recall@K and MRR within the first K).
const K: usize = 5;
/// Floors a little under the measured figures (see `docs/knowledge.md`, "Retrieval quality").
const BM25_FLOOR: (f64, f64) = (0.93, 0.86);
const HYBRID_FLOOR: (f64, f64) = (0.90, 0.85);

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval")
}

/// The chapters' file names, sorted.
fn chapters() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("html"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".html"))
        .collect();
    names.sort();
    names
}

async fn chapter(Path(name): Path<String>) -> Response {
    match std::fs::read_to_string(fixtures().join("html").join(&name)) {
        Ok(html) if chapters().contains(&name) => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves the chapters on 127.0.0.1 under `/book/`, with a sitemap naming them all.
async fn serve_book() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let urls: String = chapters().iter().map(|name| format!("<url><loc>{base}/book/{name}</loc></url>")).collect();
    let sitemap =
        format!("<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>");
    let app = Router::new()
        .route("/robots.txt", axum::routing::get(|| async { "User-agent: *\nAllow: /\n" }))
        .route(
            "/sitemap.xml",
            axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "application/xml")], sitemap) }),
        )
        .route("/book/{name}", axum::routing::get(chapter));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn configure(config: &mut parlor_server::Config) {
    crate::knowledge_crawl::local_site_allowed(config);
    config.knowledge_upload_limit = "100/5m".to_owned();
    config.knowledge_scrape_limit = "100/5m".to_owned();
}

/// Learns the whole set for a new chatbot through the API: a crawl of the sitemap and two
/// uploads. Returns the chatbot's id.
async fn learn(app: &TestApp) -> String {
    let bot = app.create_chatbot("Rust Book").await;
    let site = serve_book().await;
    let response = app
        .post("/api/knowledge/scrape")
        .json(&json!({"chatbotId": bot, "url": format!("{site}/sitemap.xml"), "maxPages": 50}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    let source: Value = response.json().await.unwrap();
    let crawl = crate::knowledge_crawl::settled(app, source["id"].as_str().unwrap()).await;
    assert_eq!(crawl["status"], "ready", "{crawl}");
    assert_eq!(crawl["progress"]["pages_done"], chapters().len(), "{crawl}");
    for (name, mime) in [
        ("interior-mutability-and-shared-state.pdf", "application/pdf"),
        ("cargo-workspaces.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ] {
        let bytes = std::fs::read(fixtures().join(name)).unwrap();
        let response = crate::knowledge_upload::upload(app, &bot, name, mime, bytes).await;
        assert_eq!(response.status(), 201, "{name}: {}", response.text().await.unwrap());
    }
    bot
}

/// Asks every question and scores the answers; prints each question that missed.
async fn evaluate(app: &TestApp, bot: &str, label: &str) -> Scores {
    let questions: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("questions.json")).unwrap()).unwrap();
    let mut results: Vec<(Expected, Vec<HitSource>)> = Vec::new();
    for question in &questions {
        let text = question["question"].as_str().unwrap();
        let response = app
            .post(&format!("/api/v2/chatbots/{bot}/knowledge/search"))
            .json(&json!({"query": text, "limit": K}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let hits: Vec<Value> = response.json().await.unwrap();
        let hits: Vec<HitSource> = hits
            .iter()
            .map(|hit| HitSource {
                source: hit["file_name"].as_str().or(hit["source_url"].as_str()).unwrap_or_default().to_owned(),
                page: hit["page"].as_u64().and_then(|p| u32::try_from(p).ok()),
            })
            .collect();
        let expected = Expected {
            source: question["source"].as_str().unwrap().to_owned(),
            page: question["page"].as_u64().and_then(|p| u32::try_from(p).ok()),
        };
        if eval::first_match(&expected, &hits, K).is_none() {
            let got: Vec<String> = hits
                .iter()
                .map(|h| {
                    format!(
                        "{}{}",
                        h.source.rsplit('/').next().unwrap_or(""),
                        h.page.map(|p| format!("#{p}")).unwrap_or_default()
                    )
                })
                .collect();
            eprintln!("{label} missed: {text} (wants {}{:?}) got {got:?}", expected.source, expected.page);
        }
        results.push((expected, hits));
    }
    let scores = eval::score(results.iter().map(|(e, h)| (e, &h[..])), K);
    eprintln!(
        "{label}: {} questions, recall@{K} = {:.3}, MRR = {:.3}",
        scores.questions, scores.recall_at_k, scores.mrr
    );
    scores
}

async fn bm25_scores_stay_above_their_floor(backend: Backend) {
    let Some(app) = spawn_app_with(backend, configure).await else { return };
    let bot = learn(&app).await;
    let scores = evaluate(&app, &bot, "bm25").await;
    assert!(scores.questions >= 40);
    assert!(scores.recall_at_k >= BM25_FLOOR.0, "recall@{K} fell to {:.3}", scores.recall_at_k);
    assert!(scores.mrr >= BM25_FLOOR.1, "MRR fell to {:.3}", scores.mrr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bm25_retrieval_over_the_rust_book_finds_the_answers_above_its_floor_on_sqlite() {
    bm25_scores_stay_above_their_floor(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bm25_retrieval_over_the_rust_book_finds_the_answers_above_its_floor_on_postgres() {
    bm25_scores_stay_above_their_floor(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_retrieval_with_the_fake_embedder_stays_above_its_floor() {
    let fake = FakeEmbedder::start().await;
    let app = spawn_app_with(Backend::Sqlite, |config| {
        configure(config);
        fake.configure(config);
    })
    .await
    .unwrap();
    let bot = learn(&app).await;
    for _ in 0..300 {
        let chunks = app.count("SELECT COUNT(*) FROM knowledge_entries WHERE chatbot_id = $1", &bot).await;
        let vectors = app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE chatbot_id = $1", &bot).await;
        if chunks == vectors {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let scores = evaluate(&app, &bot, "hybrid").await;
    assert!(scores.recall_at_k >= HYBRID_FLOOR.0, "recall@{K} fell to {:.3}", scores.recall_at_k);
    assert!(scores.mrr >= HYBRID_FLOOR.1, "MRR fell to {:.3}", scores.mrr);
}
