//! The knowledge a chatbot answers from: sources (Q&A pairs, texts, fetched pages and crawls,
//! uploaded documents) and their chunks, and retrieval over them.
//!
//! - `mod.rs`: sources and chunks in the database, each change recorded for the search index.
//! - [`index`]: the per-process tantivy BM25 index, a derived view that catches up from the
//!   database.
//! - [`jobs`]: the job table, its leases and the worker that fetches and crawls (its crawl loop
//!   in `jobs/crawl_loop.rs`).
//! - [`crawl`]: robots.txt, sitemaps, links and polite fetching through the SSRF guard.
//! - [`documents`]: turning an extracted document (`crate::ingest`) into a source's chunks,
//!   replaced atomically and skipped when the content hash is unchanged.
//! - [`embed`]: the `Embedder` trait and the OpenAI-compatible embeddings client.
//! - [`vectors`]: chunk vectors in the database, computed for new chunks by the background
//!   embedding loop, and the in-memory vector set that hybrid retrieval searches.
//! - [`eval`]: recall@k and MRR of retrieval over a set of questions with known answers.

pub mod crawl;
pub mod documents;
pub mod embed;
pub mod eval;
pub mod index;
pub mod jobs;
pub mod vectors;

use std::sync::Arc;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms};

/// What kind of knowledge an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A question and its answer; the answer is given as it is.
    Qa,
    /// A passage of text; the relevant part is quoted.
    Text,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Qa => "qa",
            EntryKind::Text => "text",
        }
    }
}

/// One piece of knowledge.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Entry {
    pub id: String,
    pub chatbot_id: String,
    pub kind: String,
    pub title: String,
    pub question: Option<String>,
    pub content: String,
    pub source_url: Option<String>,
    /// The page of the document the chunk comes from (PDF), counted from 1.
    #[sqlx(default)]
    pub page: Option<i64>,
    /// The uploaded file the chunk comes from.
    #[sqlx(default)]
    pub file_name: Option<String>,
}

impl Entry {
    pub fn kind(&self) -> EntryKind {
        if self.kind == "qa" { EntryKind::Qa } else { EntryKind::Text }
    }
}

/// A new entry to store.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub title: String,
    pub question: Option<String>,
    pub content: String,
    pub source_url: Option<String>,
}

/// Stores an entry for a chatbot.
pub async fn add_entry(db: &Db, chatbot_id: &str, entry: NewEntry) -> Result<Entry> {
    if entry.content.trim().is_empty() {
        return Err(Error::Validation("knowledge content must not be empty".into()));
    }
    let stored = Entry {
        id: new_id("kn"),
        chatbot_id: chatbot_id.to_owned(),
        kind: entry.kind.as_str().to_owned(),
        title: entry.title,
        question: entry.question,
        content: entry.content,
        source_url: entry.source_url,
        ..Entry::default()
    };
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO knowledge_entries (id, chatbot_id, kind, title, question, content, source_url, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&stored.id)
    .bind(&stored.chatbot_id)
    .bind(&stored.kind)
    .bind(&stored.title)
    .bind(&stored.question)
    .bind(&stored.content)
    .bind(&stored.source_url)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    // An entry without a source (the demo's) asks the index to reload the whole chatbot.
    record_change(&mut tx, chatbot_id, None).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Records a change to a chatbot's searchable knowledge in the transaction that makes it, so
/// every process's index catches up ([`index`]). `None` stands for the whole chatbot.
pub async fn record_change(tx: &mut crate::db::Tx, chatbot_id: &str, source_id: Option<&str>) -> Result<()> {
    sqlx::query("INSERT INTO knowledge_changes (chatbot_id, source_id, created_at) VALUES ($1, $2, $3)")
        .bind(chatbot_id)
        .bind(source_id)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A knowledge source: what an owner added, and the chunks it became.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Source {
    pub id: String,
    pub chatbot_id: String,
    pub kind: String,
    pub title: String,
    pub source_url: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub chunk_count: i64,
    pub byte_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The crawl a page belongs to.
    pub parent_id: Option<String>,
    /// The name of an uploaded file.
    pub file_name: Option<String>,
    /// The hex SHA-256 of the extracted text, so an unchanged re-fetch changes nothing.
    pub content_hash: Option<String>,
    /// Progress of a fetch or crawl: pages processed and pages known so far.
    pub pages_done: i64,
    pub pages_total: i64,
}

/// The largest text accepted in one request, in bytes (uploads of files come with their own cap).
pub const MAX_TEXT_BYTES: usize = 512 * 1024;
/// The target size of a chunk, in characters (about 200 tokens).
const CHUNK_CHARS: usize = 900;

/// A validated knowledge item.
#[derive(Debug, Clone)]
pub enum NewSource {
    /// A question and its answer.
    Qa { question: String, answer: String },
    /// A text with a title (Markdown headings become sections).
    Text { title: String, text: String, source_url: Option<String> },
}

impl NewSource {
    /// Checks a Q&A pair: both parts present, the question at most 500 characters.
    pub fn qa(question: &str, answer: &str) -> Result<NewSource> {
        let (question, answer) = (question.trim(), answer.trim());
        if question.is_empty() || answer.is_empty() {
            return Err(Error::Validation("a Q&A item needs the question in source and the answer in content".into()));
        }
        if question.chars().count() > 500 || answer.len() > MAX_TEXT_BYTES {
            return Err(Error::Validation(
                "the question must be at most 500 characters and the answer at most 512 KB".into(),
            ));
        }
        Ok(NewSource::Qa { question: question.to_owned(), answer: answer.to_owned() })
    }

    /// Checks a text: not empty, at most [`MAX_TEXT_BYTES`]; the title defaults to its first line.
    pub fn text(title: Option<&str>, text: &str) -> Result<NewSource> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Validation("a text item needs its text in content".into()));
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(Error::PayloadTooLarge("a text item may have at most 512 KB of text".into()));
        }
        let (title, source_url) = match title.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) if t.starts_with("https://") || t.starts_with("http://") => (t.to_owned(), Some(t.to_owned())),
            Some(t) => (t.chars().take(200).collect(), None),
            None => {
                let first = text.lines().next().unwrap_or("Text").trim_start_matches('#').trim();
                (first.chars().take(80).collect(), None)
            }
        };
        Ok(NewSource::Text { title, text: text.to_owned(), source_url })
    }
}

