//! Retrieval and answer quality over two real corpora (see `server/tests/fixtures/eval/README.md`):
//! chapters of the Rust Book, crawled from a local site through its sitemap, and the policy and
//! product documents of a fictional company, uploaded as PDF and DOCX files. Each is learned
//! through the real ingest path by its own chatbot, and questions written for it are searched
//! (recall@5, MRR) and asked in the API chat, answered by the built-in responder (the share of
//! answers that hold the question's fact and cite its source; questions with no answer in the
//! knowledge should be declined). Fails when a figure drops below a floor set a little under
//! what was measured.

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parlor_server::knowledge::eval::{self, AnswerScores, Answered, Expected, HitSource, Scores};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::knowledge_hybrid::FakeEmbedder;

/// Hits compared per question (recall@K and MRR within the first K).
const K: usize = 5;
/// Floors a little under the measured figures (see `docs/knowledge.md`, "Retrieval quality"):
/// recall@5 and MRR of each corpus with BM25, and with the fake embedder over the book.
const BOOK_FLOOR: (f64, f64) = (0.93, 0.86);
const POLICIES_FLOOR: (f64, f64) = (0.97, 0.90);
const HYBRID_FLOOR: (f64, f64) = (0.90, 0.85);
/// Floors of the answers over both corpora together: the share that hold their fact and cite
/// its source, the share of answerable questions answered, the share of unanswerable ones
/// declined.
const FACT_FLOOR: f64 = 0.48;
const ANSWERED_FLOOR: f64 = 0.90;
const DECLINED_FLOOR: f64 = 0.90;

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

const PDF: &str = "application/pdf";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn mime_of(name: &str) -> &'static str {
    if name.ends_with(".pdf") { PDF } else { DOCX }
}

async fn upload_all(app: &TestApp, bot: &str, folder: &std::path::Path, names: &[&str]) {
    for name in names {
        let bytes = std::fs::read(folder.join(name)).unwrap();
        let response = crate::knowledge_upload::upload(app, bot, name, mime_of(name), bytes).await;
        assert_eq!(response.status(), 201, "{name}: {}", response.text().await.unwrap());
    }
}

/// Learns the Rust Book for a new chatbot through the API: a crawl of the sitemap and two
/// uploads. Returns the chatbot's id.
async fn learn_book(app: &TestApp) -> String {
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
    upload_all(app, &bot, &fixtures(), &["interior-mutability-and-shared-state.pdf", "cargo-workspaces.docx"]).await;
    bot
}

/// Learns the Halden Air documents for a new chatbot through uploads. Returns its id.
async fn learn_policies(app: &TestApp) -> String {
    let bot = app.create_chatbot("Halden Air").await;
    let folder = fixtures().join("policies");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".pdf") || name.ends_with(".docx"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    upload_all(app, &bot, &folder, &names.iter().map(String::as_str).collect::<Vec<_>>()).await;
    bot
}

/// A question of an evaluation set: where its answer is and the fact the answer must hold, or
/// neither when the knowledge has no answer to it.
struct Question {
    text: String,
    expected: Option<Expected>,
    fact: Vec<String>,
}

fn questions(file: &str) -> Vec<Question> {
    let all: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(fixtures().join(file)).unwrap()).unwrap();
    all.iter()
        .map(|q| Question {
            text: q["question"].as_str().unwrap().to_owned(),
            expected: q["source"].as_str().map(|source| Expected {
                source: source.to_owned(),
                page: q["page"].as_u64().and_then(|p| u32::try_from(p).ok()),
            }),
            fact: q["fact"].as_array().into_iter().flatten().map(|f| f.as_str().unwrap().to_owned()).collect(),
        })
        .collect()
}

fn hit_source(hit: &Value) -> HitSource {
    HitSource {
        source: hit["file_name"].as_str().or(hit["source_url"].as_str()).unwrap_or_default().to_owned(),
        page: hit["page"].as_u64().and_then(|p| u32::try_from(p).ok()),
    }
}

