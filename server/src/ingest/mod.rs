//! Reading documents: PDF, DOCX, Markdown, plain text and HTML become structured text
//! ([`Document`]), and that text becomes retrieval-sized chunks ([`chunk`]).
//!
//! Parsers of untrusted input (uploads, fetched pages) run only in the extract worker, a child
//! process with memory, CPU and wall-clock limits ([`extract_isolated`], `sandbox.rs`), so a file
//! that makes a parser panic, loop or allocate without end costs one child, never the server.

mod chunk;
mod docx;
#[doc(hidden)]
pub mod fixtures;
mod html;
mod markdown;
mod pdf;
pub mod sandbox;
mod text;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use chunk::{chunk, estimate_tokens};

/// A document format Parlor can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Docx,
    Markdown,
    Text,
    Html,
}

impl Format {
    /// From a file name and optional Content-Type; None = unsupported (the API answers 415).
    ///
    /// A known extension decides; otherwise the Content-Type does (parameters such as
    /// `charset` are ignored), which covers fetched pages whose URL has no extension.
    pub fn detect(file_name: &str, content_type: Option<&str>) -> Option<Format> {
        let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
        let by_extension = base.rsplit_once('.').and_then(|(_, ext)| match ext.to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "docx" => Some(Format::Docx),
            "md" | "markdown" | "mdown" | "mkd" | "mkdn" => Some(Format::Markdown),
            "txt" | "text" => Some(Format::Text),
            "html" | "htm" | "xhtml" => Some(Format::Html),
            _ => None,
        });
        by_extension.or_else(|| {
            let mime = content_type?.split(';').next()?.trim().to_ascii_lowercase();
            match mime.as_str() {
                "application/pdf" => Some(Format::Pdf),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => Some(Format::Docx),
                "text/markdown" | "text/x-markdown" => Some(Format::Markdown),
                "text/plain" => Some(Format::Text),
                "text/html" | "application/xhtml+xml" => Some(Format::Html),
                _ => None,
            }
        })
    }

    /// The format's short name, as stored and shown: `pdf`, `docx`, `markdown`, `text`, `html`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Markdown => "markdown",
            Format::Text => "text",
            Format::Html => "html",
        }
    }
}

/// Caps on what one extraction may cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest input, in bytes; larger input is [`ExtractError::TooLarge`] (the API's 413).
    pub max_bytes: usize,
    /// Largest total of bytes inflated from an archive (DOCX), counted as they inflate.
    pub max_inflated_bytes: u64,
    /// Most entries an archive may list.
    pub max_entries: usize,
    /// Largest ratio of inflated to compressed bytes for one archive entry (checked once an
    /// entry has inflated past 1 MiB, so tiny, very repetitive entries pass).
    pub max_ratio: u64,
    /// Wall-clock time an isolated extraction may take; its CPU time is capped near it too.
    pub timeout: Duration,
    /// Address space the worker process may use, in bytes (RLIMIT_AS).
    pub memory_bytes: u64,
    /// Largest extracted text, in bytes; it also bounds what the parent reads from the worker.
    pub max_text_bytes: usize,
    /// The program run as the extract worker (with the `extract-worker` argument); `None` means
    /// this process's own executable. Tests that run the server inside the test binary point it
    /// at the `parlor` binary.
    pub worker: Option<PathBuf>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 20 * 1024 * 1024,
            max_inflated_bytes: 100 * 1024 * 1024,
            max_entries: 2_000,
            max_ratio: 100,
            timeout: Duration::from_secs(30),
            memory_bytes: 1024 * 1024 * 1024,
            max_text_bytes: 32 * 1024 * 1024,
            worker: None,
        }
    }
}

impl Limits {
    /// The default limits with the worker program chosen by `PARLOR_EXTRACT_WORKER`.
    pub fn from_config(config: &crate::Config) -> Self {
        Limits { worker: config.extract_worker.clone(), ..Limits::default() }
    }
}

/// A document's text as structured blocks, with its title and canonical URL when it has them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub title: Option<String>,
    pub canonical_url: Option<String>,
    pub blocks: Vec<Block>,
}

/// One block of text: a heading, a paragraph, a list item, a table row or code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
    /// The page the block is on, counted from 1, for formats with pages (PDF).
    pub page: Option<u32>,
}

impl Block {
    fn new(kind: BlockKind, text: impl Into<String>) -> Self {
        Block { kind, text: text.into(), page: None }
    }
}

/// What a block is; a heading carries its level, 1 being the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlockKind {
    Heading(u8),
    Paragraph,
    ListItem,
    TableRow,
    Code,
}

