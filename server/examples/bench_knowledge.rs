//! Knowledge benchmark: how fast text is learned and how fast it is searched.
//!
//! 1. **Ingest**: the Rust Book chapters of the evaluation set (`tests/fixtures/eval/html`),
//!    extracted, chunked, stored and indexed in-process, as MB of extracted text per second;
//!    then the same pages through the isolated extract worker (the path of uploads and crawls).
//! 2. **Crawl**: a local site on 127.0.0.1 with `BENCH_PAGES` pages (the chapters under many
//!    URLs) learned through the real crawler from its sitemap, with the test allowlist and no
//!    politeness delay, as pages per second.
//! 3. **Retrieval**: `BENCH_CHUNKS` chunks (100,000) of book sentences in one chatbot, and the
//!    latency of `Knowledge::search` in-process (p50, p99) for BM25 alone and for hybrid
//!    retrieval. The hybrid run uses vectors precomputed and stored in the database
//!    (`BENCH_DIMS` floats each) and an in-process embedder for the question, so the time of a
//!    real embeddings API (typically 20 to 200 ms) is not counted.
//!
//! Run (the extract worker is the `parlor` binary next to the example):
//! `cargo build --release --locked -p parlor-server --bin parlor &&
//!  cargo run --release --locked -p parlor-server --example bench_knowledge`
//! (`BENCH_CHUNKS`, `BENCH_DIMS`, `BENCH_PAGES`, `BENCH_SAMPLES`; `DATABASE_URL` for PostgreSQL).

#![expect(clippy::print_stdout, reason = "a benchmark prints its report")]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

mod bench;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::http::header;
use bench::{Bench, env_number, ms, percentile};
use parlor_server::chatbots;
use parlor_server::ids::{new_id, now_ms};
use parlor_server::ingest::{self, Format};
use parlor_server::knowledge::documents::{self, Prepared};
use parlor_server::knowledge::embed::{EmbedError, Embedder};
use parlor_server::knowledge::{Knowledge, vectors};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval/html")
}

/// The chapters' HTML, by file name.
fn chapters() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// A hashed bag of words of `dims` floats: deterministic and instant, standing in for a model.
struct HashEmbedder {
    dims: usize,
}

fn hash_embedding(text: &str, dims: usize) -> Vec<f32> {
    let mut vector = vec![0.0f32; dims];
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2) {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in word.to_lowercase().bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        vector[(hash % dims as u64) as usize] += 1.0;
        // A second, signed bucket spreads the words over the dimensions like a dense model.
        let other = ((hash >> 32) % dims as u64) as usize;
        vector[other] += if hash & 1 == 0 { 0.5 } else { -0.5 };
    }
    vector
}

#[async_trait::async_trait]
impl Embedder for HashEmbedder {
    fn model(&self) -> &str {
        "bench-hash"
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts.iter().map(|t| hash_embedding(t, self.dims)).collect())
    }
}

