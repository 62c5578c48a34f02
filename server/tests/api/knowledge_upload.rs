//! Learning from files: uploads of PDF, DOCX, Markdown and text, cited with file and page, and
//! what happens to files that are too large, of the wrong type, empty or hostile.

use std::io::Write;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

/// A PDF with one line of text on each page, written object by object with a correct xref.
pub fn pdf(pages: &[&str]) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            (0..pages.len()).map(|i| format!("{} 0 R", 4 + 2 * i)).collect::<Vec<_>>().join(" "),
            pages.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    for (i, text) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        let escaped = text.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
        let stream = format!("BT /F1 11 Tf 72 720 Td ({escaped}) Tj ET");
        objects.push(format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// A DOCX with paragraphs, each with an optional style (such as `Heading1`).
pub fn docx(paragraphs: &[(Option<&str>, &str)]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|(style, text)| {
            let style = style.map(|s| format!("<w:pPr><w:pStyle w:val=\"{s}\"/></w:pPr>")).unwrap_or_default();
            format!("<w:p>{style}<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
        })
        .collect();
    let files = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"
                .to_owned(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"
                .to_owned(),
        ),
        (
            "word/document.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
            ),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub async fn upload_as(
    app: &TestApp,
    key: &str,
    bot: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap();
    let form = reqwest::multipart::Form::new().text("chatbotId", bot.to_owned()).part("file", part);
    app.client.post(app.url("/api/knowledge/upload")).bearer_auth(key).multipart(form).send().await.unwrap()
}

pub async fn upload(app: &TestApp, bot: &str, name: &str, mime: &str, bytes: Vec<u8>) -> reqwest::Response {
    upload_as(app, &app.key, bot, name, mime, bytes).await
}

async fn search(app: &TestApp, bot: &str, query: &str) -> Value {
    app.post(&format!("/api/v2/chatbots/{bot}/knowledge/search"))
        .json(&json!({"query": query, "limit": 3}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const HANDBOOK_MD: &str = "# Staff handbook\n\n## Holidays\n\nEveryone gets twenty-five days of paid holiday each year.\n\n## Expenses\n\nTrain tickets are reimbursed within a week when the receipt is attached.";

/// Documents are read by `parlor extract-worker`; a test binary is not `parlor`.
pub fn extract_worker(config: &mut parlor_server::Config) {
    config.extract_worker = Some(std::path::PathBuf::from(env!("CARGO_BIN_EXE_parlor")));
}

on_both_backends! {
    configured by extract_worker;

    async fn markdown_and_text_uploads_are_searchable_and_cited_with_their_file_names(app) {
        let bot = app.create_chatbot("Handbook").await;
        let response = upload(&app, &bot, "handbook.md", "text/markdown", HANDBOOK_MD.as_bytes().to_vec()).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let response = upload(&app, &bot, "parking.txt", "text/plain", b"Visitors park in the blue garage on level two.\n".to_vec()).await;
        assert_eq!(response.status(), 201);
        let source: Value = response.json().await.unwrap();
        assert_eq!(source["status"], "ready");
        assert_eq!(source["type"], "document");
        assert_eq!(source["file_name"], "parking.txt");

        let hits = search(&app, &bot, "train tickets reimbursed").await;
        assert_eq!(hits[0]["file_name"], "handbook.md", "{hits}");
        assert!(hits[0]["title"].as_str().unwrap().contains("Expenses"), "{hits}");
        let hits = search(&app, &bot, "where do visitors park").await;
        assert_eq!(hits[0]["file_name"], "parking.txt", "{hits}");

        let answer: Value = app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": "How many days of paid holiday do we get?", "stream": false}))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["citations"][0]["file_name"], "handbook.md", "{answer}");
        assert!(answer["message"]["content"].as_str().unwrap().contains("twenty-five days"), "{answer}");
        let listed: Value = app.get(&format!("/api/knowledge?chatbotId={bot}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    }

    async fn unsupported_types_get_415_and_empty_files_422_with_nothing_stored(app) {
        let bot = app.create_chatbot("Picky").await;
        let response = upload(&app, &bot, "photo.png", "image/png", vec![0x89, b'P', b'N', b'G', 0, 0]).await;
        assert_eq!(response.status(), 415);
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["message"].as_str().unwrap().contains("PDF, DOCX"), "{body}");
        let response = app.post("/api/knowledge/upload").json(&json!({"chatbotId": bot})).send().await.unwrap();
        assert_eq!(response.status(), 415, "a JSON body is not an upload");
        let response = upload(&app, &bot, "blank.txt", "text/plain", b"   \n\n  ".to_vec()).await;
        assert_eq!(response.status(), 422);
        let response = upload(&app, &bot, "blank.md", "text/markdown", Vec::new()).await;
        assert_eq!(response.status(), 422);
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "document", "source": "tool.exe", "content": "AAAA"})).send().await.unwrap();
        assert_eq!(response.status(), 415);
        assert_eq!(app.count("SELECT COUNT(*) FROM knowledge_sources WHERE chatbot_id = $1", &bot).await, 0);
    }

    async fn a_hostile_file_fails_its_source_with_the_reason_and_the_server_carries_on(app) {
        let bot = app.create_chatbot("Targeted").await;
        let mut evil = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n".to_vec();
        evil.extend(std::iter::repeat_n(b'[', 200_000));
        let response = upload(&app, &bot, "evil.pdf", "application/pdf", evil).await;
        assert_eq!(response.status(), 422);
        let listed: Value = app.get(&format!("/api/knowledge?chatbotId={bot}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["data"][0]["status"], "failed", "{listed}");
        assert_eq!(listed["data"][0]["file_name"], "evil.pdf");
        assert!(!listed["data"][0]["error"].as_str().unwrap().is_empty());
        // A zip bomb in DOCX clothing: one entry that inflates a thousandfold.
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&vec![b'a'; 50 * 1024 * 1024]).unwrap();
        let bomb = zip.finish().unwrap().into_inner();
        let response = upload(&app, &bot, "bomb.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", bomb).await;
        assert_eq!(response.status(), 422);
        assert_eq!(app.get("/readyz").send().await.unwrap().status(), 200);
        let response = upload(&app, &bot, "fine.txt", "text/plain", b"Still here and learning.".to_vec()).await;
        assert_eq!(response.status(), 201);
    }

    async fn a_document_item_in_the_seed_shape_is_learned_like_an_upload(app) {
        use base64::Engine;
        let bot = app.create_chatbot("Seeded").await;
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "document", "source": "faq.md", "content": "# FAQ\n\nThe office opens at eight."})).send().await.unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pdf(&["Desks are booked through the intranet."]));
        let response = app.post("/api/knowledge").json(&json!({"chatbotId": bot, "type": "document", "source": "desks.pdf", "content": encoded})).send().await.unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let hits = search(&app, &bot, "book desks").await;
        assert_eq!(hits[0]["file_name"], "desks.pdf", "{hits}");
    }
}

on_both_backends! {
    // Webhook endpoints must be reachable addresses; a closed local port will do.
    configured by crate::knowledge_crawl::local_site_allowed;

    async fn an_upload_sends_knowledge_source_ready_and_a_broken_one_knowledge_source_failed(app) {
        let bot = app.create_chatbot("Evented").await;
        let hook = app.post("/api/v2/webhooks").json(&json!({"url": "http://127.0.0.1:9/hook", "events": ["knowledge.source.ready", "knowledge.source.failed"]})).send().await.unwrap();
        assert_eq!(hook.status(), 201, "{}", hook.text().await.unwrap());
        let response = upload(&app, &bot, "notes.md", "text/markdown", b"# Notes\n\nThe wifi password is on the fridge.".to_vec()).await;
        let source: Value = response.json().await.unwrap();
        let response = upload(&app, &bot, "broken.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04 not really a zip".to_vec()).await;
        assert_eq!(response.status(), 422);
        let events: Vec<(String, String)> = sqlx::query_as("SELECT event_type, data FROM webhook_events ORDER BY created_at, id")
            .fetch_all(app.db.pool()).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|(kind, _)| kind.as_str()).collect();
        assert!(kinds.contains(&"knowledge.source.ready") && kinds.contains(&"knowledge.source.failed"), "{kinds:?}");
        let ready: Value = serde_json::from_str(&events.iter().find(|(k, _)| k == "knowledge.source.ready").unwrap().1).unwrap();
        assert_eq!(ready["sourceId"], source["id"]);
        assert_eq!(ready["fileName"], "notes.md");
        let failed: Value = serde_json::from_str(&events.iter().find(|(k, _)| k == "knowledge.source.failed").unwrap().1).unwrap();
        assert_eq!(failed["fileName"], "broken.docx");
        assert!(!failed["error"].as_str().unwrap().is_empty());
    }

    async fn a_pdf_upload_is_searchable_and_cited_with_the_page_of_the_passage(app) {
        let bot = app.create_chatbot("Manual").await;
        let file = pdf(&[
            "Installation: plug the router into the grey socket.",
            "Warranty: the router is covered for three years from purchase.",
        ]);
        let response = upload(&app, &bot, "router-manual.pdf", "application/pdf", file).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let hits = search(&app, &bot, "how long is the warranty").await;
        assert_eq!(hits[0]["file_name"], "router-manual.pdf", "{hits}");
        assert_eq!(hits[0]["page"], 2, "{hits}");
        let answer: Value = app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": "How long is the router warranty?", "stream": false}))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["citations"][0]["page"], 2, "{answer}");
        assert!(answer["citations"][0]["snippet"].as_str().unwrap().contains("three years"));
    }

    async fn a_docx_upload_is_searchable_under_its_headings(app) {
        let bot = app.create_chatbot("Policies").await;
        let file = docx(&[
            (Some("Heading1"), "Leave policy"),
            (None, "Parents may take sixteen weeks of paid parental leave."),
            (Some("Heading1"), "Security"),
            (None, "Laptops must be locked when unattended."),
        ]);
        let response = upload(&app, &bot, "policies.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", file).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let hits = search(&app, &bot, "parental leave weeks").await;
        assert_eq!(hits[0]["file_name"], "policies.docx", "{hits}");
        assert!(hits[0]["snippet"].as_str().unwrap().contains("sixteen weeks"), "{hits}");
    }
}

async fn capped(backend: crate::helpers::Backend) {
    let Some(app) = crate::helpers::spawn_app_with(backend, |config| {
        extract_worker(config);
        config.knowledge_max_upload_bytes = 64 * 1024;
        config.knowledge_upload_limit = "3/5m".to_owned();
    })
    .await
    else {
        return;
    };
    let bot = app.create_chatbot("Small").await;
    // Over the cap, within the route's body limit (the cap and 64 KB): the server reads it all
    // and answers 413, so the client is not cut off mid-send (a body past the limit can be).
    let response = upload(&app, &bot, "big.txt", "text/plain", "word ".repeat(16_000).into_bytes()).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    for i in 0..3 {
        let response = upload(&app, &bot, &format!("note-{i}.txt"), "text/plain", b"A small note.".to_vec()).await;
        assert_eq!(response.status(), 201);
    }
    let response = upload(&app, &bot, "one-more.txt", "text/plain", b"One note too many.".to_vec()).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_over_the_cap_get_413_and_too_many_get_429_on_sqlite() {
    capped(crate::helpers::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_over_the_cap_get_413_and_too_many_get_429_on_postgres() {
    capped(crate::helpers::Backend::Postgres).await;
}
