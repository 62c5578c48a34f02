//! Learning from the web: pages, crawls and sitemaps served by a local test site, robots.txt,
//! caps, the SSRF guard, failures, leases, events, rate limits and deletion across processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

/// A small website on 127.0.0.1 that counts the requests for each path.
pub struct Site {
    pub base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Site {
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{title}</title></head><body>\
         <nav><a href=\"/\">Home</a></nav><main><h1>{title}</h1>{body}</main><footer>© Test site</footer></body></html>"
    )
}

async fn serve(State(hits): State<Arc<Mutex<HashMap<String, usize>>>>, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let html = |body: String| ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    match path.as_str() {
        "/robots.txt" => "User-agent: *\nDisallow: /private\n".into_response(),
        "/" => html(page(
            "Acme help centre",
            "<p>Welcome to the Acme help centre.</p>\
             <p><a href=\"/refunds\">Refunds</a> <a href=\"/shipping#top\">Shipping</a> \
             <a href=\"/private/payroll\">Payroll</a> <a href=\"https://elsewhere.example/\">Elsewhere</a> \
             <a href=\"/logo.png\">Logo</a> <a href=\"/refunds?utm_source=home#x\">Refunds again</a></p>",
        )),
        "/refunds" => html(page(
            "Refunds",
            "<p>Refunds are paid to the original card within five business days of the parcel arriving.</p>\
             <p><a href=\"/refunds/exceptions\">Exceptions</a></p>",
        )),
        "/refunds/exceptions" => html(page("Refund exceptions", "<p>Gift cards are never refunded in cash.</p>")),
        "/shipping" => html(page("Shipping", "<p>Parcels ship worldwide with tracked couriers from Rotterdam.</p>")),
        "/private/payroll" => html(page("Payroll", "<p>Salaries are confidential.</p>")),
        // Pages in legacy charsets: one declared by the header, one by a meta tag only.
        "/latin1" => {
            let html = page("Desserts", "<p>Crème brûlée at the café is served warm.</p>");
            let (body, _, _) = encoding_rs::WINDOWS_1252.encode(&html);
            ([(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")], body.into_owned()).into_response()
        }
        "/shift-jis" => {
            let html = "<!doctype html><html><head><meta charset=\"Shift_JIS\"><title>返品について</title></head>\
                        <body><main><h1>返品について</h1><p>返品は三十日以内にお受けします。</p></main></body></html>";
            let (body, _, _) = encoding_rs::SHIFT_JIS.encode(html);
            ([(header::CONTENT_TYPE, "text/html")], body.into_owned()).into_response()
        }
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Starts the test site; sitemaps name their pages with the site's absolute address.
pub async fn start_site() -> Site {
    let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let pages_sitemap = format!(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <url><loc>{base}/shipping</loc></url><url><loc>{base}/refunds/exceptions</loc></url>\
         <url><loc>{base}/private/payroll</loc></url><url><loc>https://elsewhere.example/x</loc></url></urlset>"
    );
    let index = format!(
        "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap></sitemapindex>"
    );
    let legacy_sitemap = format!(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <url><loc>{base}/latin1</loc></url><url><loc>{base}/shift-jis</loc></url></urlset>"
    );
    let app = Router::new()
        .route(
            "/sitemap-legacy.xml.gz",
            axum::routing::get(move || async move {
                ([(header::CONTENT_TYPE, "application/x-gzip")], gzip(legacy_sitemap.as_bytes())).into_response()
            }),
        )
        .route(
            "/sitemap-bomb.xml.gz",
            axum::routing::get(|| async {
                // 60 MB of zeros, about 60 KB on the wire.
                ([(header::CONTENT_TYPE, "application/gzip")], gzip(&vec![0u8; 60 * 1024 * 1024])).into_response()
            }),
        )
        .route(
            "/sitemap-pages.xml",
            axum::routing::get({
                let hits = hits.clone();
                move || async move {
                    *hits.lock().unwrap().entry("/sitemap-pages.xml".into()).or_default() += 1;
                    ([(header::CONTENT_TYPE, "application/xml")], pages_sitemap).into_response()
                }
            }),
        )
        .route(
            "/sitemap.xml",
            axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "text/xml")], index).into_response() }),
        )
        .fallback(serve)
        .with_state(hits.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Site { base, hits }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The test configuration: the local site is reachable, crawling is quick.
pub fn local_site_allowed(config: &mut parlor_server::Config) {
    crate::knowledge_upload::extract_worker(config);
    config.outbound_allow = "127.0.0.1/32".to_owned();
    config.crawl_delay_ms = 0;
}

/// Polls a source until it is no longer processing, and returns it.
pub async fn settled(app: &TestApp, id: &str) -> Value {
    for _ in 0..300 {
        let source: Value = app.get(&format!("/api/v2/knowledge/{id}")).send().await.unwrap().json().await.unwrap();
        if source["status"] != "processing" {
            return source;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("source {id} is still processing after 15 seconds");
}

pub async fn search(app: &TestApp, base: &str, bot: &str, query: &str) -> Value {
    app.client
        .post(format!("{base}/api/v2/chatbots/{bot}/knowledge/search"))
        .bearer_auth(&app.key)
        .json(&json!({"query": query, "limit": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn scrape(app: &TestApp, body: Value) -> reqwest::Response {
    app.post("/api/knowledge/scrape").json(&body).send().await.unwrap()
}

async fn chunk_ids(app: &TestApp, source_id: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM knowledge_entries WHERE source_id = $1 ORDER BY id")
        .bind(source_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

/// Adds a webhook endpoint (on the test site), since the outbox records events only for a
/// workspace that has one.
async fn subscribe(app: &TestApp, site: &Site) {
    let response = app
        .post("/api/v2/webhooks")
        .json(&json!({"url": format!("{}/hook", site.base), "events": ["knowledge.source.ready", "knowledge.source.failed"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

async fn events(app: &TestApp, event_type: &str) -> Vec<Value> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT data FROM webhook_events WHERE event_type = $1 ORDER BY created_at")
            .bind(event_type)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    rows.iter().map(|data| serde_json::from_str(data).unwrap()).collect()
}

on_both_backends! {
    configured by local_site_allowed;

    async fn a_crawl_follows_same_site_links_within_depth_and_honours_robots_txt(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Crawler").await;
        subscribe(&app, &site).await;
        let response = scrape(&app, json!({"chatbotId": bot, "url": format!("{}/", site.base), "maxDepth": 1})).await;
        assert_eq!(response.status(), 202);
        let source: Value = response.json().await.unwrap();
        assert_eq!(source["status"], "processing");
        assert_eq!(source["type"], "scrape");
        let source = settled(&app, source["id"].as_str().unwrap()).await;
        assert_eq!(source["status"], "ready", "{source}");
        // Home, refunds and shipping; not the page robots.txt forbids, nor the depth-2 page.
        assert_eq!(site.hits("/private/payroll"), 0);
        assert_eq!(site.hits("/refunds/exceptions"), 0);
        assert_eq!(site.hits("/refunds"), 1, "a URL reached twice (fragment, query aside) is fetched once");
        assert_eq!(site.hits("/logo.png"), 0);
        let pages: Value = app.get(&format!("/api/v2/knowledge/{}/pages", source["id"].as_str().unwrap())).send().await.unwrap().json().await.unwrap();
        let urls: Vec<String> = pages["data"].as_array().unwrap().iter().map(|p| p["source_url"].as_str().unwrap().to_owned()).collect();
        assert!(urls.contains(&format!("{}/refunds", site.base)), "{urls:?}");
        assert!(urls.contains(&format!("{}/shipping", site.base)), "{urls:?}");
        assert!(!urls.iter().any(|u| u.contains("private")));
        assert!(source["progress"]["pages_done"].as_i64().unwrap() >= 3, "{source}");
        assert!(source["progress"]["bytes"].as_i64().unwrap() > 0);
        assert!(source["chunk_count"].as_i64().unwrap() >= 3);

        let hits = search(&app, &app.base, &bot, "when are refunds paid").await;
        assert_eq!(hits[0]["source_url"], format!("{}/refunds", site.base), "{hits}");
        assert!(hits[0]["snippet"].as_str().unwrap().contains("original card"));
        let answer: Value = app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": "When are refunds paid?", "stream": false})).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["citations"][0]["source_url"], format!("{}/refunds", site.base), "{answer}");
        assert!(answer["citations"][0]["title"].as_str().unwrap().contains("Refunds"));
        assert!(answer["message"]["content"].as_str().unwrap().contains("original card"), "{answer}");

        let ready = events(&app, "knowledge.source.ready").await;
        assert_eq!(ready.len(), 1, "one event for the crawl, not one per page: {ready:?}");
        assert_eq!(ready[0]["sourceId"], source["id"]);
    }

    async fn a_page_cap_stops_a_crawl(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Capped").await;
        let source: Value = scrape(&app, json!({"chatbotId": bot, "url": format!("{}/", site.base), "maxPages": 2, "maxDepth": 3})).await.json().await.unwrap();
        let source = settled(&app, source["id"].as_str().unwrap()).await;
        assert_eq!(source["status"], "ready");
        let pages: Value = app.get(&format!("/api/v2/knowledge/{}/pages", source["id"].as_str().unwrap())).send().await.unwrap().json().await.unwrap();
        assert_eq!(pages["data"].as_array().unwrap().len(), 2);
        assert_eq!(site.hits("/refunds/exceptions"), 0);
        for (body, reason) in [
            (json!({"chatbotId": bot, "url": format!("{}/", site.base), "maxPages": 0}), "max_pages"),
            (json!({"chatbotId": bot, "url": format!("{}/", site.base), "maxPages": 100000}), "max_pages"),
            (json!({"chatbotId": bot, "url": format!("{}/", site.base), "maxDepth": 9}), "max_depth"),
        ] {
            let response = scrape(&app, body).await;
            assert_eq!(response.status(), 422);
            assert!(response.text().await.unwrap().contains(reason));
        }
    }

    async fn a_sitemap_index_leads_to_its_sitemaps_pages_within_the_site_and_robots_rules(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Mapped").await;
        let source: Value = scrape(&app, json!({"chatbotId": bot, "url": format!("{}/sitemap.xml", site.base)})).await.json().await.unwrap();
        let source = settled(&app, source["id"].as_str().unwrap()).await;
        assert_eq!(source["status"], "ready", "{source}");
        assert_eq!(site.hits("/sitemap-pages.xml"), 1);
        assert_eq!(site.hits("/shipping"), 1);
        assert_eq!(site.hits("/refunds/exceptions"), 1);
        assert_eq!(site.hits("/private/payroll"), 0);
        let hits = search(&app, &app.base, &bot, "gift cards refunded").await;
        assert_eq!(hits[0]["source_url"], format!("{}/refunds/exceptions", site.base), "{hits}");
    }

    async fn a_gzipped_sitemap_leads_to_pages_in_legacy_encodings_that_are_read_as_written(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Encodings").await;
        let source: Value = scrape(&app, json!({"chatbotId": bot, "url": format!("{}/sitemap-legacy.xml.gz", site.base)})).await.json().await.unwrap();
        let source = settled(&app, source["id"].as_str().unwrap()).await;
        assert_eq!(source["status"], "ready", "{source}");
        assert_eq!(site.hits("/latin1"), 1);
        assert_eq!(site.hits("/shift-jis"), 1);
        let hits = search(&app, &app.base, &bot, "crème brûlée").await;
        assert_eq!(hits[0]["source_url"], format!("{}/latin1", site.base), "{hits}");
        assert!(hits[0]["snippet"].as_str().unwrap().contains("Crème brûlée"), "{hits}");
        let texts: Vec<String> =
            sqlx::query_scalar("SELECT content FROM knowledge_entries WHERE chatbot_id = $1").bind(&bot).fetch_all(app.db.pool()).await.unwrap();
        assert!(texts.iter().any(|t| t.contains("返品は三十日以内")), "{texts:?}");
        assert!(texts.iter().all(|t| !t.contains('\u{fffd}')), "no replacement characters: {texts:?}");
    }

    async fn a_gzipped_sitemap_that_inflates_beyond_fifty_megabytes_is_refused(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Bomb").await;
        let source: Value = scrape(&app, json!({"chatbotId": bot, "url": format!("{}/sitemap-bomb.xml.gz", site.base)})).await.json().await.unwrap();
        let source = settled(&app, source["id"].as_str().unwrap()).await;
        assert_eq!(source["status"], "failed", "{source}");
        assert!(source["error"].as_str().unwrap_or_default().contains("inflates to more than 50 MB"), "{source}");
    }

    async fn a_single_page_is_fetched_in_the_background_and_refetching_it_unchanged_writes_nothing(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Paged").await;
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "url", "source": format!("{}/shipping", site.base)})).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let source: Value = response.json().await.unwrap();
        let id = source["id"].as_str().unwrap().to_owned();
        let source = settled(&app, &id).await;
        assert_eq!(source["status"], "ready", "{source}");
        assert_eq!(source["title"], "Shipping");
        assert_eq!(site.hits("/refunds"), 0, "a single page's links are not followed");
        let before = chunk_ids(&app, &id).await;
        assert!(!before.is_empty());
        let response = app.post(&format!("/api/v2/knowledge/{id}/refresh")).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let again = settled(&app, &id).await;
        assert_eq!(again["status"], "ready");
        assert_eq!(site.hits("/shipping"), 2);
        assert_eq!(chunk_ids(&app, &id).await, before, "the content hash matched: the chunks were not rewritten");
    }

    async fn an_unreachable_url_fails_its_source_with_the_reason_and_fires_the_event(app) {
        let site = start_site().await;
        subscribe(&app, &site).await;
        // A port nothing listens on: bind one and let it go.
        let port = { std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port() };
        let bot = app.create_chatbot("Unlucky").await;
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "url", "source": format!("http://127.0.0.1:{port}/gone")})).send().await.unwrap();
        assert_eq!(response.status(), 202);
        let source: Value = response.json().await.unwrap();
        let source = settled(&app, source["id"].as_str().unwrap()).await;
        assert_eq!(source["status"], "failed");
        assert!(source["error"].as_str().unwrap().contains("could not connect"), "{source}");
        let failed = events(&app, "knowledge.source.failed").await;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0]["sourceId"], source["id"]);
        assert!(failed[0]["error"].as_str().unwrap().contains("could not connect"));
        // A page that answers 404 fails with that reason too.
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "url", "source": format!("{}/nowhere", site.base)})).send().await.unwrap();
        let source: Value = response.json().await.unwrap();
        let source = settled(&app, source["id"].as_str().unwrap()).await;
        assert_eq!(source["status"], "failed");
        assert!(source["error"].as_str().unwrap().contains("404"), "{source}");
        assert_eq!(app.get("/readyz").send().await.unwrap().status(), 200);
    }

    async fn deleting_a_crawl_removes_its_pages_from_search_here_and_on_a_second_process(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Forgetful").await;
        let second = app.spawn_sibling().await;
        let source: Value = scrape(&app, json!({"chatbotId": bot, "url": format!("{}/", site.base), "maxDepth": 1})).await.json().await.unwrap();
        let id = source["id"].as_str().unwrap().to_owned();
        settled(&app, &id).await;
        // Both processes have built their index for the chatbot and find the page.
        for base in [&app.base, &second.base] {
            let hits = search(&app, base, &bot, "tracked couriers Rotterdam").await;
            assert_eq!(hits[0]["source_url"], format!("{}/shipping", site.base), "{base}: {hits}");
        }
        let response = app.client.delete(app.url(&format!("/api/knowledge/{id}"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_sources WHERE parent_id = $1", &id).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_jobs WHERE source_id = $1", &id).await, 0);
        for base in [&app.base, &second.base] {
            let hits = search(&app, base, &bot, "tracked couriers Rotterdam").await;
            assert_eq!(hits, json!([]), "{base} still finds the deleted pages");
        }
        let answer: Value = app.client.post(second.url(&format!("/api/v2/chatbots/{bot}/chat"))).bearer_auth(&app.key)
            .json(&json!({"message": "Do parcels ship with tracked couriers?", "stream": false})).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["citations"], json!([]), "{answer}");
        // New knowledge reaches the second process's already-built index too.
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "qa", "source": "Do you ship by courier?", "content": "Yes, tracked couriers from Rotterdam."})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let hits = search(&app, &second.base, &bot, "tracked couriers Rotterdam").await;
        assert_eq!(hits[0]["type"], "qa", "{hits}");
    }

    async fn an_expired_lease_is_reclaimed_and_the_crawl_resumes_from_its_checkpoint(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Resumed").await;
        // A crawl that a dead process had started: it stored nothing yet, had fetched the home
        // page and queued two pages, and its lease ran out a minute ago.
        let start = format!("{}/", site.base);
        let source = create_orphaned_job(&app, &bot, &start, 1, json!({
            "started": true,
            "queue": [[format!("{}/refunds", site.base), 1], [format!("{}/shipping", site.base), 1]],
            "seen": [start, format!("{}/refunds", site.base), format!("{}/shipping", site.base)],
            "kept": [], "processed": 1, "fetches": 1, "sitemaps_read": 0, "first_error": null
        })).await;
        let source = settled(&app, &source).await;
        assert_eq!(source["status"], "ready", "{source}");
        assert_eq!(site.hits("/"), 0, "the resumed crawl does not start over");
        assert_eq!(site.hits("/refunds"), 1);
        assert_eq!(site.hits("/shipping"), 1);
        assert_eq!(source["progress"]["pages_done"], 3);
    }

    async fn a_job_interrupted_too_often_fails_with_the_reason_instead_of_running_forever(app) {
        let site = start_site().await;
        let bot = app.create_chatbot("Cursed").await;
        let id = create_orphaned_job(&app, &bot, &format!("{}/", site.base), parlor_server::knowledge::jobs::MAX_ATTEMPTS, Value::Null).await;
        let source = settled(&app, &id).await;
        assert_eq!(source["status"], "failed");
        assert!(source["error"].as_str().unwrap().contains("interrupted"), "{source}");
        assert_eq!(site.hits("/"), 0);
    }
}

/// Writes a scrape source and a job that a dead process held: `attempts` claims so far, the
/// lease expired, and `state` as its checkpoint. Returns the source id.
async fn create_orphaned_job(app: &TestApp, bot: &str, url: &str, attempts: i64, state: Value) -> String {
    let source_id = parlor_server::ids::new_id("src");
    let now = parlor_server::ids::now_ms();
    sqlx::query(
        "INSERT INTO knowledge_sources (id, chatbot_id, kind, title, source_url, status, chunk_count, byte_count, created_at, updated_at)
         VALUES ($1, $2, 'scrape', $3, $3, 'processing', 0, 0, $4, $4)",
    )
    .bind(&source_id)
    .bind(bot)
    .bind(url)
    .bind(now)
    .execute(app.db.pool())
    .await
    .unwrap();
    let params = json!({"url": url, "max_pages": 10, "max_depth": 1}).to_string();
    let state = (!state.is_null()).then(|| state.to_string());
    sqlx::query(
        "INSERT INTO knowledge_jobs (id, source_id, kind, params, state, status, attempts, lease_until, lease_token, created_at, updated_at)
         VALUES ($1, $2, 'scrape', $3, $4, 'running', $5, $6, 'dead-process', $7, $7)",
    )
    .bind(parlor_server::ids::new_id("job"))
    .bind(&source_id)
    .bind(params)
    .bind(state)
    .bind(attempts)
    .bind(now - 60_000)
    .bind(now - 120_000)
    .execute(app.db.pool())
    .await
    .unwrap();
    source_id
}

on_both_backends! {
    async fn a_private_address_is_refused_when_it_is_given_with_a_clear_reason(app) {
        let bot = app.create_chatbot("Guarded").await;
        for url in ["http://127.0.0.1:9/", "http://169.254.169.254/latest/meta-data/", "http://localhost/", "http://[::1]/", "file:///etc/passwd"] {
            for response in [
                app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "url", "source": url})).send().await.unwrap(),
                scrape(&app, json!({"chatbotId": bot, "url": url})).await,
            ] {
                assert_eq!(response.status(), 422, "{url}");
                let body: Value = response.json().await.unwrap();
                let message = body["error"]["message"].as_str().unwrap();
                assert!(message.contains("private") || message.contains("http://"), "{url}: {message}");
            }
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_sources WHERE chatbot_id = $1", &bot).await, 0);
    }
}

