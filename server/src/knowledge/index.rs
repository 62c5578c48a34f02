//! The search index: tantivy BM25 over each chatbot's chunks, kept in this process's memory as a
//! derived view of the database.
//!
//! The database is the source of truth. Every change to a chatbot's searchable knowledge writes
//! a row to `knowledge_changes` in the transaction of the change; before each search the index
//! reads the changes it has not applied yet and re-reads the sources they name (re-indexing the
//! ones that still exist, dropping the rest). So several processes on one PostgreSQL answer from
//! the same knowledge, a crash loses nothing (the index is rebuilt from the database), and a
//! deleted source disappears from every process's answers at its next search.
//!
//! Sequence numbers become visible out of order on PostgreSQL (a transaction that took number 10
//! may commit after the one that took 11), so the index does not trust a single high-water mark:
//! it re-reads the changes of the last [`SETTLE_MS`] and remembers which of those it applied.
//!
//! A chatbot's index is built the first time it is searched and dropped after [`IDLE_MS`]
//! without searches, so memory follows the chatbots that are in use.

use std::collections::{BTreeSet, HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};
use tokio::sync::Mutex;

use super::{Entry, EntryKind, Hit};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::now_ms;

/// How long a change may take from taking its sequence number to being visible to readers.
const SETTLE_MS: i64 = 60_000;
/// A chatbot's index unused for this long is dropped (and rebuilt when it is searched again).
const IDLE_MS: i64 = 10 * 60_000;
/// The name the analyzer is registered under in each index.
const ANALYZER: &str = "parlor_en";
/// A Q&A pair whose question holds at least this share of the query's terms ranks before
/// passages.
const QA_FIRST_COVERAGE: f64 = 0.5;
/// Entries read from the database per batch while building an index.
const LOAD_BATCH: i64 = 2_000;

/// Question words and fillers dropped besides Lucene's English stopwords, so that "what are your
/// opening hours" is about opening hours.
const EXTRA_STOPWORDS: &[&str] = &[
    "can", "could", "do", "does", "from", "how", "i", "its", "me", "my", "our", "please", "should", "so", "tell", "we",
    "what", "when", "where", "which", "who", "why", "would", "you", "your",
];
const LUCENE_STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

/// The analyzer of every text field and of queries: words split at non-alphanumerics,
/// lowercased, accents folded, stopwords dropped and English stems. Text in other languages
/// still matches word for word; the English stemmer only trims common suffixes.
pub fn analyzer() -> TextAnalyzer {
    let stopwords = LUCENE_STOPWORDS.iter().chain(EXTRA_STOPWORDS).map(|w| (*w).to_owned());
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stopwords))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The analyzed terms of a text, in order.
pub fn analyze(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[derive(Clone, Copy)]
struct Fields {
    entry_id: Field,
    source_id: Field,
    title: Field,
    question: Field,
    content: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        entry_id: builder.add_text_field("entry_id", STRING | STORED),
        source_id: builder.add_text_field("source_id", STRING),
        title: builder.add_text_field("title", text.clone()),
        question: builder.add_text_field("question", text.clone()),
        content: builder.add_text_field("content", text),
    };
    (builder.build(), fields)
}

/// One chatbot's index. Clones share the same index.
#[derive(Clone)]
struct ChatbotIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    used_at: i64,
}

/// A chunk as the index needs it.
#[derive(sqlx::FromRow)]
struct IndexRow {
    id: String,
    source_id: Option<String>,
    title: String,
    question: Option<String>,
    content: String,
}