/// A piece of a text: its section path (from Markdown headings) and its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub section: Option<String>,
    pub text: String,
}

/// Splits a text into chunks of about [`CHUNK_CHARS`] characters along its structure: a heading
/// starts a new chunk (and names its section), paragraphs and list items stay whole where they
/// fit, and a paragraph longer than a chunk is split between sentences.
pub fn chunk_text(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    let section_of = |headings: &[(usize, String)]| {
        (!headings.is_empty()).then(|| headings.iter().map(|(_, h)| h.as_str()).collect::<Vec<_>>().join(" › "))
    };
    let mut section = None;
    let flush = |current: &mut String, section: &Option<String>, chunks: &mut Vec<Chunk>| {
        let text = current.trim();
        if !text.is_empty() {
            chunks.push(Chunk { section: section.clone(), text: text.to_owned() });
        }
        current.clear();
    };
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let level = block.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&level) && block[level..].starts_with(' ') && !block.contains('\n') {
            flush(&mut current, &section, &mut chunks);
            headings.retain(|(l, _)| *l < level);
            headings.push((level, block[level..].trim().to_owned()));
            section = section_of(&headings);
            continue;
        }
        let pieces: Vec<String> =
            if block.chars().count() > CHUNK_CHARS { split_sentences(block) } else { vec![block.to_owned()] };
        for piece in pieces {
            if !current.is_empty() && current.chars().count() + piece.chars().count() > CHUNK_CHARS {
                flush(&mut current, &section, &mut chunks);
            }
            if !current.is_empty() {
                current.push_str("\n\n");
            }
            current.push_str(&piece);
        }
    }
    flush(&mut current, &section, &mut chunks);
    chunks
}

