//! Predictive suggestions: completions of a partly typed question from the chatbot's Q&A
//! questions, its knowledge titles and the questions visitors ask often.
//!
//! Each chatbot's candidates are gathered once into memory and kept until its knowledge changes
//! (checked with one indexed count per request) or, for visitors' questions, for a minute. A
//! lookup is a scan of that list with prefix matching on words, which stays well under a
//! millisecond for ten thousand questions (BENCHMARKS.md).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::Db;
use crate::error::{Error, Result};

/// Where a suggestion comes from; earlier kinds rank first among equal matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Question,
    Frequent,
    Title,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Question => "question",
            Kind::Frequent => "frequent",
            Kind::Title => "title",
        }
    }
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub text: String,
    pub kind: Kind,
}

#[derive(Debug)]
struct Candidate {
    text: String,
    words: Vec<String>,
    kind: Kind,
    /// How often visitors asked it (frequent questions), for ranking.
    weight: i64,
}

#[derive(Debug)]
struct Index {
    version: (i64, i64),
    built: Instant,
    candidates: Vec<Candidate>,
}

/// How long visitors' frequent questions are reused before they are counted again.
const FREQUENT_TTL: Duration = Duration::from_secs(60);
/// The longest query looked at, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The suggestion indexes of this process. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Suggestions {
    indexes: Arc<Mutex<HashMap<String, Arc<Index>>>>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

impl Suggestions {
    /// Up to `limit` completions of `query` for a chatbot, best first.
    pub async fn suggest(&self, db: &Db, chatbot_id: &str, query: &str, limit: usize) -> Result<Vec<Suggestion>> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::Validation(format!("q must be at most {MAX_QUERY_CHARS} characters")));
        }
        let typed = words(query);
        if typed.is_empty() {
            return Ok(Vec::new());
        }
        let index = self.index(db, chatbot_id).await?;
        Ok(rank(&index.candidates, &typed, query.ends_with(char::is_whitespace), limit))
    }

    async fn index(&self, db: &Db, chatbot_id: &str) -> Result<Arc<Index>> {
        let version: (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MAX(created_at), 0) FROM knowledge_sources WHERE chatbot_id = $1",
        )
        .bind(chatbot_id)
        .fetch_one(db.pool())
        .await?;
        if let Ok(indexes) = self.indexes.lock()
            && let Some(index) = indexes.get(chatbot_id)
            && index.version == version
            && index.built.elapsed() < FREQUENT_TTL
        {
            return Ok(index.clone());
        }
        let index = Arc::new(build(db, chatbot_id, version).await?);
        if let Ok(mut indexes) = self.indexes.lock() {
            indexes.insert(chatbot_id.to_owned(), index.clone());
        }
        Ok(index)
    }
}

async fn build(db: &Db, chatbot_id: &str, version: (i64, i64)) -> Result<Index> {
    let knowledge: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT kind, title, question FROM knowledge_entries WHERE chatbot_id = $1")
            .bind(chatbot_id)
            .fetch_all(db.pool())
            .await?;
    let frequent: Vec<(String, i64)> = sqlx::query_as(
        "SELECT MIN(m.content), COUNT(*) AS asked FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.chatbot_id = $1 AND m.role = 'user' AND LENGTH(m.content) <= 200
         GROUP BY LOWER(m.content) HAVING COUNT(*) >= 2 ORDER BY asked DESC LIMIT 500",
    )
    .bind(chatbot_id)
    .fetch_all(db.pool())
    .await?;
    let mut seen = std::collections::HashSet::new();
    let mut candidates = Vec::new();
    let mut add = |text: &str, kind: Kind, weight: i64| {
        let text = text.trim();
        if !text.is_empty() && text.chars().count() <= 200 && seen.insert(text.to_lowercase()) {
            candidates.push(Candidate { text: text.to_owned(), words: words(text), kind, weight });
        }
    };
    for (kind, _, question) in &knowledge {
        if kind == "qa"
            && let Some(question) = question
        {
            add(question, Kind::Question, 0);
        }
    }
    for (text, asked) in &frequent {
        add(text, Kind::Frequent, *asked);
    }
    for (kind, title, _) in &knowledge {
        if kind != "qa" {
            // A chunk's title is its section path; the last part reads best as a suggestion.
            add(title.rsplit(" › ").next().unwrap_or(title), Kind::Title, 0);
        }
    }
    Ok(Index { version, built: Instant::now(), candidates })
}

/// Ranks candidates that contain every typed word: complete words as words, the last one as a
/// prefix (unless the query ends with a space). Candidates that start with the query rank
/// first, then by kind, by how often visitors asked, and by length.
fn rank(candidates: &[Candidate], typed: &[String], last_complete: bool, limit: usize) -> Vec<Suggestion> {
    let Some((last, complete)) = typed.split_last() else { return Vec::new() };
    let mut found: Vec<(bool, Kind, i64, usize, &Candidate)> = candidates
        .iter()
        .filter(|c| {
            complete.iter().all(|w| c.words.iter().any(|cw| cw == w))
                && c.words.iter().any(|cw| if last_complete { cw == last } else { cw.starts_with(last.as_str()) })
        })
        .map(|c| {
            let starts =
                c.words.len() >= typed.len() && c.words.iter().zip(typed).all(|(cw, w)| cw.starts_with(w.as_str()));
            (!starts, c.kind, -c.weight, c.text.len(), c)
        })
        .collect();
    found.sort_by_key(|&(later, kind, weight, length, _)| (later, kind, weight, length));
    found.into_iter().take(limit).map(|(_, _, _, _, c)| Suggestion { text: c.text.clone(), kind: c.kind }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(text: &str, kind: Kind, weight: i64) -> Candidate {
        Candidate { text: text.into(), words: words(text), kind, weight }
    }

    #[test]
    fn completions_match_whole_words_and_the_last_as_a_prefix_best_first() {
        let list = vec![
            candidate("Do you ship to Canada?", Kind::Question, 0),
            candidate("What are your opening hours?", Kind::Question, 0),
            candidate("Shipping", Kind::Title, 0),
            candidate("When do you open on Sundays?", Kind::Frequent, 5),
            candidate("Opening hours", Kind::Title, 0),
        ];
        let texts = |q: &str| -> Vec<String> {
            rank(&list, &words(q), q.ends_with(' '), 5).into_iter().map(|s| s.text).collect()
        };
        assert_eq!(
            texts("open"),
            vec!["Opening hours", "What are your opening hours?", "When do you open on Sundays?"]
        );
        assert_eq!(texts("ship"), vec!["Shipping", "Do you ship to Canada?"]);
        assert_eq!(texts("do you sh"), vec!["Do you ship to Canada?"]);
        assert_eq!(texts("do you "), vec!["Do you ship to Canada?", "When do you open on Sundays?"]);
        assert!(texts("xyz").is_empty());
    }
}
