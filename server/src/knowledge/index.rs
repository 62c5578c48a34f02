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
//!
//! When an embedder is configured, each chatbot's index also holds its chunks' vectors
//! ([`VectorSet`]), loaded and caught up with the same rows and changes, and a search fuses the
//! BM25 ranking with the vector ranking by reciprocal rank fusion ([`RRF_K`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};
use tokio::sync::Mutex;

use super::embed::Embedder;
use super::vectors::{self, VectorSet};
use super::{Entry, EntryKind, FoundBy, Hit, QueryTerm, Ranked};
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
/// The constant of reciprocal rank fusion: a hit at rank r (from 1) of a retriever adds
/// 1 / (RRF_K + r) to its fused score. 60 is the value of Cormack, Clarke and Büttcher (2009).
pub const RRF_K: f64 = 60.0;
/// Chunks whose cosine similarity to the question is below this are not vector hits, so an
/// unrelated question finds nothing rather than the least unrelated chunks.
pub const MIN_SIMILARITY: f32 = 0.2;

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
    // Built once: a search analyzes its query and snippets many times, and a clone of the
    // analyzer shares its stopword set.
    static PROTOTYPE: LazyLock<TextAnalyzer> = LazyLock::new(analyzer);
    let mut analyzer = PROTOTYPE.clone();
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
    vectors: Arc<std::sync::Mutex<VectorSet>>,
    used_at: i64,
}

/// A chunk as the index needs it, with its vector of the configured model if it has one.
#[derive(sqlx::FromRow)]
struct IndexRow {
    id: String,
    source_id: Option<String>,
    title: String,
    question: Option<String>,
    content: String,
    vector: Option<Vec<u8>>,
    dims: Option<i64>,
}

/// The columns of [`IndexRow`] from `knowledge_entries e` and `knowledge_vectors v`.
const ROW_COLUMNS: &str = "e.id, e.source_id, e.title, e.question, e.content, v.vector, v.dims";