/// Groups the sentences of a long paragraph into pieces of at most [`CHUNK_CHARS`] characters
/// (a single longer sentence is cut at a word boundary).
fn split_sentences(paragraph: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for sentence in paragraph.split_inclusive(['.', '!', '?']) {
        if !current.is_empty() && current.chars().count() + sentence.chars().count() > CHUNK_CHARS {
            out.push(std::mem::take(&mut current).trim().to_owned());
        }
        current.push_str(sentence);
        while current.chars().count() > CHUNK_CHARS {
            let cut: String = current.chars().take(CHUNK_CHARS).collect();
            let at = cut.rfind(' ').filter(|at| *at > 0).unwrap_or(cut.len());
            out.push(current[..at].trim().to_owned());
            current = current[at..].to_owned();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

pub(crate) const SOURCE_COLUMNS: &str = "id, chatbot_id, kind, title, source_url, status, error, chunk_count, byte_count, \
     created_at, updated_at, parent_id, file_name, content_hash, pages_done, pages_total";

/// A chunk as stored: its kind, heading, question (for Q&A) and content.
type ChunkRow = (EntryKind, String, Option<String>, String);

/// Adds a source and its chunks to a chatbot in one transaction, ready for retrieval at once,
/// with its `knowledge.source.ready` event (the caller wakes the webhook dispatcher).
pub async fn create_source(db: &Db, workspace_id: &str, chatbot_id: &str, new: NewSource) -> Result<Source> {
    let now = now_ms();
    let id = new_id("src");
    let (kind, title, source_url, entries): (&str, String, Option<String>, Vec<ChunkRow>) = match new {
        NewSource::Qa { question, answer } => {
            ("qa", question.clone(), None, vec![(EntryKind::Qa, question.clone(), Some(question), answer)])
        }
        NewSource::Text { title, text, source_url } => {
            let entries = chunk_text(&text)
                .into_iter()
                .map(|chunk| {
                    // A text titled by its own first heading would otherwise say it twice.
                    let heading = match &chunk.section {
                        Some(section) if section.starts_with(title.as_str()) => section.clone(),
                        Some(section) => format!("{title} › {section}"),
                        None => title.clone(),
                    };
                    (EntryKind::Text, heading, None, chunk.text)
                })
                .collect();
            ("text", title, source_url, entries)
        }
    };
    let byte_count: usize = entries.iter().map(|(_, _, _, content)| content.len()).sum();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO knowledge_sources (id, chatbot_id, kind, title, source_url, status, chunk_count, byte_count, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'ready', $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(chatbot_id)
    .bind(kind)
    .bind(&title)
    .bind(&source_url)
    .bind(i64::try_from(entries.len()).unwrap_or(i64::MAX))
    .bind(i64::try_from(byte_count).unwrap_or(i64::MAX))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (entry_kind, heading, question, content) in &entries {
        sqlx::query(
            "INSERT INTO knowledge_entries (id, chatbot_id, kind, title, question, content, source_url, created_at, source_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id("kn"))
        .bind(chatbot_id)
        .bind(entry_kind.as_str())
        .bind(heading)
        .bind(question)
        .bind(content)
        .bind(&source_url)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    }
    record_change(&mut tx, chatbot_id, Some(&id)).await?;
    // Added whole and never fetched, the source has no url, file name or pages to report.
    let event = crate::webhooks::events::KnowledgeSourceReady {
        source_id: &id,
        chatbot_id,
        kind,
        title: &title,
        url: None,
        file_name: None,
        chunk_count: i64::try_from(entries.len()).unwrap_or(i64::MAX),
        pages: None,
        ready_at: crate::ids::rfc3339(now),
    };
    crate::webhooks::emit(&mut tx, workspace_id, &event).await?;
    tx.commit().await?;
    get_source(db, chatbot_id, &id).await
}

/// One source of a chatbot.
pub async fn get_source(db: &Db, chatbot_id: &str, id: &str) -> Result<Source> {
    sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1 AND chatbot_id = $2"))
        .bind(id)
        .bind(chatbot_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound("knowledge source"))
}

/// A source of any of a workspace's chatbots.
pub async fn find_source(db: &Db, workspace_id: &str, id: &str) -> Result<Source> {
    sqlx::query_as(&format!(
        "SELECT s.{} FROM knowledge_sources s JOIN chatbots b ON b.id = s.chatbot_id
         WHERE s.id = $1 AND b.workspace_id = $2",
        SOURCE_COLUMNS.replace(", ", ", s.")
    ))
    .bind(id)
    .bind(workspace_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound("knowledge source"))
}

/// A chatbot's sources that an owner added (not the pages of a crawl), newest first.
pub async fn list_sources(db: &Db, chatbot_id: &str) -> Result<Vec<Source>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE chatbot_id = $1 AND parent_id IS NULL
         ORDER BY created_at DESC, id DESC"
    ))
    .bind(chatbot_id)
    .fetch_all(db.pool())
    .await?)
}

/// The pages a crawl learned from, in the order they were stored.
pub async fn list_pages(db: &Db, parent_id: &str) -> Result<Vec<Source>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE parent_id = $1 ORDER BY created_at, id"
    ))
    .bind(parent_id)
    .fetch_all(db.pool())
    .await?)
}

