//! Chunk vectors: how they are stored (`knowledge_vectors`, little-endian f32 with their model
//! and length), computed for chunks that have none ([`embed_pending`]), carried over when a
//! source is re-chunked with some unchanged text ([`carry_over`]), and searched in memory
//! ([`VectorSet`], brute-force cosine similarity).
//!
//! The database is the source of truth. Storing vectors records a change in
//! `knowledge_changes`, so every process's view ([`super::index`]) re-reads the source's chunks
//! with their vectors at its next search, exactly as it does for BM25. A chunk is embedded once
//! for its text: the content hash is SHA-256 of the model and the embedded text, and a chunk
//! whose text is unchanged keeps its vector through a re-fetch.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::embed::Embedder;
use super::record_change;
use crate::db::Db;
use crate::error::Result;
use crate::ids::now_ms;

use crate::db::Tx;

/// The text embedded for a chunk: its heading or question, then its content.
pub fn embedded_text(title: &str, question: Option<&str>, content: &str) -> String {
    format!("{}\n{}", question.unwrap_or(title).trim(), content.trim())
}

/// The content hash of an embedded text under a model.
pub fn text_hash(model: &str, text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update((model.len() as u64).to_le_bytes());
    hasher.update(model.as_bytes());
    hasher.update(text.as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A vector as stored: little-endian f32.
pub fn encode(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A stored vector, or `None` when its bytes do not hold `dims` numbers.
pub fn decode(bytes: &[u8], dims: usize) -> Option<Vec<f32>> {
    if dims == 0 || bytes.len() != dims * 4 {
        return None;
    }
    Some(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// Scales a vector to length 1 (so a dot product is the cosine); `None` for a zero vector.
pub fn normalized(mut vector: Vec<f32>) -> Option<Vec<f32>> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !norm.is_finite() || norm == 0.0 {
        return None;
    }
    vector.iter_mut().for_each(|x| *x /= norm);
    Some(vector)
}

/// One chatbot's vectors in memory, normalized and packed in one array, searched by brute
/// force: for the sizes a chatbot has (up to some hundred thousand chunks) a scan of packed
/// floats is fast and exact, and needs no index to keep in step.
#[derive(Debug, Default, Clone)]
pub struct VectorSet {
    dims: usize,
    ids: Vec<String>,
    sources: Vec<String>,
    data: Vec<f32>,
}

impl VectorSet {
    /// The number of vectors.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the set holds no vector.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The length of the vectors (0 while empty).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Adds a chunk's vector. A zero vector, or one whose length differs from the set's (a
    /// model that changed its size), is left out and `false` returned.
    pub fn add(&mut self, entry_id: &str, source_id: &str, vector: Vec<f32>) -> bool {
        if self.ids.is_empty() {
            self.dims = vector.len();
        }
        if vector.len() != self.dims {
            return false;
        }
        let Some(vector) = normalized(vector) else { return false };
        self.ids.push(entry_id.to_owned());
        self.sources.push(source_id.to_owned());
        self.data.extend_from_slice(&vector);
        true
    }

    /// Drops the vectors of some sources.
    pub fn remove_sources(&mut self, sources: &HashSet<&str>) {
        if sources.is_empty() || self.ids.is_empty() {
            return;
        }
        let dims = self.dims;
        let mut kept = 0;
        for i in 0..self.ids.len() {
            if sources.contains(self.sources[i].as_str()) {
                continue;
            }
            if kept != i {
                self.ids.swap(kept, i);
                self.sources.swap(kept, i);
                self.data.copy_within(i * dims..(i + 1) * dims, kept * dims);
            }
            kept += 1;
        }
        self.ids.truncate(kept);
        self.sources.truncate(kept);
        self.data.truncate(kept * dims);
    }

    /// The `limit` chunks most similar to a normalized query vector with a cosine of at least
    /// `min_similarity`, best first.
    pub fn top(&self, query: &[f32], limit: usize, min_similarity: f32) -> Vec<(String, f32)> {
        if query.len() != self.dims || limit == 0 || self.ids.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(f32, u32)> = self
            .data
            .chunks_exact(self.dims)
            .enumerate()
            .filter_map(|(i, v)| {
                let cosine = dot(v, query);
                (cosine >= min_similarity).then_some((cosine, u32::try_from(i).unwrap_or(u32::MAX)))
            })
            .collect();
        if scored.len() > limit {
            scored.select_nth_unstable_by(limit - 1, |a, b| b.0.total_cmp(&a.0));
            scored.truncate(limit);
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().map(|(cosine, i)| (self.ids[i as usize].clone(), cosine)).collect()
    }
}

/// The dot product, in eight lanes so that the compiler vectorizes it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The vectors of a source's current chunks by content hash, read before the chunks are
/// replaced so that unchanged text keeps its vector ([`carry_over`]).
pub async fn vectors_of_source(tx: &mut Tx, source_id: &str) -> Result<HashMap<String, (String, i64, Vec<u8>)>> {
    let rows: Vec<(String, String, i64, Vec<u8>)> =
        sqlx::query_as("SELECT content_hash, model, dims, vector FROM knowledge_vectors WHERE source_id = $1")
            .bind(source_id)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(|(hash, model, dims, vector)| (hash, (model, dims, vector))).collect())
}

/// Gives a new chunk the vector its text had before the source was replaced, if any.
pub async fn carry_over(
    tx: &mut Tx,
    previous: &HashMap<String, (String, i64, Vec<u8>)>,
    entry: (&str, &str, &str),
    text: &str,
) -> Result<()> {
    let (entry_id, chatbot_id, source_id) = entry;
    let models: HashSet<&str> = previous.values().map(|(model, _, _)| model.as_str()).collect();
    for model in models {
        let hash = text_hash(model, text);
        if let Some((model, dims, vector)) = previous.get(&hash) {
            insert(tx, entry_id, chatbot_id, Some(source_id), model, *dims, &hash, vector).await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments, reason = "a row's columns, each named at the call sites")]
async fn insert(
    tx: &mut Tx,
    entry_id: &str,
    chatbot_id: &str,
    source_id: Option<&str>,
    model: &str,
    dims: i64,
    hash: &str,
    vector: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO knowledge_vectors (entry_id, chatbot_id, source_id, model, dims, content_hash, vector, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (entry_id) DO UPDATE SET model = excluded.model, dims = excluded.dims,
             content_hash = excluded.content_hash, vector = excluded.vector, created_at = excluded.created_at",
    )
    .bind(entry_id)
    .bind(chatbot_id)
    .bind(source_id)
    .bind(model)
    .bind(dims)
    .bind(hash)
    .bind(vector.to_vec())
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A chunk without a vector of the current model.
#[derive(sqlx::FromRow)]
struct Pending {
    id: String,
    chatbot_id: String,
    source_id: Option<String>,
    title: String,
    question: Option<String>,
    content: String,
}

/// What a pass of [`embed_pending`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Embedded {
    /// Chunks that got a vector.
    pub stored: usize,
    /// Whether more chunks may be waiting.
    pub more: bool,
}

/// Embeds up to `limit` chunks that have no vector of the embedder's model (new chunks, or all
/// of them after the model changed), stores the vectors and records the change for every
/// process's view. Chunks whose text some other chunk of the chatbot already has a vector for
/// take that vector without a request. An error leaves the chunks pending for the next pass;
/// retrieval keeps working with BM25 meanwhile.
pub async fn embed_pending(db: &Db, embedder: &dyn Embedder, limit: usize) -> Result<Embedded> {
    let model = embedder.model().to_owned();
    let pending: Vec<Pending> = sqlx::query_as(
        "SELECT e.id, e.chatbot_id, e.source_id, e.title, e.question, e.content FROM knowledge_entries e
         WHERE NOT EXISTS (SELECT 1 FROM knowledge_vectors v WHERE v.entry_id = e.id AND v.model = $1)
         ORDER BY e.id LIMIT $2",
    )
    .bind(&model)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?;
    if pending.is_empty() {
        return Ok(Embedded::default());
    }
    let texts: Vec<String> =
        pending.iter().map(|p| embedded_text(&p.title, p.question.as_deref(), &p.content)).collect();
    let hashes: Vec<String> = texts.iter().map(|t| text_hash(&model, t)).collect();
    let known = known_vectors(db, &model, &pending, &hashes).await?;
    let missing: Vec<usize> = (0..pending.len()).filter(|i| !known.contains_key(&hashes[*i])).collect();
    let request: Vec<String> = missing.iter().map(|i| texts[*i].clone()).collect();
    let computed = if request.is_empty() {
        Vec::new()
    } else {
        embedder
            .embed(&request)
            .await
            .map_err(|err| crate::error::Error::Internal(anyhow::anyhow!("embeddings: {err}")))?
    };
    let mut vectors: HashMap<&str, (i64, Vec<u8>)> = known.iter().map(|(h, v)| (h.as_str(), v.clone())).collect();
    for (i, vector) in missing.iter().zip(computed) {
        let dims = i64::try_from(vector.len()).unwrap_or(0);
        vectors.insert(hashes[*i].as_str(), (dims, encode(&vector)));
    }
    let mut tx = db.begin().await?;
    let mut changed: HashSet<(&str, Option<&str>)> = HashSet::new();
    let mut stored = 0;
    for (p, hash) in pending.iter().zip(&hashes) {
        let Some((dims, vector)) = vectors.get(hash.as_str()) else { continue };
        // The chunk may have been deleted since it was read; its vector would have nothing to
        // belong to.
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM knowledge_entries WHERE id = $1")
            .bind(&p.id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            continue;
        }
        insert(&mut tx, &p.id, &p.chatbot_id, p.source_id.as_deref(), &model, *dims, hash, vector).await?;
        changed.insert((p.chatbot_id.as_str(), p.source_id.as_deref()));
        stored += 1;
    }
    for (chatbot_id, source_id) in changed {
        record_change(&mut tx, chatbot_id, source_id).await?;
    }
    tx.commit().await?;
    Ok(Embedded { stored, more: pending.len() == limit })
}

/// Vectors the chatbots of `pending` already have for some of `hashes`.
async fn known_vectors(
    db: &Db,
    model: &str,
    pending: &[Pending],
    hashes: &[String],
) -> Result<HashMap<String, (i64, Vec<u8>)>> {
    let mut known = HashMap::new();
    let chatbots: HashSet<&str> = pending.iter().map(|p| p.chatbot_id.as_str()).collect();
    for chatbot_id in chatbots {
        let wanted: Vec<&String> =
            pending.iter().zip(hashes).filter(|(p, _)| p.chatbot_id == chatbot_id).map(|(_, h)| h).collect();
        for batch in wanted.chunks(200) {
            let placeholders: Vec<String> = (0..batch.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "SELECT content_hash, dims, vector FROM knowledge_vectors
                 WHERE chatbot_id = $1 AND model = $2 AND content_hash IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, i64, Vec<u8>)>(&sql).bind(chatbot_id).bind(model);
            for hash in batch {
                query = query.bind(*hash);
            }
            for (hash, dims, vector) in query.fetch_all(db.pool()).await? {
                known.insert(hash, (dims, vector));
            }
        }
    }
    Ok(known)
}

/// Embeds chunks without vectors whenever `knowledge_changes` moved (and at start), until
/// `stop`. While the embeddings API fails, passes back off from 1 s to 5 minutes.
pub(super) async fn embed_loop(db: Db, embedder: Arc<dyn Embedder>, batch: usize, mut stop: watch::Receiver<bool>) {
    let mut seen: Option<i64> = None;
    let mut failures: u32 = 0;
    let mut retry_at: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let latest: std::result::Result<i64, sqlx::Error> =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM knowledge_changes").fetch_one(db.pool()).await;
        let due = retry_at.is_some_and(|at| at <= Instant::now());
        let pause = match latest {
            Ok(latest) if (seen != Some(latest) && retry_at.is_none()) || due => {
                match embed_pending(&db, embedder.as_ref(), batch * 4).await {
                    Ok(done) => {
                        failures = 0;
                        retry_at = None;
                        if done.stored > 0 {
                            tracing::debug!(stored = done.stored, "embedded knowledge chunks");
                        }
                        if done.more {
                            continue;
                        }
                        seen = Some(latest);
                        Duration::from_millis(500)
                    }
                    Err(err) => {
                        failures = failures.saturating_add(1);
                        let delay = Duration::from_secs(1u64 << failures.min(8)).min(Duration::from_secs(300));
                        retry_at = Some(Instant::now() + delay);
                        seen = Some(latest);
                        tracing::warn!(error = ?err, retry_in_ms = delay.as_millis(), "could not embed knowledge chunks; BM25 still answers");
                        Duration::from_millis(500)
                    }
                }
            }
            Ok(_) => Duration::from_millis(500),
            Err(err) => {
                tracing::warn!(error = ?err, "could not read knowledge changes for embedding");
                Duration::from_secs(2)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = stop.changed() => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_as_little_endian_floats() {
        let vector = vec![1.0f32, -0.5, 3.25];
        let bytes = encode(&vector);
        assert_eq!(bytes.len(), 12);
        assert_eq!(&bytes[..4], &1.0f32.to_le_bytes());
        assert_eq!(decode(&bytes, 3), Some(vector));
        assert_eq!(decode(&bytes, 4), None);
    }

    #[test]
    fn the_content_hash_depends_on_the_model_and_the_text() {
        assert_eq!(text_hash("m", "a b"), text_hash("m", "a b"));
        assert_ne!(text_hash("m", "a b"), text_hash("n", "a b"));
        assert_ne!(text_hash("m", "a b"), text_hash("m", "a c"));
    }

    #[test]
    fn a_set_ranks_by_cosine_and_forgets_removed_sources() {
        let mut set = VectorSet::default();
        assert!(set.add("kn_1", "src_a", vec![1.0, 0.0, 0.0]));
        assert!(set.add("kn_2", "src_b", vec![0.6, 0.8, 0.0]));
        assert!(set.add("kn_3", "src_b", vec![0.0, 0.0, 5.0]));
        assert!(!set.add("kn_4", "src_c", vec![1.0, 0.0]), "another length");
        assert!(!set.add("kn_5", "src_c", vec![0.0, 0.0, 0.0]), "a zero vector");
        let query = normalized(vec![1.0, 0.1, 0.0]).unwrap();
        let top = set.top(&query, 2, 0.0);
        assert_eq!(top.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), vec!["kn_1", "kn_2"]);
        assert!(set.top(&query, 5, 0.5).iter().all(|(id, _)| id != "kn_3"), "below the floor");
        set.remove_sources(&HashSet::from(["src_a"]));
        assert_eq!(set.len(), 2);
        assert_eq!(set.top(&query, 1, 0.0)[0].0, "kn_2");
        let query = normalized(vec![0.0, 0.0, 1.0]).unwrap();
        assert_eq!(set.top(&query, 1, 0.0)[0].0, "kn_3", "the packed data moved with its ids");
    }

    #[test]
    fn the_dot_product_covers_every_lane_and_the_tail() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let expected: f32 = a.iter().map(|x| x * x).sum();
        assert_eq!(dot(&a, &a), expected);
    }
}