impl ChatbotIndex {
    fn new() -> Result<ChatbotIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(ANALYZER, analyzer());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(search_error)?;
        Ok(ChatbotIndex { index, reader, fields, vectors: Arc::default(), used_at: now_ms() })
    }

    /// Removes the chunks of `removed` sources and adds `rows`, in one commit.
    fn apply(&self, removed: &[String], rows: Vec<IndexRow>) -> Result<()> {
        self.write(removed, rows, false)
    }

    /// Writes a batch; with `merge`, the index ends as one segment (after building a whole
    /// chatbot, since a search visits every segment and many small ones make it slow).
    fn write(&self, removed: &[String], rows: Vec<IndexRow>, merge: bool) -> Result<()> {
        // The smallest budget tantivy accepts for small batches; a writer lives only for one
        // batch. A whole chatbot gets more, so that it is written in few segments.
        let budget = if merge { 100_000_000 } else { 15_000_000 };
        let mut writer: tantivy::IndexWriter = self.index.writer_with_num_threads(1, budget).map_err(search_error)?;
        for source_id in removed {
            writer.delete_term(Term::from_field_text(self.fields.source_id, source_id));
        }
        {
            let mut set = self.vectors.lock().map_err(search_error)?;
            set.remove_sources(&removed.iter().map(String::as_str).collect());
            for row in &rows {
                let (Some(bytes), Some(dims)) = (&row.vector, row.dims) else { continue };
                let source = row.source_id.as_deref().unwrap_or("");
                let added = vectors::decode(bytes, usize::try_from(dims).unwrap_or(0))
                    .is_some_and(|vector| set.add(&row.id, source, vector));
                if !added {
                    tracing::warn!(entry_id = %row.id, dims, "a stored vector does not fit this chatbot's vectors");
                }
            }
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
        if merge {
            let segments = self.index.searchable_segment_ids().map_err(search_error)?;
            if segments.len() > 1 {
                writer.merge(&segments).wait().map_err(search_error)?;
            }
            writer.wait_merging_threads().map_err(search_error)?;
        }
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

    /// The query's terms with their inverse document frequency over the chatbot's chunks, as
    /// BM25 computes it: ln(1 + (N - n + 0.5) / (n + 0.5)) for a term that n of N chunks hold
    /// (in their title or text, whichever more chunks hold it in).
    fn weigh(&self, terms: &[String]) -> Result<Vec<QueryTerm>> {
        let searcher = self.reader.searcher();
        let total = searcher.num_docs() as f64;
        terms
            .iter()
            .map(|term| {
                let mut holding = 0u64;
                for field in [self.fields.content, self.fields.title, self.fields.question] {
                    holding =
                        holding.max(searcher.doc_freq(&Term::from_field_text(field, term)).map_err(search_error)?);
                }
                let holding = holding as f64;
                let idf = (1.0 + (total - holding + 0.5) / (holding + 0.5)).ln();
                Ok(QueryTerm { term: term.clone(), idf })
            })
            .collect()
    }

    /// The best `limit` entry ids for a normalized query vector, with their cosine similarity.
    fn vector_top(&self, query: &[f32], limit: usize) -> Result<Vec<(String, f32)>> {
        Ok(self.vectors.lock().map_err(search_error)?.top(query, limit, MIN_SIMILARITY))
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
    embedder: Option<Arc<dyn Embedder>>,
}

#[derive(sqlx::FromRow)]
struct Change {
    seq: i64,
    chatbot_id: String,
    source_id: Option<String>,
    created_at: i64,
}

impl SearchIndex {
    /// The index over `db`'s knowledge; hybrid (BM25 fused with vectors) with an `embedder`.
    pub fn new(db: Db, embedder: Option<Arc<dyn Embedder>>) -> SearchIndex {
        SearchIndex {
            db,
            inner: Mutex::new(Inner { low: 0, applied: BTreeSet::new(), chatbots: HashMap::new(), started: false }),
            embedder,
        }
    }

    /// The embedder of hybrid retrieval, if one is configured.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// The model whose vectors the index loads ("" without an embedder, which matches none).
    fn model(&self) -> String {
        self.embedder.as_ref().map(|e| e.model().to_owned()).unwrap_or_default()
    }

    /// The question's vector, or `None` without an embedder or when the embedder fails (the
    /// search then runs on BM25 alone).
    async fn query_vector(&self, query: &str) -> Option<Vec<f32>> {
        let embedder = self.embedder.as_ref()?;
        match embedder.embed_query(query).await {
            Ok(vector) => vectors::normalized(vector),
            Err(err) => {
                tracing::warn!(error = %err, "could not embed a question; searching with BM25 alone");
                None
            }
        }
    }

    /// Ranks a chatbot's knowledge for `query` with BM25, best first, Q&A pairs that cover the
    /// question ahead of passages.
    pub async fn search(&self, chatbot_id: &str, query: &str, limit: usize) -> Result<Vec<Hit>> {
        Ok(self.search_ranked(chatbot_id, query, limit).await?.into_iter().map(|r| r.hit).collect())
    }

    /// [`SearchIndex::search`], saying which retrievers found each hit. With an embedder the
    /// BM25 and vector rankings are fused with reciprocal rank fusion, and the score is the
    /// fused score; without one it is the BM25 score.
    pub async fn search_ranked(&self, chatbot_id: &str, query: &str, limit: usize) -> Result<Vec<Ranked>> {
        let terms: Vec<String> = {
            let mut seen = HashSet::new();
            analyze(query).into_iter().filter(|t| seen.insert(t.clone())).collect()
        };
        if limit == 0 || query.trim().is_empty() {
            return Ok(Vec::new());
        }
        let query_vector = self.query_vector(query).await;
        if terms.is_empty() && query_vector.is_none() {
            return Ok(Vec::new());
        }
        let (keyword_top, vector_top, query) = {
            let mut inner = self.inner.lock().await;
            self.catch_up(&mut inner).await?;
            if !inner.chatbots.contains_key(chatbot_id) {
                let built = self.build(chatbot_id).await?;
                inner.chatbots.insert(chatbot_id.to_owned(), built);
            }
            let index = inner.chatbots.get_mut(chatbot_id).ok_or_else(|| search_error("index vanished"))?;
            index.used_at = now_ms();
            // A few more candidates than asked, so that Q&A pairs can move ahead of passages.
            let keyword_top = if terms.is_empty() { Vec::new() } else { index.top(&terms, limit * 3)? };
            let vector_top = match &query_vector {
                Some(vector) => Some(index.vector_top(vector, limit * 3)?),
                None => None,
            };
            (keyword_top, vector_top, index.weigh(&terms)?)
        };
        let query = Arc::new(query);
        let top = match vector_top {
            Some(vector_top) => fuse(&keyword_top, &vector_top),
            None => keyword_top.into_iter().map(|(id, score)| (id, f64::from(score), FoundBy::KEYWORDS)).collect(),
        };
        let ids: Vec<String> = top.iter().map(|(id, _, _)| id.clone()).collect();
        let entries = self.entries(chatbot_id, &ids).await?;
        let mut hits: Vec<Ranked> = top
            .into_iter()
            .filter_map(|(id, score, found_by)| {
                let entry = entries.iter().find(|e| e.id == id)?.clone();
                let coverage = coverage(&terms, &entry);
                Some(Ranked { hit: Hit { entry, score, coverage, query: query.clone() }, found_by })
            })
            .collect();
        // A Q&A pair whose question is what the visitor asks is the owner's own answer to it.
        let qa_first = |ranked: &Ranked| {
            let hit = &ranked.hit;
            let question_matches = hit.entry.kind() == EntryKind::Qa
                && hit.entry.question.as_deref().is_some_and(|q| share(&terms, q) >= QA_FIRST_COVERAGE);
            !question_matches
        };
        hits.sort_by(|a, b| qa_first(a).cmp(&qa_first(b)).then(b.hit.score.total_cmp(&a.hit.score)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// Reads the found entries from the database, which also leaves out any entry deleted since
    /// the index last caught up.
    async fn entries(&self, chatbot_id: &str, top: &[String]) -> Result<Vec<Entry>> {
        if top.is_empty() {
            return Ok(Vec::new());
        }
        let sql = entries_sql(top.len());
        let mut query = sqlx::query_as::<_, Entry>(&sql).bind(chatbot_id);
        for id in top {
            query = query.bind(id);
        }
        Ok(query.fetch_all(self.db.pool()).await?)
    }

    /// Builds a chatbot's index from the database.
    async fn build(&self, chatbot_id: &str) -> Result<ChatbotIndex> {
        let index = ChatbotIndex::new()?;
        let mut after = String::new();
        let mut all: Vec<IndexRow> = Vec::new();
        loop {
            let rows: Vec<IndexRow> = sqlx::query_as(&format!(
                "SELECT {ROW_COLUMNS} FROM knowledge_entries e
                 LEFT JOIN knowledge_vectors v ON v.entry_id = e.id AND v.model = $4
                 WHERE e.chatbot_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3"
            ))
            .bind(chatbot_id)
            .bind(&after)
            .bind(LOAD_BATCH)
            .bind(self.model())
            .fetch_all(self.db.pool())
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            let full = rows.len() as i64 == LOAD_BATCH;
            all.extend(rows);
            if !full {
                break;
            }
        }
        let writing = index.clone();
        tokio::task::spawn_blocking(move || writing.write(&[], all, true)).await.map_err(search_error)??;
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
            let sql = rows_of_sources_sql(batch.len());
            let mut query = sqlx::query_as::<_, IndexRow>(&sql).bind(chatbot_id).bind(self.model());
            for source_id in batch {
                query = query.bind(source_id);
            }
            rows.extend(query.fetch_all(self.db.pool()).await?);
        }
        Ok(rows)
    }
}

/// The found entries of a chatbot by id (`$1` the chatbot, then `count` ids). Migration 0016's
/// index on `(chatbot_id, id)` makes this `count` lookups; a test pins the plan.
fn entries_sql(count: usize) -> String {
    let placeholders: Vec<String> = (0..count).map(|i| format!("${}", i + 2)).collect();
    format!(
        "SELECT e.id, e.chatbot_id, e.kind, e.title, e.question, e.content, e.source_url, e.page, s.file_name
         FROM knowledge_entries e LEFT JOIN knowledge_sources s ON s.id = e.source_id
         WHERE e.chatbot_id = $1 AND e.id IN ({})",
        placeholders.join(", ")
    )
}

/// The index rows of some sources of a chatbot (`$1` the chatbot, `$2` the model, then `count`
/// source ids), through the index on `(chatbot_id, source_id)`.
fn rows_of_sources_sql(count: usize) -> String {
    let placeholders: Vec<String> = (0..count).map(|i| format!("${}", i + 3)).collect();
    format!(
        "SELECT {ROW_COLUMNS} FROM knowledge_entries e
         LEFT JOIN knowledge_vectors v ON v.entry_id = e.id AND v.model = $2
         WHERE e.chatbot_id = $1 AND e.source_id IN ({})",
        placeholders.join(", ")
    )
}

/// Reciprocal rank fusion of the BM25 and vector rankings: each entry scores the sum of
/// 1 / ([`RRF_K`] + rank) over the rankings it is in, best first (ties by id, so the order is
/// stable).
fn fuse(keyword_top: &[(String, f32)], vector_top: &[(String, f32)]) -> Vec<(String, f64, FoundBy)> {
    let mut fused: HashMap<&str, (f64, FoundBy)> = HashMap::new();
    for (rank, (id, _)) in keyword_top.iter().enumerate() {
        let slot = fused.entry(id.as_str()).or_insert((0.0, FoundBy::default()));
        slot.0 += 1.0 / (RRF_K + rank as f64 + 1.0);
        slot.1.keywords = true;
    }
    for (rank, (id, _)) in vector_top.iter().enumerate() {
        let slot = fused.entry(id.as_str()).or_insert((0.0, FoundBy::default()));
        slot.0 += 1.0 / (RRF_K + rank as f64 + 1.0);
        slot.1.vector = true;
    }
    let mut out: Vec<(String, f64, FoundBy)> =
        fused.into_iter().map(|(id, (score, found_by))| (id.to_owned(), score, found_by)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
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
            vector: None,
            dims: None,
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

    #[test]
    fn rank_fusion_puts_what_both_retrievers_found_first_and_says_who_found_what() {
        let ids = |list: &[&str]| list.iter().map(|id| ((*id).to_owned(), 1.0f32)).collect::<Vec<_>>();
        let fused = fuse(&ids(&["a", "b", "c"]), &ids(&["d", "b"]));
        let order: Vec<&str> = fused.iter().map(|(id, _, _)| id.as_str()).collect();
        assert_eq!(order, vec!["b", "a", "d", "c"]);
        assert!((fused[0].1 - (1.0 / 62.0 + 1.0 / 62.0)).abs() < 1e-12);
        assert_eq!(fused[0].2, FoundBy { keywords: true, vector: true });
        assert_eq!(fused[1].2, FoundBy { keywords: true, vector: false });
        assert_eq!(fused[2].2, FoundBy { keywords: false, vector: true });
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

    /// SQLite's plan for a query, one line per step.
    async fn plan(db: &Db, sql: &str, binds: usize) -> Vec<String> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
        for _ in 0..binds {
            query = query.bind("x");
        }
        query.fetch_all(db.pool()).await.unwrap().into_iter().map(|row| row.3).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_looks_its_hits_up_by_id_and_catches_up_by_source_instead_of_reading_the_whole_chatbot() {
        let (_dir, db, _bot) = test_db().await;
        let entries = plan(&db, &entries_sql(15), 16).await;
        assert!(entries.iter().any(|step| step.contains("(chatbot_id=? AND id=?)")), "{entries:?}");
        let rows = plan(&db, &rows_of_sources_sql(3), 5).await;
        assert!(rows.iter().any(|step| step.contains("(chatbot_id=? AND source_id=?)")), "{rows:?}");
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
        let index = SearchIndex::new(db.clone(), None);
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
        let first = SearchIndex::new(db.clone(), None);
        let second = SearchIndex::new(db.clone(), None);
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
