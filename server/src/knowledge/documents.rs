//! Turning an extracted document ([`crate::ingest::Document`]) into a source's chunks.
//!
//! A source's chunks are always replaced in one transaction (readers see the old chunks or the
//! new ones, never a mix), and not at all when the document's content hash is the one already
//! stored, so an unchanged page fetched again writes nothing.

use super::{Source, record_change, vectors};
use crate::db::Db;
use crate::error::Result;
use crate::ids::{new_id, now_ms, rfc3339};
use crate::ingest::{self, ChunkSettings, Document, ExtractError};
use crate::webhooks::{self, events};

use crate::db::Tx;

/// A document ready to store: its title, content hash and chunks.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub title: String,
    pub content_hash: String,
    pub chunks: Vec<ingest::Chunk>,
}

impl Prepared {
    /// Chunks a document. A document without text is [`ExtractError::Empty`].
    pub fn new(doc: &Document, fallback_title: &str) -> Result<Prepared, ExtractError> {
        let chunks: Vec<ingest::Chunk> =
            ingest::chunk(doc, &ChunkSettings::default()).into_iter().filter(|c| !c.text.trim().is_empty()).collect();
        if chunks.is_empty() {
            return Err(ExtractError::Empty);
        }
        let title = doc
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(fallback_title)
            .chars()
            .take(200)
            .collect();
        Ok(Prepared { title, content_hash: ingest::content_hash(doc), chunks })
    }

    /// The bytes of text in the chunks.
    pub fn byte_count(&self) -> i64 {
        i64::try_from(self.chunks.iter().map(|c| c.text.len()).sum::<usize>()).unwrap_or(i64::MAX)
    }

    fn chunk_count(&self) -> i64 {
        i64::try_from(self.chunks.len()).unwrap_or(i64::MAX)
    }

    /// A chunk's heading: the document's title and the chunk's section path.
    fn heading(&self, chunk: &ingest::Chunk) -> String {
        let mut parts: Vec<&str> = vec![self.title.as_str()];
        for (i, section) in chunk.section_path.iter().enumerate() {
            // A document whose first heading is its title would otherwise say it twice.
            if i == 0 && section.trim() == self.title {
                continue;
            }
            parts.push(section.trim());
        }
        parts.join(" › ")
    }
}

/// What storing a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The chunks were replaced (or written for the first time).
    Replaced,
    /// The content hash matched the stored one: nothing was written.
    Unchanged,
}