#[tokio::main]
async fn main() {
    let worker = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("parlor");
    assert!(worker.exists(), "build the extract worker first: cargo build --release -p parlor-server --bin parlor");
    let bench = Bench::start(|config| {
        config.outbound_allow = "127.0.0.1/32".to_owned();
        config.crawl_delay_ms = 0;
        config.knowledge_scrape_limit = "1000/5m".to_owned();
        config.extract_worker = Some(worker.clone());
    })
    .await;
    let (db, workspace) = (bench.db.clone(), bench.workspace.clone());
    let new_bot = |name: &str| chatbots::NewChatbot::parse(name, None, None).unwrap();
    let pages = chapters();
    let html_bytes: usize = pages.iter().map(|(_, html)| html.len()).sum();
    println!("knowledge benchmark on {}", bench.storage());

    // 1. Ingest in-process: extract + chunk + store + index.
    let bot = chatbots::create_chatbot(&db, &workspace, new_bot("Ingest")).await.unwrap().id;
    let index = Knowledge::new(db.clone(), None);
    let limits = ingest::Limits::default();
    let rounds = 4;
    let started = Instant::now();
    let mut text_bytes = 0i64;
    let mut chunks = 0usize;
    for round in 0..rounds {
        for (name, html) in &pages {
            // Each round's pages differ by a line, so the content hash does not skip them.
            let html = html.replace("<main>", &format!("<main><p>Round {round}.</p>"));
            let doc = ingest::extract(Format::Html, html.as_bytes(), Some("https://book.example/"), &limits).unwrap();
            let prepared = Prepared::new(&doc, name).unwrap();
            text_bytes += prepared.byte_count();
            chunks += prepared.chunks.len();
            documents::create_document(&db, &workspace, &bot, name, &prepared).await.unwrap();
        }
    }
    index.search(&bot, "ownership borrowing", 5).await.unwrap();
    let elapsed = started.elapsed();
    println!(
        "ingest in-process: {} pages, {:.1} MB of HTML, {:.2} MB of text, {chunks} chunks in {}: {:.2} MB/s of text, {:.0} pages/s",
        pages.len() * rounds,
        (html_bytes * rounds) as f64 / 1e6,
        text_bytes as f64 / 1e6,
        ms(elapsed),
        text_bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        (pages.len() * rounds) as f64 / elapsed.as_secs_f64(),
    );
    let limits = ingest::Limits { worker: Some(worker.clone()), ..ingest::Limits::default() };
    let started = Instant::now();
    let mut isolated_text = 0i64;
    for (name, html) in &pages {
        let html = html.replace("<main>", "<main><p>Isolated.</p>");
        let doc = ingest::extract_isolated(Format::Html, html.into_bytes(), None, &limits).await.unwrap();
        let prepared = Prepared::new(&doc, name).unwrap();
        isolated_text += prepared.byte_count();
        documents::create_document(&db, &workspace, &bot, name, &prepared).await.unwrap();
    }
    index.search(&bot, "ownership borrowing", 5).await.unwrap();
    let elapsed = started.elapsed();
    println!(
        "ingest through the extract worker: {} pages in {}: {:.2} MB/s of text, {:.0} pages/s",
        pages.len(),
        ms(elapsed),
        isolated_text as f64 / 1e6 / elapsed.as_secs_f64(),
        pages.len() as f64 / elapsed.as_secs_f64(),
    );

    // 2. Crawl a local site through the real crawler.
    let site_pages = env_number("BENCH_PAGES", 200) as usize;
    let site = serve_site(Arc::new(pages.iter().map(|(_, html)| html.clone()).collect()), site_pages).await;
    let bot = chatbots::create_chatbot(&db, &workspace, new_bot("Crawl")).await.unwrap().id;
    let client = reqwest::Client::new();
    let started = Instant::now();
    let source: serde_json::Value = client
        .post(format!("{}/api/knowledge/scrape", bench.base))
        .bearer_auth(&bench.key)
        .json(&serde_json::json!({"chatbotId": bot, "url": format!("{site}/sitemap.xml"), "maxPages": site_pages}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = source["id"].as_str().unwrap().to_owned();
    let crawled = loop {
        let source: serde_json::Value = client
            .get(format!("{}/api/v2/knowledge/{id}", bench.base))
            .bearer_auth(&bench.key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if source["status"] != "processing" {
            break source;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let elapsed = started.elapsed();
    let done = crawled["progress"]["pages_done"].as_u64().unwrap_or(0);
    println!(
        "crawl of a local sitemap: {done} pages ({}) in {}: {:.1} pages/s, {:.2} MB/s of text",
        crawled["status"],
        ms(elapsed),
        done as f64 / elapsed.as_secs_f64(),
        crawled["progress"]["bytes"].as_f64().unwrap_or(0.0) / 1e6 / elapsed.as_secs_f64(),
    );

    // 3. Retrieval over many chunks.
    let total = env_number("BENCH_CHUNKS", 100_000) as usize;
    let dims = env_number("BENCH_DIMS", 384) as usize;
    let bot = chatbots::create_chatbot(&db, &workspace, new_bot("Retrieval")).await.unwrap().id;
    let sentences = sentences(&pages);
    let started = Instant::now();
    store_chunks(&db, &bot, &sentences, total, dims).await;
    println!("stored {total} chunks with {dims}-float vectors in {}", ms(started.elapsed()));
    let queries = [
        "how do I borrow a value mutably",
        "ownership rules move semantics",
        "hash map entry or insert",
        "threads channel send receive",
        "lifetime annotations on structs",
        "trait objects dynamic dispatch",
        "integer overflow wrapping",
        "closures capture environment",
        "cargo publish documentation comments",
        "pattern matching enums option",
    ];
    let samples = env_number("BENCH_SAMPLES", 1000) as usize;
    let bm25 = Knowledge::new(db.clone(), None);
    let hybrid = Knowledge::new(db.clone(), Some(Arc::new(HashEmbedder { dims })));
    for (label, knowledge) in [("BM25", &bm25), ("hybrid (BM25 + vectors, RRF)", &hybrid)] {
        let started = Instant::now();
        knowledge.search(&bot, "warm up", 5).await.unwrap();
        let build = started.elapsed();
        let mut latencies = Vec::with_capacity(samples);
        for i in 0..samples {
            let started = Instant::now();
            let hits = knowledge.search(&bot, queries[i % queries.len()], 5).await.unwrap();
            latencies.push(started.elapsed());
            assert!(!hits.is_empty());
        }
        latencies.sort();
        println!(
            "{label} over {total} chunks: first search (builds the index) {}, {samples} searches p50 {}, p99 {}",
            ms(build),
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.99)),
        );
    }
    bench.stop().await;
}

/// The sentences of the chapters' text, for building many chunks.
fn sentences(pages: &[(String, String)]) -> Vec<String> {
    let limits = ingest::Limits::default();
    let mut out = Vec::new();
    for (_, html) in pages {
        let doc = ingest::extract(Format::Html, html.as_bytes(), None, &limits).unwrap();
        for block in &doc.blocks {
            out.extend(block.text.split(". ").filter(|s| s.split_whitespace().count() >= 6).map(str::to_owned));
        }
    }
    out
}

/// Writes `total` chunks of about 80 words (six sentences each, drawn in turn from the book)
/// with their vectors, 100 chunks per source, straight into the database.
async fn store_chunks(db: &parlor_server::db::Db, bot: &str, sentences: &[String], total: usize, dims: usize) {
    let now = now_ms();
    let mut tx = db.begin().await.unwrap();
    let mut source = String::new();
    for i in 0..total {
        if i % 100 == 0 {
            source = new_id("src");
            sqlx::query(
                "INSERT INTO knowledge_sources (id, chatbot_id, kind, title, status, chunk_count, byte_count, created_at, updated_at)
                 VALUES ($1, $2, 'text', $3, 'ready', 100, 0, $4, $4)",
            )
            .bind(&source)
            .bind(bot)
            .bind(format!("Source {}", i / 100))
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        let content: Vec<&str> = (0..6).map(|k| sentences[(i * 7 + k * 13) % sentences.len()].as_str()).collect();
        let content = content.join(". ");
        let title = format!("Section {i}");
        let id = new_id("kn");
        sqlx::query(
            "INSERT INTO knowledge_entries (id, chatbot_id, kind, title, content, created_at, source_id)
             VALUES ($1, $2, 'text', $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(bot)
        .bind(&title)
        .bind(&content)
        .bind(now)
        .bind(&source)
        .execute(&mut *tx)
        .await
        .unwrap();
        let text = vectors::embedded_text(&title, None, &content);
        sqlx::query(
            "INSERT INTO knowledge_vectors (entry_id, chatbot_id, source_id, model, dims, content_hash, vector, created_at)
             VALUES ($1, $2, $3, 'bench-hash', $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(bot)
        .bind(&source)
        .bind(dims as i64)
        .bind(vectors::text_hash("bench-hash", &text))
        .bind(vectors::encode(&hash_embedding(&text, dims)))
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        if i % 5000 == 4999 {
            tx.commit().await.unwrap();
            tx = db.begin().await.unwrap();
        }
    }
    tx.commit().await.unwrap();
}

/// A site on 127.0.0.1 with `count` pages (the chapters in turn, each page's title numbered)
/// and a sitemap naming them.
async fn serve_site(chapters: Arc<Vec<String>>, count: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let urls: String = (0..count).map(|i| format!("<url><loc>{base}/p/{i}</loc></url>")).collect();
    let sitemap =
        format!("<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>");
    let app = axum::Router::new()
        .route("/robots.txt", axum::routing::get(|| async { "User-agent: *\nAllow: /\n" }))
        .route(
            "/sitemap.xml",
            axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "application/xml")], sitemap) }),
        )
        .route(
            "/p/{n}",
            axum::routing::get(move |Path(n): Path<usize>| {
                let chapters = chapters.clone();
                async move {
                    let html = chapters[n % chapters.len()].replace("<main>", &format!("<main><p>Page {n}.</p>"));
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html)
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}
