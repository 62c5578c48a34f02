//! Knowledge sources, their progress, crawls, searches, and the suggestions built from them.

use serde::{Deserialize, Serialize};

/// `POST /api/knowledge` (the seed's shape): `type` is `qa` (the question in `source`, the answer
/// in `content`) or `text` (a title or URL in `source`, the text in `content`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateKnowledge {
    #[serde(alias = "chatbotId")]
    pub chatbot_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// A knowledge source as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeSource {
    pub id: String,
    pub object: String,
    pub chatbot_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub source_url: Option<String>,
    /// `ready` (chunked and searchable), `processing` or `failed`.
    pub status: String,
    pub error: Option<String>,
    pub chunk_count: i64,
    pub byte_count: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The uploaded file's name (type `document`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// How far a fetch or crawl has come (pages processed of pages known, bytes of text learned).
    #[serde(default)]
    pub progress: KnowledgeProgress,
}

/// The progress of a knowledge source's job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeProgress {
    pub pages_done: i64,
    pub pages_total: i64,
    pub bytes: i64,
}

/// `POST /api/knowledge/scrape`: learn from a site (following its links) or a sitemap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScrapeKnowledge {
    #[serde(alias = "chatbotId")]
    pub chatbot_id: String,
    /// A page to start from, or a sitemap (or sitemap index).
    pub url: String,
    /// Pages to learn from at most (default 50).
    #[serde(default, alias = "maxPages")]
    pub max_pages: Option<u32>,
    /// How many links deep to follow from the first page (default 2, at most 5).
    #[serde(default, alias = "maxDepth")]
    pub max_depth: Option<u32>,
}

/// `POST /api/v2/chatbots/{id}/knowledge/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KnowledgeSearch {
    pub query: String,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One result of a knowledge search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeHit {
    pub entry_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub source_url: Option<String>,
    pub score: f64,
    pub snippet: String,
    /// The uploaded file the chunk comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The page of that file, counted from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The retrievers that found the chunk: `bm25` (keywords) and, with embeddings configured,
    /// `vector` (meaning).
    #[serde(default)]
    pub found_by: Vec<String>,
}

/// `GET /api/v2/chatbots/{id}/suggestions?q=`: completions of a partly typed question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    pub object: String,
    pub query: String,
    pub data: Vec<Suggestion>,
}

/// One completion and where it comes from: `question` (a Q&A pair), `frequent` (visitors ask
/// it often) or `title` (a knowledge section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub text: String,
    pub source: String,
}