fn short(hit: &HitSource) -> String {
    format!("{}{}", hit.source.rsplit('/').next().unwrap_or(""), hit.page.map(|p| format!("#{p}")).unwrap_or_default())
}

/// Searches every answerable question and scores the hits; prints each question that missed.
async fn evaluate_retrieval(app: &TestApp, bot: &str, questions: &[Question], label: &str) -> Scores {
    let mut results: Vec<(Expected, Vec<HitSource>)> = Vec::new();
    for question in questions {
        let Some(expected) = &question.expected else { continue };
        let response = app
            .post(&format!("/api/v2/chatbots/{bot}/knowledge/search"))
            .json(&json!({"query": question.text, "limit": K}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let hits: Vec<Value> = response.json().await.unwrap();
        let hits: Vec<HitSource> = hits.iter().map(hit_source).collect();
        if eval::first_match(expected, &hits, K).is_none() {
            let got: Vec<String> = hits.iter().map(short).collect();
            eprintln!("{label} missed: {} (wants {}{:?}) got {got:?}", question.text, expected.source, expected.page);
        }
        results.push((expected.clone(), hits));
    }
    eval::score(results.iter().map(|(e, h)| (e, &h[..])), K)
}

/// Asks every question in the API chat and judges the answers; prints each that fell short.
async fn evaluate_answers(app: &TestApp, bot: &str, questions: &[Question], label: &str) -> Vec<Answered> {
    let mut answers = Vec::new();
    for question in questions {
        let response = app
            .post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": question.text, "stream": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        let body: Value = response.json().await.unwrap();
        let text = body["message"]["content"].as_str().unwrap();
        let cited: Vec<HitSource> = body["citations"].as_array().unwrap().iter().map(hit_source).collect();
        let answered = Answered {
            answerable: question.expected.is_some(),
            holds_fact: eval::holds_fact(text, &question.fact),
            cites_source: question.expected.as_ref().is_some_and(|e| cited.iter().any(|c| e.matches(c))),
            declined: cited.is_empty(),
        };
        let fine = if answered.answerable { answered.holds_fact && answered.cites_source } else { answered.declined };
        if !fine {
            let cited: Vec<String> = cited.iter().map(short).collect();
            let wants =
                question.expected.as_ref().map(|e| short(&HitSource { source: e.source.clone(), page: e.page }));
            eprintln!(
                "{label} answer short of {:?} in {wants:?}: {} cited {cited:?}\n  {}",
                question.fact,
                question.text,
                text.replace('\n', " ")
            );
        }
        answers.push(answered);
    }
    answers
}

/// One corpus's figures, as a row of the printed table.
fn row(label: &str, retrieval: &Scores, answers: &AnswerScores) -> String {
    format!(
        "{label:<10} {:>4} {:>9.3} {:>6.3} {:>11.3} {:>9.3} {:>4} {:>9.3}",
        retrieval.questions,
        retrieval.recall_at_k,
        retrieval.mrr,
        answers.fact_share,
        answers.answered_share,
        answers.unanswerable,
        answers.declined_share
    )
}

async fn answers_stay_above_their_floors(backend: Backend) {
    let Some(app) = spawn_app_with(backend, configure).await else { return };
    let started = std::time::Instant::now();
    let (book, policies) = (learn_book(&app).await, learn_policies(&app).await);
    let learned = started.elapsed();
    let mut rows = Vec::new();
    let mut all_answers = Vec::new();
    for (label, bot, file, floor) in [
        ("book", &book, "questions.json", BOOK_FLOOR),
        ("policies", &policies, "policies/questions.json", POLICIES_FLOOR),
    ] {
        dump(&app, bot, file, label).await;
        let questions = questions(file);
        let retrieval = evaluate_retrieval(&app, bot, &questions, label).await;
        let answers = evaluate_answers(&app, bot, &questions, label).await;
        rows.push(row(label, &retrieval, &eval::score_answers(&answers)));
        all_answers.extend(answers);
        assert!(retrieval.recall_at_k >= floor.0, "{label}: recall@{K} fell to {:.3}", retrieval.recall_at_k);
        assert!(retrieval.mrr >= floor.1, "{label}: MRR fell to {:.3}", retrieval.mrr);
    }
    let total = eval::score_answers(&all_answers);
    eprintln!(
        "\n{:<10} {:>4} {:>9} {:>6} {:>11} {:>9} {:>4} {:>9}\n{}\n{:<10} {:>4} {:>9} {:>6} {:>11.3} {:>9.3} {:>4} {:>9.3}\n\
         learned in {:.1} s, evaluated in {:.1} s\n",
        "corpus",
        "n",
        "recall@5",
        "MRR",
        "fact+cited",
        "answered",
        "none",
        "declined",
        rows.join("\n"),
        "total",
        total.answerable,
        "",
        "",
        total.fact_share,
        total.answered_share,
        total.unanswerable,
        total.declined_share,
        learned.as_secs_f64(),
        (started.elapsed() - learned).as_secs_f64(),
    );
    assert!(total.answerable >= 100 && total.unanswerable >= 10, "{total:?}");
    assert!(total.fact_share >= FACT_FLOOR, "the share of answers with their fact fell to {:.3}", total.fact_share);
    assert!(total.answered_share >= ANSWERED_FLOOR, "the share answered fell to {:.3}", total.answered_share);
    assert!(total.declined_share >= DECLINED_FLOOR, "the share declined fell to {:.3}", total.declined_share);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builtin_responder_answers_with_the_fact_and_its_source_above_the_floors_on_sqlite() {
    answers_stay_above_their_floors(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builtin_responder_answers_with_the_fact_and_its_source_above_the_floors_on_postgres() {
    answers_stay_above_their_floors(Backend::Postgres).await;
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
    let bot = learn_book(&app).await;
    for _ in 0..300 {
        let chunks = app.count("SELECT COUNT(*) FROM knowledge_entries WHERE chatbot_id = $1", &bot).await;
        let vectors = app.count("SELECT COUNT(*) FROM knowledge_vectors WHERE chatbot_id = $1", &bot).await;
        if chunks == vectors {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let scores = evaluate_retrieval(&app, &bot, &questions("questions.json"), "hybrid").await;
    eprintln!(
        "hybrid: {} questions, recall@{K} = {:.3}, MRR = {:.3}",
        scores.questions, scores.recall_at_k, scores.mrr
    );
    assert!(scores.recall_at_k >= HYBRID_FLOOR.0, "recall@{K} fell to {:.3}", scores.recall_at_k);
    assert!(scores.mrr >= HYBRID_FLOOR.1, "MRR fell to {:.3}", scores.mrr);
}

/// A chunk as dumped: its id, title, text, file name, URL and page.
type DumpedChunk = (String, String, String, Option<String>, Option<String>, Option<i64>);

/// With `PARLOR_EVAL_DUMP` set to a folder, writes a corpus's chunks and each question's first
/// search hits there as `<label>.json`, to study the answers outside the test.
async fn dump(app: &TestApp, bot: &str, file: &str, label: &str) {
    let Ok(folder) = std::env::var("PARLOR_EVAL_DUMP") else { return };
    let rows: Vec<DumpedChunk> = sqlx::query_as(
        "SELECT e.id, e.title, e.content, s.file_name, e.source_url, e.page
         FROM knowledge_entries e LEFT JOIN knowledge_sources s ON s.id = e.source_id WHERE e.chatbot_id = $1",
    )
    .bind(bot)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|(id, title, content, file_name, source_url, page)| {
            json!({"id": id, "title": title, "content": content, "file_name": file_name, "source_url": source_url, "page": page})
        })
        .collect();
    let mut questions: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join(file)).unwrap()).unwrap();
    for question in &mut questions {
        let hits: Vec<Value> = app
            .post(&format!("/api/v2/chatbots/{bot}/knowledge/search"))
            .json(&json!({"query": question["question"], "limit": K}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        question["hits"] = hits.iter().map(|hit| hit["entry_id"].clone()).collect();
    }
    let out = json!({"entries": entries, "questions": questions});
    std::fs::write(PathBuf::from(folder).join(format!("{label}.json")), out.to_string()).unwrap();
}