/// Why a document could not be read. Each message is a sentence the uploader can act on; the
/// API shows it in the 413 or 422 body and on the failed source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ExtractError {
    #[error("This file type is not supported ({0}); upload a PDF, DOCX, Markdown, plain text or HTML file.")]
    Unsupported(String),
    #[error("The file could not be read: {0}. Check that it opens in a viewer, or save it again and retry.")]
    Malformed(String),
    #[error("The document contains no text to learn from; scanned PDFs need text recognition (OCR) first.")]
    Empty,
    #[error("The document is too large: {0}.")]
    TooLarge(String),
    #[error("The file was refused because it expands to far more data than it holds (a zip bomb): {0}.")]
    ZipBomb(String),
    #[error("Reading the document took too long and was stopped; try a smaller or simpler file.")]
    Timeout,
    #[error("Reading the document needed more resources than allowed: {0}; try a smaller or simpler file.")]
    ResourceLimit(String),
    #[error("The document reader failed: {0}. Try again, or save the file in another program first.")]
    Worker(String),
}

/// In this process: for trusted or already-bounded input (Q&A, plain text, tests).
///
/// A parser panic becomes [`ExtractError::Malformed`], but nothing here bounds time or memory:
/// untrusted files go through [`extract_isolated`].
pub fn extract(
    format: Format,
    bytes: &[u8],
    base_url: Option<&str>,
    limits: &Limits,
) -> Result<Document, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(too_large(bytes.len(), limits));
    }
    let doc = guarded(format, || match format {
        Format::Pdf => pdf::extract(bytes),
        Format::Docx => docx::extract(bytes, limits),
        Format::Markdown => markdown::extract(&text::decode(bytes)?),
        Format::Text => text::extract(&text::decode(bytes)?),
        Format::Html => html::extract(&String::from_utf8_lossy(bytes), base_url),
    })?;
    finish(doc, limits)
}

/// Runs a parser, turning its panic into [`ExtractError::Malformed`].
fn guarded(format: Format, parse: impl FnOnce() -> Result<Document, ExtractError>) -> Result<Document, ExtractError> {
    // The parsers hold no state that outlives a call, so a panic leaves nothing inconsistent.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).unwrap_or_else(|panic| {
        let reason = panic_message(panic.as_ref());
        tracing::warn!(format = format.as_str(), reason = %reason, "a document parser panicked");
        Err(ExtractError::Malformed(format!("its {} structure confused the reader", format_name(format))))
    })
}

/// In a child process with memory (RLIMIT_AS), CPU and wall-clock limits: for uploads and
/// fetched pages.
pub async fn extract_isolated(
    format: Format,
    bytes: Vec<u8>,
    base_url: Option<String>,
    limits: &Limits,
) -> Result<Document, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(too_large(bytes.len(), limits));
    }
    sandbox::run(sandbox::Task::Extract { format, base_url }, bytes, limits).await
}

/// A content hash (hex SHA-256) of the extracted text, so unchanged content is not re-embedded.
///
/// It covers the title, the canonical URL and every block's kind, page and text, each
/// length-prefixed so that moving text between blocks changes the hash.
pub fn content_hash(doc: &Document) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(doc.title.as_deref().unwrap_or("").as_bytes());
    field(doc.canonical_url.as_deref().unwrap_or("").as_bytes());
    for block in &doc.blocks {
        let kind = match block.kind {
            BlockKind::Heading(level) => format!("h{level}"),
            BlockKind::Paragraph => "p".to_owned(),
            BlockKind::ListItem => "li".to_owned(),
            BlockKind::TableRow => "tr".to_owned(),
            BlockKind::Code => "code".to_owned(),
        };
        field(kind.as_bytes());
        field(&block.page.unwrap_or(0).to_le_bytes());
        field(block.text.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// How large chunks should be, in estimated tokens ([`estimate_tokens`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSettings {
    /// The most tokens a chunk holds (a single word longer than this is cut).
    pub target_tokens: usize,
    /// Tokens of the previous chunk repeated at the start of the next one in the same section
    /// and page, so a passage cut in two can still be found whole; at most half the target.
    pub overlap_tokens: usize,
}

impl Default for ChunkSettings {
    fn default() -> Self {
        ChunkSettings { target_tokens: 350, overlap_tokens: 50 }
    }
}

/// A piece of a document sized for retrieval, with the headings it sits under.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub text: String,
    /// The headings above the chunk, outermost first.
    pub section_path: Vec<String>,
    /// The page the chunk starts on, for formats with pages.
    pub page: Option<u32>,
    pub token_count: usize,
}