impl ChatbotIndex {
    fn new() -> Result<ChatbotIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(ANALYZER, analyzer());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(search_error)?;
        Ok(ChatbotIndex { index, reader, fields, used_at: now_ms() })
    }

    /// Removes the chunks of `removed` sources and adds `rows`, in one commit.
    fn apply(&self, removed: &[String], rows: Vec<IndexRow>) -> Result<()> {
        // The smallest budget tantivy accepts; a writer lives only for one batch.
        let mut writer: tantivy::IndexWriter =
            self.index.writer_with_num_threads(1, 15_000_000).map_err(search_error)?;
        for source_id in removed {
            writer.delete_term(Term::from_field_text(self.fields.source_id, source_id));
        }
        for row in rows {
            let mut doc = TantivyDocument::default();
            doc.add_text(self.fields.entry_id, &row.id);
            doc.add_text(self.fields.source_id, row.source_id.as_deref().unwrap_or(""));
            doc.add_text(self.fields.title, &row.title);
            if let Some(question) = &row.question {
                doc.add_text(self.fields.question, question);
            }
            doc.add_text(self.fields.content, &row.content);
            writer.add_document(doc).map_err(search_error)?;
        }
        writer.commit().map_err(search_error)?;
        self.reader.reload().map_err(search_error)?;
        Ok(())
    }

    /// [`ChatbotIndex::apply`] on a blocking thread: a commit merges segments and may take a
    /// while for a large chatbot.
    async fn apply_blocking(&self, removed: Vec<String>, rows: Vec<IndexRow>) -> Result<()> {
        let index = self.clone();
        tokio::task::spawn_blocking(move || index.apply(&removed, rows)).await.map_err(search_error)?
    }

    /// The best `limit` entry ids for the analyzed query terms, with their BM25 scores.
    fn top(&self, terms: &[String], limit: usize) -> Result<Vec<(String, f32)>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in terms {
            // A question names what a Q&A pair is about and a title what a passage is about, so
            // a match there counts more than one in running text.
            for (field, boost) in [(self.fields.question, 3.0), (self.fields.title, 2.0), (self.fields.content, 1.0)] {
                let query = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost))));
            }
        }
        let searcher = self.reader.searcher();
        let found = searcher
            .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit).order_by_score())
            .map_err(search_error)?;
        let mut out = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address).map_err(search_error)?;
            if let Some(id) = doc.get_first(self.fields.entry_id).and_then(|v| v.as_str()) {
                out.push((id.to_owned(), score));
            }
        }
        Ok(out)
    }
}

fn search_error(err: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("search index: {err}"))
}

struct Inner {
    /// Every change up to this sequence number is applied (or was settled before any index).
    low: i64,
    /// Changes above `low` already applied.
    applied: BTreeSet<i64>,
    chatbots: HashMap<String, ChatbotIndex>,
    started: bool,
}

/// The per-process search index over every chatbot's knowledge.
pub struct SearchIndex {
    db: Db,
    inner: Mutex<Inner>,
}

#[derive(sqlx::FromRow)]
struct Change {
    seq: i64,
    chatbot_id: String,
    source_id: Option<String>,
    created_at: i64,
}

impl SearchIndex {
    pub fn new(db: Db) -> SearchIndex {
        SearchIndex {
            db,
            inner: Mutex::new(Inner { low: 0, applied: BTreeSet::new(), chatbots: HashMap::new(), started: false }),
        }
    }

