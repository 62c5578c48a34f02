//! The knowledge a chatbot answers from: Q&A pairs and text passages, and a small BM25 ranking
//! over them. (The knowledge issue replaces the in-memory ranking with a search index.)

use std::collections::{HashMap, HashSet};

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
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: String,
    pub chatbot_id: String,
    pub kind: String,
    pub title: String,
    pub question: Option<String>,
    pub content: String,
    pub source_url: Option<String>,
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
    };
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
    .execute(db.pool())
    .await?;
    Ok(stored)
}

/// Every entry of a chatbot.
pub async fn list_entries(db: &Db, chatbot_id: &str) -> Result<Vec<Entry>> {
    Ok(sqlx::query_as(
        "SELECT id, chatbot_id, kind, title, question, content, source_url
         FROM knowledge_entries WHERE chatbot_id = $1 ORDER BY created_at, id",
    )
    .bind(chatbot_id)
    .fetch_all(db.pool())
    .await?)
}

/// An entry that matched a query, with its relevance.
#[derive(Debug, Clone)]
pub struct Hit {
    pub entry: Entry,
    pub score: f64,
    /// The share of the query's meaningful words that the entry contains (0 to 1).
    pub coverage: f64,
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

/// Ranks entries for a query with BM25 (questions and titles count twice), best first.
pub fn rank(entries: &[Entry], query: &str, limit: usize) -> Vec<Hit> {
    let query_terms: Vec<String> = {
        let mut seen = HashSet::new();
        terms(query).into_iter().filter(|t| seen.insert(t.clone())).collect()
    };
    if query_terms.is_empty() || entries.is_empty() {
        return Vec::new();
    }
    let docs: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let heading = format!("{} {}", e.title, e.question.as_deref().unwrap_or(""));
            let mut words = terms(&heading);
            words.extend(terms(&heading));
            words.extend(terms(&e.content));
            words
        })
        .collect();
    let n = docs.len() as f64;
    let avg_len = docs.iter().map(Vec::len).sum::<usize>() as f64 / n;
    let mut doc_freq: HashMap<&str, f64> = HashMap::new();
    for doc in &docs {
        let unique: HashSet<&str> = doc.iter().map(String::as_str).collect();
        for term in unique {
            *doc_freq.entry(term).or_default() += 1.0;
        }
    }
    let (k1, b) = (1.2, 0.75);
    let mut hits: Vec<Hit> = docs
        .iter()
        .zip(entries)
        .filter_map(|(doc, entry)| {
            let mut score = 0.0;
            let mut matched = 0usize;
            for term in &query_terms {
                let tf = doc.iter().filter(|w| *w == term).count() as f64;
                if tf == 0.0 {
                    continue;
                }
                matched += 1;
                let df = doc_freq.get(term.as_str()).copied().unwrap_or(0.0);
                let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                score += idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * doc.len() as f64 / avg_len));
            }
            (matched > 0).then(|| Hit {
                entry: entry.clone(),
                score,
                coverage: matched as f64 / query_terms.len() as f64,
            })
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits.truncate(limit);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, question: Option<&str>, content: &str) -> Entry {
        Entry {
            id: id.into(),
            chatbot_id: "bot".into(),
            kind: if question.is_some() { "qa".into() } else { "text".into() },
            title: question.unwrap_or("Note").into(),
            question: question.map(Into::into),
            content: content.into(),
            source_url: None,
        }
    }

    #[test]
    fn the_entry_about_the_question_ranks_first() {
        let entries = vec![
            entry("a", Some("What are your opening hours?"), "We are open 9 to 5 on weekdays."),
            entry("b", Some("Do you ship abroad?"), "Yes, we ship to 40 countries."),
            entry("c", None, "Our coffee beans are roasted every Tuesday."),
        ];
        let hits = rank(&entries, "When are you open? What hours?", 3);
        assert_eq!(hits[0].entry.id, "a");
        let hits = rank(&entries, "shipping abroad", 3);
        assert_eq!(hits[0].entry.id, "b");
    }

    #[test]
    fn a_query_of_only_stopwords_matches_nothing() {
        let entries = vec![entry("a", Some("What is it?"), "It is a thing.")];
        assert!(rank(&entries, "what is it", 3).is_empty());
    }

    #[test]
    fn unrelated_queries_match_nothing() {
        let entries = vec![entry("a", Some("Opening hours"), "Open 9 to 5.")];
        assert!(rank(&entries, "quantum chromodynamics", 3).is_empty());
    }
}