/// Deletes a source and, through the schema's cascade, its pages, chunks and job; every
/// process's index drops them at its next search.
pub async fn delete_source(db: &Db, source: &Source) -> Result<()> {
    let mut tx = db.begin().await?;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM knowledge_sources WHERE id = $1 OR parent_id = $1")
        .bind(&source.id)
        .fetch_all(&mut *tx)
        .await?;
    for id in &ids {
        record_change(&mut tx, &source.chatbot_id, Some(id)).await?;
    }
    sqlx::query("DELETE FROM knowledge_sources WHERE id = $1").bind(&source.id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Retrieval over every chatbot's knowledge (this process's search index), shared by the API,
/// the chat service and the job worker. Cheap to clone.
#[derive(Clone)]
pub struct Knowledge {
    index: Arc<index::SearchIndex>,
}

impl Knowledge {
    /// Retrieval by BM25 alone, or hybrid (fused with vector similarity) with an `embedder`.
    pub fn new(db: Db, embedder: Option<Arc<dyn embed::Embedder>>) -> Knowledge {
        Knowledge { index: Arc::new(index::SearchIndex::new(db, embedder)) }
    }

    /// A chatbot's knowledge ranked for `query`, best first (BM25, fused with vector
    /// similarity when an embedder is configured; Q&A pairs that cover the question first).
    pub async fn search(&self, chatbot_id: &str, query: &str, limit: usize) -> Result<Vec<Hit>> {
        self.index.search(chatbot_id, query, limit).await
    }

    /// [`Knowledge::search`], saying which retrievers found each hit.
    pub async fn search_ranked(&self, chatbot_id: &str, query: &str, limit: usize) -> Result<Vec<Ranked>> {
        self.index.search_ranked(chatbot_id, query, limit).await
    }

    /// The embedder of hybrid retrieval, if one is configured.
    pub fn embedder(&self) -> Option<Arc<dyn embed::Embedder>> {
        self.index.embedder().cloned()
    }
}

/// Which retrievers found a hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FoundBy {
    /// BM25 over the words.
    pub keywords: bool,
    /// Cosine similarity of embeddings.
    pub vector: bool,
}

impl FoundBy {
    /// Found by BM25 alone.
    pub const KEYWORDS: FoundBy = FoundBy { keywords: true, vector: false };

    /// The retrievers' names: `bm25`, `vector`.
    pub fn names(self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.keywords {
            names.push("bm25");
        }
        if self.vector {
            names.push("vector");
        }
        names
    }
}

/// A hit with the retrievers that found it.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub hit: Hit,
    pub found_by: FoundBy,
}

/// An entry that matched a query, with its relevance.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    pub entry: Entry,
    pub score: f64,
    /// The share of the query's meaningful words that the entry contains (0 to 1).
    pub coverage: f64,
    /// The query's analyzed terms with their weight in the chatbot's knowledge (shared by the
    /// hits of one search); empty when the hit did not come from a search.
    pub query: Arc<Vec<QueryTerm>>,
}

/// A term of a query, as the index analyzes it (lowercased, folded, stemmed), with how much it
/// tells: BM25's inverse document frequency over the chatbot's chunks, high for a rare term and
/// highest for one that no chunk holds.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    pub term: String,
    pub idf: f64,
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for", "from", "how", "i",
    "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "should", "so", "tell",
    "that", "the", "their", "there", "this", "to", "was", "we", "what", "when", "where", "which", "who", "why", "will",
    "with", "would", "you", "your",
];

/// Lowercase words of a text without stopwords, with a light plural folding.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") { w[..w.len() - 1].to_owned() } else { w })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_start_chunks_and_name_their_sections() {
        let text = "# Guide\n\nIntro paragraph.\n\n## Install\n\nRun the installer.\n\n## Use\n\nOpen the app.";
        let chunks = chunk_text(text);
        let sections: Vec<Option<&str>> = chunks.iter().map(|c| c.section.as_deref()).collect();
        assert_eq!(sections, vec![Some("Guide"), Some("Guide › Install"), Some("Guide › Use")]);
        assert_eq!(chunks[1].text, "Run the installer.");
    }

    #[test]
    fn long_text_is_split_into_chunks_of_bounded_size_without_losing_words() {
        let sentence = "Parlor answers visitors from the owner's knowledge with citations. ";
        let text = format!("{}\n\n{}", sentence.repeat(40), sentence.repeat(3));
        let chunks = chunk_text(&text);
        assert!(chunks.len() > 2);
        assert!(chunks.iter().all(|c| c.text.chars().count() <= CHUNK_CHARS), "{chunks:?}");
        let words: usize = chunks.iter().map(|c| c.text.split_whitespace().count()).sum();
        assert_eq!(words, text.split_whitespace().count());
    }

    #[test]
    fn one_giant_sentence_is_cut_at_word_boundaries() {
        let text = "word ".repeat(1000);
        let chunks = chunk_text(&text);
        assert!(chunks.iter().all(|c| c.text.chars().count() <= CHUNK_CHARS));
        assert!(chunks.iter().all(|c| c.text.split_whitespace().all(|w| w == "word")));
    }

    #[test]
    fn items_are_checked() {
        assert!(NewSource::qa("", "answer").is_err());
        assert!(NewSource::text(None, "   ").is_err());
        assert!(matches!(NewSource::text(None, &"x".repeat(MAX_TEXT_BYTES + 1)), Err(Error::PayloadTooLarge(_))));
        let NewSource::Text { title, .. } = NewSource::text(None, "# Shipping\n\nWe ship.").unwrap() else {
            unreachable!()
        };
        assert_eq!(title, "Shipping");
    }
}