/// Writes a source's chunks in place of its old ones and marks it ready, unless its stored
/// content hash already matches.
pub async fn replace_chunks(tx: &mut Tx, source: &Source, url: Option<&str>, prepared: &Prepared) -> Result<Stored> {
    if source.content_hash.as_deref() == Some(prepared.content_hash.as_str()) && source.chunk_count > 0 {
        return Ok(Stored::Unchanged);
    }
    let now = now_ms();
    // Chunks whose text did not change keep their vectors instead of being embedded again.
    let previous = vectors::vectors_of_source(tx, &source.id).await?;
    sqlx::query("DELETE FROM knowledge_entries WHERE source_id = $1").bind(&source.id).execute(&mut **tx).await?;
    for chunk in &prepared.chunks {
        let entry_id = new_id("kn");
        let heading = prepared.heading(chunk);
        sqlx::query(
            "INSERT INTO knowledge_entries
                 (id, chatbot_id, kind, title, question, content, source_url, created_at, source_id, section, page)
             VALUES ($1, $2, 'text', $3, NULL, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&entry_id)
        .bind(&source.chatbot_id)
        .bind(&heading)
        .bind(&chunk.text)
        .bind(url)
        .bind(now)
        .bind(&source.id)
        .bind((!chunk.section_path.is_empty()).then(|| chunk.section_path.join(" › ")))
        .bind(chunk.page.map(i64::from))
        .execute(&mut **tx)
        .await?;
        if !previous.is_empty() {
            let text = vectors::embedded_text(&heading, None, &chunk.text);
            vectors::carry_over(tx, &previous, (&entry_id, &source.chatbot_id, &source.id), &text).await?;
        }
    }
    sqlx::query(
        "UPDATE knowledge_sources SET title = $1, content_hash = $2, chunk_count = $3, byte_count = $4,
             status = 'ready', error = NULL, updated_at = $5
         WHERE id = $6",
    )
    .bind(&prepared.title)
    .bind(&prepared.content_hash)
    .bind(prepared.chunk_count())
    .bind(prepared.byte_count())
    .bind(now)
    .bind(&source.id)
    .execute(&mut **tx)
    .await?;
    record_change(tx, &source.chatbot_id, Some(&source.id)).await?;
    Ok(Stored::Replaced)
}

/// Inserts a source row (its chunks come separately).
#[allow(clippy::too_many_arguments, reason = "a row's columns, each named at the one call site")]
pub(crate) async fn insert_source(
    tx: &mut Tx,
    chatbot_id: &str,
    kind: &str,
    title: &str,
    source_url: Option<&str>,
    file_name: Option<&str>,
    parent_id: Option<&str>,
    status: &str,
) -> Result<String> {
    let id = new_id("src");
    let now = now_ms();
    sqlx::query(
        "INSERT INTO knowledge_sources
             (id, chatbot_id, kind, title, source_url, status, chunk_count, byte_count, created_at, updated_at,
              parent_id, file_name)
         VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $7, $8, $9)",
    )
    .bind(&id)
    .bind(chatbot_id)
    .bind(kind)
    .bind(title)
    .bind(source_url)
    .bind(status)
    .bind(now)
    .bind(parent_id)
    .bind(file_name)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

async fn source_in(tx: &mut Tx, id: &str) -> Result<Source> {
    Ok(sqlx::query_as(&format!("SELECT {} FROM knowledge_sources WHERE id = $1", super::SOURCE_COLUMNS))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?)
}

/// Adds an uploaded document as a ready source with its chunks and its
/// `knowledge.source.ready` event, in one transaction.
pub async fn create_document(
    db: &Db,
    workspace_id: &str,
    chatbot_id: &str,
    file_name: &str,
    prepared: &Prepared,
) -> Result<Source> {
    let mut tx = db.begin().await?;
    let id = insert_source(&mut tx, chatbot_id, "document", &prepared.title, None, Some(file_name), None, "processing")
        .await?;
    let source = source_in(&mut tx, &id).await?;
    replace_chunks(&mut tx, &source, None, prepared).await?;
    let source = source_in(&mut tx, &id).await?;
    emit_ready(&mut tx, workspace_id, &source).await?;
    tx.commit().await?;
    Ok(source)
}

/// Records a source that could not be processed (a hostile or broken file), with its
/// `knowledge.source.failed` event, so the owner sees what failed and why.
pub async fn create_failed(
    db: &Db,
    workspace_id: &str,
    chatbot_id: &str,
    kind: &str,
    title: &str,
    file_name: Option<&str>,
    error: &str,
) -> Result<Source> {
    let mut tx = db.begin().await?;
    let id = insert_source(&mut tx, chatbot_id, kind, title, None, file_name, None, "failed").await?;
    sqlx::query("UPDATE knowledge_sources SET error = $1 WHERE id = $2")
        .bind(error)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    let source = source_in(&mut tx, &id).await?;
    emit_failed(&mut tx, workspace_id, &source).await?;
    tx.commit().await?;
    Ok(source)
}

/// Stores one page of a crawl as a child source of `parent`, found again by its URL when the
/// crawl runs again. Returns the page's source id and what was written.
pub async fn store_page(db: &Db, parent: &Source, url: &str, prepared: &Prepared) -> Result<(String, Stored)> {
    let mut tx = db.begin().await?;
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM knowledge_sources WHERE parent_id = $1 AND source_url = $2")
            .bind(&parent.id)
            .bind(url)
            .fetch_optional(&mut *tx)
            .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            insert_source(
                &mut tx,
                &parent.chatbot_id,
                "page",
                &prepared.title,
                Some(url),
                None,
                Some(&parent.id),
                "processing",
            )
            .await?
        }
    };
    let page = source_in(&mut tx, &id).await?;
    let stored = replace_chunks(&mut tx, &page, Some(url), prepared).await?;
    tx.commit().await?;
    Ok((id, stored))
}

/// Stores a single fetched page as the chunks of the source itself (type `url`).
pub async fn store_single(db: &Db, source: &Source, url: &str, prepared: &Prepared) -> Result<Stored> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE knowledge_sources SET source_url = $1 WHERE id = $2")
        .bind(url)
        .bind(&source.id)
        .execute(&mut *tx)
        .await?;
    let current = source_in(&mut tx, &source.id).await?;
    let stored = replace_chunks(&mut tx, &current, Some(url), prepared).await?;
    tx.commit().await?;
    Ok(stored)
}

/// The `knowledge.source.ready` event of a source.
pub async fn emit_ready(tx: &mut Tx, workspace_id: &str, source: &Source) -> Result<()> {
    let event = events::KnowledgeSourceReady {
        source_id: &source.id,
        chatbot_id: &source.chatbot_id,
        kind: &source.kind,
        title: &source.title,
        url: Some(source.source_url.as_deref()),
        file_name: Some(source.file_name.as_deref()),
        chunk_count: source.chunk_count,
        pages: Some(source.pages_done),
        ready_at: rfc3339(now_ms()),
    };
    webhooks::emit(tx, workspace_id, &event).await?;
    Ok(())
}

/// The `knowledge.source.failed` event of a source.
pub async fn emit_failed(tx: &mut Tx, workspace_id: &str, source: &Source) -> Result<()> {
    let event = events::KnowledgeSourceFailed {
        source_id: &source.id,
        chatbot_id: &source.chatbot_id,
        kind: &source.kind,
        title: &source.title,
        url: source.source_url.as_deref(),
        file_name: source.file_name.as_deref(),
        error: source.error.as_deref(),
        failed_at: rfc3339(now_ms()),
    };
    webhooks::emit(tx, workspace_id, &event).await?;
    Ok(())
}
