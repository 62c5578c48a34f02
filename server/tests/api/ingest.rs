//! Reading documents in the extract worker: real files round-trip with their structure and
//! pages, and hostile ones (a panicking, looping or memory-hungry parser, a zip bomb, an endless
//! answer) fail with a reason while the next extraction still works.

use std::time::{Duration, Instant};

use parlor_server::ingest::sandbox::{self, Fault, Task};
use parlor_server::ingest::{self, BlockKind, ChunkSettings, ExtractError, Format, Limits, fixtures};

/// The test binary has no `extract-worker` command: the real `parlor` binary reads documents.
fn limits() -> Limits {
    Limits { worker: Some(env!("CARGO_BIN_EXE_parlor").into()), ..Limits::default() }
}

async fn extract(format: Format, bytes: Vec<u8>) -> Result<ingest::Document, ExtractError> {
    ingest::extract_isolated(format, bytes, None, &limits()).await
}

/// Proves the worker still reads documents after whatever happened before.
async fn assert_next_extraction_works() {
    let doc = extract(Format::Text, b"Still working.".to_vec()).await.unwrap();
    assert_eq!(doc.blocks[0].text, "Still working.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_round_trips_through_the_worker_with_its_title_and_pages() {
    let pdf = fixtures::pdf("Owner manual", &[&["Safety first.", "Keep it dry."], &["Cleaning.", "Use a soft cloth."]]);
    let doc = extract(Format::Pdf, pdf).await.unwrap();
    assert_eq!(doc.title.as_deref(), Some("Owner manual"));
    let text_on = |page: u32| -> String {
        doc.blocks.iter().filter(|b| b.page == Some(page)).map(|b| b.text.as_str()).collect::<Vec<_>>().join(" ")
    };
    assert!(text_on(1).contains("Keep it dry."), "{doc:?}");
    assert!(text_on(2).contains("Use a soft cloth."), "{doc:?}");
    let chunks = ingest::chunk(&doc, &ChunkSettings::default());
    let cloth = chunks.iter().find(|c| c.text.contains("soft cloth")).unwrap();
    assert_eq!(cloth.page, Some(2), "a chunk keeps its page for citations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_docx_round_trips_through_the_worker_with_headings_lists_and_tables() {
    let doc = extract(Format::Docx, fixtures::docx(&fixtures::sample_docx_body())).await.unwrap();
    assert_eq!(doc.title.as_deref(), Some("Handbook"));
    let has = |kind: BlockKind, text: &str| doc.blocks.iter().any(|b| b.kind == kind && b.text == text);
    assert!(has(BlockKind::Heading(1), "Getting started"), "{doc:?}");
    assert!(has(BlockKind::Heading(2), "Specs"), "{doc:?}");
    assert!(has(BlockKind::ListItem, "First step"), "{doc:?}");
    assert!(has(BlockKind::TableRow, "Weight | 2 kg heavy"), "{doc:?}");
    let chunks = ingest::chunk(&doc, &ChunkSettings::default());
    let specs = chunks.iter().find(|c| c.text.contains("10 cm")).unwrap();
    assert_eq!(specs.section_path, ["Getting started", "Specs"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_round_trips_through_the_worker_and_headings_give_section_paths() {
    let source = "# Billing\n\nInvoices go out monthly.\n\n## Refunds\n\n- Ask within 30 days.\n- Keep the receipt.\n";
    let doc = extract(Format::Markdown, source.as_bytes().to_vec()).await.unwrap();
    assert_eq!(doc.title.as_deref(), Some("Billing"));
    let chunks = ingest::chunk(&doc, &ChunkSettings::default());
    let refunds = chunks.iter().find(|c| c.text.contains("30 days")).unwrap();
    assert_eq!(refunds.section_path, ["Billing", "Refunds"]);
    assert!(refunds.text.contains("Ask within 30 days.\nKeep the receipt."), "{refunds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetched_page_becomes_its_main_text_in_the_worker() {
    let page = r#"<html><head><title>FAQ</title><link rel="canonical" href="/faq"></head>
        <body><nav>Home About</nav><main><h1>FAQ</h1><p>Shipping takes two days.</p></main>
        <footer>Copyright</footer><script>track()</script></body></html>"#;
    let doc = ingest::extract_isolated(
        Format::Html,
        page.into(),
        Some("https://shop.example/help/faq?x=1".into()),
        &limits(),
    )
    .await
    .unwrap();
    assert_eq!(doc.title.as_deref(), Some("FAQ"));
    assert_eq!(doc.canonical_url.as_deref(), Some("https://shop.example/faq"));
    let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(texts, ["FAQ", "Shipping takes two days."]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_pdf_fails_with_a_reason_and_the_next_extraction_works() {
    let mut pdf = fixtures::pdf("Broken", &[&["Some text."]]);
    pdf.truncate(pdf.len() / 3);
    pdf.extend_from_slice(b"garbage that is no PDF object");
    let err = extract(Format::Pdf, pdf).await.unwrap_err();
    assert!(matches!(err, ExtractError::Malformed(_) | ExtractError::Empty), "{err:?}");
    assert_next_extraction_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_parser_fails_with_a_reason_and_the_next_extraction_works() {
    let err = sandbox::run(Task::Fault(Fault::Panic), Vec::new(), &limits()).await.unwrap_err();
    assert!(matches!(err, ExtractError::Malformed(_)), "{err:?}");
    assert!(err.to_string().contains("confused the reader"), "{err}");
    assert_next_extraction_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parser_that_never_returns_is_stopped_at_the_timeout() {
    let limits = Limits { timeout: Duration::from_secs(2), ..limits() };
    let started = Instant::now();
    let err = sandbox::run(Task::Fault(Fault::Spin), Vec::new(), &limits).await.unwrap_err();
    assert_eq!(err, ExtractError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_next_extraction_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parser_that_allocates_without_end_is_stopped_by_the_memory_limit() {
    let limits = Limits { memory_bytes: 512 * 1024 * 1024, ..limits() };
    let err = sandbox::run(Task::Fault(Fault::Allocate), Vec::new(), &limits).await.unwrap_err();
    assert!(matches!(&err, ExtractError::ResourceLimit(reason) if reason.contains("512 MB")), "{err:?}");
    assert_next_extraction_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_dies_without_answering_is_a_worker_error() {
    let err = sandbox::run(Task::Fault(Fault::Abort), Vec::new(), &limits()).await.unwrap_err();
    assert!(matches!(err, ExtractError::Worker(_)), "{err:?}");
    assert_next_extraction_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_answer_is_cut_off_at_its_bound() {
    let limits = Limits { max_text_bytes: 1024 * 1024, ..limits() };
    let err = sandbox::run(Task::Fault(Fault::Flood), Vec::new(), &limits).await.unwrap_err();
    assert!(matches!(err, ExtractError::ResourceLimit(_)), "{err:?}");
    assert_next_extraction_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_bomb_is_refused_while_the_worker_stays_within_its_memory() {
    // One gigabyte of blanks in a DOCX of about a megabyte. Under a 512 MB address-space limit
    // the worker could not hold it, so `ZipBomb` (rather than a memory failure) shows that it
    // stopped inflating early.
    let bomb = fixtures::docx_bomb(1024 * 1024 * 1024);
    assert!(bomb.len() < 4 * 1024 * 1024, "the bomb is {} bytes", bomb.len());
    let tight = Limits { memory_bytes: 512 * 1024 * 1024, ..limits() };
    let err = ingest::extract_isolated(Format::Docx, bomb.clone(), None, &tight).await.unwrap_err();
    assert!(matches!(&err, ExtractError::ZipBomb(reason) if reason.contains("times")), "{err:?}");

    // Without the ratio check, the total inflated size stops it, still within memory.
    let no_ratio = Limits { max_ratio: u64::MAX, ..tight };
    let err = ingest::extract_isolated(Format::Docx, bomb, None, &no_ratio).await.unwrap_err();
    assert!(matches!(&err, ExtractError::ZipBomb(reason) if reason.contains("100 MB")), "{err:?}");
    assert_next_extraction_works().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_over_the_limit_is_too_large_before_any_worker_starts() {
    let limits = Limits { max_bytes: 1024, worker: Some("/nonexistent/parlor".into()), ..Limits::default() };
    let err = ingest::extract_isolated(Format::Text, vec![b'a'; 2048], None, &limits).await.unwrap_err();
    assert!(matches!(err, ExtractError::TooLarge(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_worker_program_is_a_worker_error() {
    let limits = Limits { worker: Some("/nonexistent/parlor".into()), ..Limits::default() };
    let err = ingest::extract_isolated(Format::Text, b"text".to_vec(), None, &limits).await.unwrap_err();
    assert!(matches!(err, ExtractError::Worker(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_document_is_empty() {
    let err = extract(Format::Markdown, b"<!-- only a comment -->\n".to_vec()).await.unwrap_err();
    assert_eq!(err, ExtractError::Empty);
}