    /// Ranks a chatbot's knowledge for `query` with BM25, best first, Q&A pairs that cover the
    /// question ahead of passages.
    pub async fn search(&self, chatbot_id: &str, query: &str, limit: usize) -> Result<Vec<Hit>> {
        let terms: Vec<String> = {
            let mut seen = HashSet::new();
            analyze(query).into_iter().filter(|t| seen.insert(t.clone())).collect()
        };
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let top = {
            let mut inner = self.inner.lock().await;
            self.catch_up(&mut inner).await?;
            if !inner.chatbots.contains_key(chatbot_id) {
                let built = self.build(chatbot_id).await?;
                inner.chatbots.insert(chatbot_id.to_owned(), built);
            }
            let index = inner.chatbots.get_mut(chatbot_id).ok_or_else(|| search_error("index vanished"))?;
            index.used_at = now_ms();
            // A few more candidates than asked, so that Q&A pairs can move ahead of passages.
            index.top(&terms, limit * 3)?
        };
        let entries = self.entries(chatbot_id, &top).await?;
        let mut hits: Vec<Hit> = top
            .iter()
            .filter_map(|(id, score)| {
                let entry = entries.iter().find(|e| &e.id == id)?.clone();
                let coverage = coverage(&terms, &entry);
                Some(Hit { entry, score: f64::from(*score), coverage })
            })
            .collect();
        // A Q&A pair whose question is what the visitor asks is the owner's own answer to it.
        let qa_first = |hit: &Hit| {
            let question_matches = hit.entry.kind() == EntryKind::Qa
                && hit.entry.question.as_deref().is_some_and(|q| share(&terms, q) >= QA_FIRST_COVERAGE);
            !question_matches
        };
        hits.sort_by(|a, b| qa_first(a).cmp(&qa_first(b)).then(b.score.total_cmp(&a.score)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// Reads the found entries from the database, which also leaves out any entry deleted since
    /// the index last caught up.
    async fn entries(&self, chatbot_id: &str, top: &[(String, f32)]) -> Result<Vec<Entry>> {
        if top.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..top.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT e.id, e.chatbot_id, e.kind, e.title, e.question, e.content, e.source_url, e.page, s.file_name
             FROM knowledge_entries e LEFT JOIN knowledge_sources s ON s.id = e.source_id
             WHERE e.chatbot_id = $1 AND e.id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, Entry>(&sql).bind(chatbot_id);
        for (id, _) in top {
            query = query.bind(id);
        }
        Ok(query.fetch_all(self.db.pool()).await?)
    }

    /// Builds a chatbot's index from the database.
    async fn build(&self, chatbot_id: &str) -> Result<ChatbotIndex> {
        let index = ChatbotIndex::new()?;
        let mut after = String::new();
        loop {
            let rows: Vec<IndexRow> = sqlx::query_as(
                "SELECT id, source_id, title, question, content FROM knowledge_entries
                 WHERE chatbot_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(chatbot_id)
            .bind(&after)
            .bind(LOAD_BATCH)
            .fetch_all(self.db.pool())
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            let full = rows.len() as i64 == LOAD_BATCH;
            index.apply_blocking(Vec::new(), rows).await?;
            if !full {
                break;
            }
        }
        Ok(index)
    }

    /// Applies the changes this process has not seen yet to the indexes it holds.
    async fn catch_up(&self, inner: &mut Inner) -> Result<()> {
        let now = now_ms();
        inner.chatbots.retain(|_, index| now - index.used_at < IDLE_MS);
        if !inner.started || inner.chatbots.is_empty() {
            // With no index built, earlier changes are already in whatever is built next.
            let settled: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM knowledge_changes WHERE created_at < $1")
                    .bind(now - SETTLE_MS)
                    .fetch_one(self.db.pool())
                    .await?;
            inner.low = inner.low.max(settled);
            inner.started = true;
        }
        let changes: Vec<Change> = sqlx::query_as(
            "SELECT seq, chatbot_id, source_id, created_at FROM knowledge_changes WHERE seq > $1 ORDER BY seq",
        )
        .bind(inner.low)
        .fetch_all(self.db.pool())
        .await?;
        let mut by_chatbot: HashMap<&str, (HashSet<&str>, bool)> = HashMap::new();
        for change in changes.iter().filter(|c| !inner.applied.contains(&c.seq)) {
            let entry = by_chatbot.entry(change.chatbot_id.as_str()).or_default();
            match &change.source_id {
                Some(source_id) => {
                    entry.0.insert(source_id.as_str());
                }
                None => entry.1 = true,
            }
        }
        for (chatbot_id, (sources, whole)) in by_chatbot {
            if whole {
                inner.chatbots.remove(chatbot_id);
            }
            let Some(index) = inner.chatbots.get(chatbot_id).cloned() else { continue };
            let sources: Vec<String> = sources.into_iter().map(str::to_owned).collect();
            let rows = self.rows_of_sources(chatbot_id, &sources).await?;
            index.apply_blocking(sources, rows).await?;
        }
        for change in &changes {
            inner.applied.insert(change.seq);
        }
        // Changes older than the settling time cannot be followed by an unseen earlier one.
        if let Some(settled) = changes.iter().take_while(|c| c.created_at < now - SETTLE_MS).map(|c| c.seq).last() {
            inner.low = inner.low.max(settled);
        }
        let low = inner.low;
        inner.applied.retain(|seq| *seq > low);
        Ok(())
    }

    /// The current chunks of some sources of a chatbot.
    async fn rows_of_sources(&self, chatbot_id: &str, sources: &[String]) -> Result<Vec<IndexRow>> {
        let mut rows = Vec::new();
        for batch in sources.chunks(500) {
            let placeholders: Vec<String> = (0..batch.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT id, source_id, title, question, content FROM knowledge_entries
                 WHERE chatbot_id = $1 AND source_id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, IndexRow>(&sql).bind(chatbot_id);
            for source_id in batch {
                query = query.bind(source_id);
            }
            rows.extend(query.fetch_all(self.db.pool()).await?);
        }
        Ok(rows)
    }
}

/// The share of the query's terms that an entry holds (0 to 1).
fn coverage(terms: &[String], entry: &Entry) -> f64 {
    share(terms, &format!("{} {} {}", entry.title, entry.question.as_deref().unwrap_or(""), entry.content))
}

/// The share of `terms` that `text` holds (0 to 1).
fn share(terms: &[String], text: &str) -> f64 {
    let words: HashSet<String> = analyze(text).into_iter().collect();
    let matched = terms.iter().filter(|t| words.contains(*t)).count();
    matched as f64 / terms.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analyzer_stems_english_folds_accents_and_drops_question_words() {
        assert_eq!(analyze("What are your Refunds?"), vec!["refund"]);
        assert_eq!(analyze("Café opening hours"), vec!["cafe", "open", "hour"]);
        assert!(analyze("what is it").is_empty());
    }

    #[test]
    fn other_languages_still_match_word_for_word() {
        assert_eq!(analyze("Öffnungszeiten"), analyze("öffnungszeiten"));
        assert!(!analyze("часы работы").is_empty());
    }

    #[test]
    fn an_index_finds_the_chunk_about_the_query_and_forgets_a_removed_source() {
        let index = ChatbotIndex::new().unwrap();
        let row = |id: &str, source: &str, title: &str, content: &str| IndexRow {
            id: id.into(),
            source_id: Some(source.into()),
            title: title.into(),
            question: None,
            content: content.into(),
        };
        index
            .apply(
                &[],
                vec![
                    row("kn_1", "src_a", "Refunds", "Refunds are paid to the original card within 5 days."),
                    row("kn_2", "src_b", "Shipping", "We ship worldwide with tracked parcels."),
                ],
            )
            .unwrap();
        let top = index.top(&analyze("how are refunds paid"), 5).unwrap();
        assert_eq!(top[0].0, "kn_1");
        index.apply(&["src_a".to_owned()], Vec::new()).unwrap();
        assert!(index.top(&analyze("refunds"), 5).unwrap().is_empty());
        assert_eq!(index.top(&analyze("shipping parcels"), 5).unwrap()[0].0, "kn_2");
    }

    async fn test_db() -> (tempfile::TempDir, Db, String) {
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::config::StorageConfig::Sqlite { path: dir.path().join("parlor.db") };
        let db = Db::connect_with(&storage, 2).await.unwrap();
        db.migrate().await.unwrap();
        let workspace = crate::workspaces::default_workspace(&db).await.unwrap();
        let new = crate::chatbots::NewChatbot::parse("Index", None, None).unwrap();
        let bot = crate::chatbots::create_chatbot(&db, &workspace, new).await.unwrap();
        (dir, db, bot.id)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn qa_pairs_that_cover_the_question_rank_before_passages() {
        let (_dir, db, bot) = test_db().await;
        let workspace = crate::workspaces::default_workspace(&db).await.unwrap();
        let passage = super::super::NewSource::text(
            Some("Shipping"),
            "Shipping abroad costs extra. Shipping abroad takes a week. We ship abroad to 40 countries abroad.",
        )
        .unwrap();
        super::super::create_source(&db, &workspace, &bot, passage).await.unwrap();
        let qa = super::super::NewSource::qa("Do you ship abroad?", "Yes, to 40 countries.").unwrap();
        super::super::create_source(&db, &workspace, &bot, qa).await.unwrap();
        let index = SearchIndex::new(db.clone());
        let hits = index.search(&bot, "do you ship abroad", 3).await.unwrap();
        assert_eq!(hits[0].entry.kind(), EntryKind::Qa, "{hits:?}");
        assert_eq!(hits.len(), 2);
        let hits = index.search(&bot, "how much does shipping cost", 3).await.unwrap();
        assert_eq!(hits[0].entry.kind(), EntryKind::Text, "the question is not about cost: {hits:?}");
        assert!(index.search(&bot, "what is it", 3).await.unwrap().is_empty(), "stopwords only");
        assert!(index.search(&bot, "quantum chromodynamics", 3).await.unwrap().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_index_built_before_a_change_catches_up_with_additions_and_deletions() {
        let (_dir, db, bot) = test_db().await;
        let workspace = crate::workspaces::default_workspace(&db).await.unwrap();
        let first = SearchIndex::new(db.clone());
        let second = SearchIndex::new(db.clone());
        assert!(first.search(&bot, "opening hours", 3).await.unwrap().is_empty());
        assert!(second.search(&bot, "opening hours", 3).await.unwrap().is_empty());
        let qa = super::super::NewSource::qa("What are your opening hours?", "9 to 5.").unwrap();
        let source = super::super::create_source(&db, &workspace, &bot, qa).await.unwrap();
        for index in [&first, &second] {
            assert_eq!(index.search(&bot, "opening hours", 3).await.unwrap().len(), 1);
        }
        super::super::delete_source(&db, &source).await.unwrap();
        for index in [&first, &second] {
            assert!(index.search(&bot, "opening hours", 3).await.unwrap().is_empty());
        }
    }
}