async fn rate_limited(backend: crate::helpers::Backend) {
    let Some(app) = crate::helpers::spawn_app_with(backend, |config| {
        local_site_allowed(config);
        config.knowledge_scrape_limit = "2/5m".to_owned();
    })
    .await
    else {
        return;
    };
    let site = start_site().await;
    let bot = app.create_chatbot("Busy").await;
    for _ in 0..2 {
        let response =
            scrape(&app, json!({"chatbotId": bot, "url": format!("{}/shipping", site.base), "maxPages": 1})).await;
        assert_eq!(response.status(), 202);
    }
    let response = scrape(&app, json!({"chatbotId": bot, "url": format!("{}/shipping", site.base)})).await;
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((60..=300).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    let response = app
        .post("/api/knowledge")
        .json(&json!({"chatbotId": bot, "type": "url", "source": format!("{}/", site.base)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429, "a url item counts as a scrape");
    // Another key has its own budget.
    let other = app.key_with(Some(&app.workspace_id), &parlor_server::keys::Scope::ALL).await;
    let response = app
        .client
        .post(app.url("/api/knowledge/scrape"))
        .bearer_auth(&other)
        .json(&json!({"chatbotId": bot, "url": format!("{}/shipping", site.base)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_are_rate_limited_per_key_with_retry_after_on_sqlite() {
    rate_limited(crate::helpers::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_are_rate_limited_per_key_with_retry_after_on_postgres() {
    rate_limited(crate::helpers::Backend::Postgres).await;
}