/// Drops empty blocks, then refuses a document without text or with too much of it.
fn finish(mut doc: Document, limits: &Limits) -> Result<Document, ExtractError> {
    doc.blocks.retain(|block| !block.text.trim().is_empty());
    let total: usize = doc.blocks.iter().map(|block| block.text.len()).sum();
    if total == 0 {
        return Err(ExtractError::Empty);
    }
    if total > limits.max_text_bytes {
        return Err(ExtractError::TooLarge(format!(
            "its text is {} long, more than the {} allowed",
            human_bytes(total as u64),
            human_bytes(limits.max_text_bytes as u64)
        )));
    }
    doc.title = doc.title.map(|title| collapse_whitespace(&title)).filter(|title| !title.is_empty());
    Ok(doc)
}

fn too_large(len: usize, limits: &Limits) -> ExtractError {
    ExtractError::TooLarge(format!(
        "the file is {}, more than the {} allowed",
        human_bytes(len as u64),
        human_bytes(limits.max_bytes as u64)
    ))
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Pdf => "PDF",
        Format::Docx => "DOCX",
        Format::Markdown => "Markdown",
        Format::Text => "text",
        Format::Html => "HTML",
    }
}

/// A size for people: `20 MB`, `512 KB`, `73 bytes` (powers of 1024, as upload limits are).
pub(crate) fn human_bytes(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = bytes * 10 / MB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Collapses every run of whitespace into one space and trims the ends.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_extensions_before_content_types() {
        assert_eq!(Format::detect("Guide.PDF", None), Some(Format::Pdf));
        assert_eq!(Format::detect("notes.md", Some("application/octet-stream")), Some(Format::Markdown));
        assert_eq!(Format::detect("report.docx", None), Some(Format::Docx));
        assert_eq!(Format::detect("readme.txt", None), Some(Format::Text));
        assert_eq!(Format::detect("https://example.com/docs/", Some("text/html; charset=utf-8")), Some(Format::Html));
        assert_eq!(Format::detect("page.php", Some("text/html")), Some(Format::Html));
        assert_eq!(Format::detect("upload", Some("application/pdf")), Some(Format::Pdf));
    }

    #[test]
    fn unknown_formats_are_unsupported() {
        assert_eq!(Format::detect("slides.pptx", None), None);
        assert_eq!(Format::detect("archive.zip", Some("application/zip")), None);
        assert_eq!(Format::detect("no-extension", None), None);
        assert_eq!(Format::detect("image.png", Some("image/png")), None);
    }

    #[test]
    fn input_over_the_byte_limit_is_too_large() {
        let limits = Limits { max_bytes: 10, ..Limits::default() };
        let err = extract(Format::Text, b"more than ten bytes", None, &limits).unwrap_err();
        assert!(matches!(err, ExtractError::TooLarge(_)), "{err:?}");
        assert!(err.to_string().contains("10 bytes"), "{err}");
    }

    #[test]
    fn a_document_without_text_is_empty() {
        let err = extract(Format::Markdown, b"   \n\n  ", None, &Limits::default()).unwrap_err();
        assert_eq!(err, ExtractError::Empty);
    }

    #[test]
    fn text_longer_than_the_text_limit_is_too_large() {
        let limits = Limits { max_text_bytes: 8, ..Limits::default() };
        let err = extract(Format::Text, b"twelve bytes", None, &limits).unwrap_err();
        assert!(matches!(err, ExtractError::TooLarge(_)), "{err:?}");
    }

    #[test]
    fn the_content_hash_changes_with_the_text_and_only_with_it() {
        let doc = extract(Format::Text, b"Alpha beta.\n\nGamma.", None, &Limits::default()).unwrap();
        let same = extract(Format::Text, b"Alpha beta.\n\nGamma.", None, &Limits::default()).unwrap();
        let moved = extract(Format::Text, b"Alpha.\n\nbeta Gamma.", None, &Limits::default()).unwrap();
        assert_eq!(content_hash(&doc), content_hash(&same));
        assert_ne!(content_hash(&doc), content_hash(&moved));
        assert_eq!(content_hash(&doc).len(), 64);
    }

    #[test]
    fn every_error_reads_as_a_sentence() {
        let errors = [
            ExtractError::Unsupported("image/png".into()),
            ExtractError::Malformed("the zip archive is damaged".into()),
            ExtractError::Empty,
            ExtractError::TooLarge("the file is 30 MB, more than the 20 MB allowed".into()),
            ExtractError::ZipBomb("it lists 5000 files, more than the 2000 allowed".into()),
            ExtractError::Timeout,
            ExtractError::ResourceLimit("more than 1024 MB of memory".into()),
            ExtractError::Worker("it stopped without an answer".into()),
        ];
        for err in errors {
            let text = err.to_string();
            assert!(text.starts_with(char::is_uppercase) && text.ends_with('.'), "{text}");
        }
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(20 * 1024 * 1024), "20 MB");
        assert_eq!(human_bytes(1536 * 1024), "1.5 MB");
        assert_eq!(human_bytes(2048), "2 KB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
