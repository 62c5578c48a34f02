//! Knowledge: add Q&A pairs and texts (`POST /api/knowledge`, the seed's shape), list, read and
//! delete sources, and see what retrieval finds for a query.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_app::wire;
use serde::Deserialize;

use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots;
use crate::error::Error;
use crate::ids::rfc3339;
use crate::keys::Scope;
use crate::knowledge::{self, NewSource, Source};
use crate::state::AppState;

fn source_json(source: &Source) -> wire::KnowledgeSource {
    wire::KnowledgeSource {
        id: source.id.clone(),
        object: "knowledge_source".into(),
        chatbot_id: source.chatbot_id.clone(),
        kind: source.kind.clone(),
        title: source.title.clone(),
        source_url: source.source_url.clone(),
        status: source.status.clone(),
        error: source.error.clone(),
        chunk_count: source.chunk_count,
        byte_count: source.byte_count,
        created_at: rfc3339(source.created_at),
        updated_at: rfc3339(source.updated_at),
    }
}

/// `POST /api/knowledge`: adds a Q&A pair or a text to a chatbot; it is searchable at once.
pub async fn create_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppJson(body): AppJson<wire::CreateKnowledge>,
) -> Result<(StatusCode, Json<wire::KnowledgeSource>), Error> {
    caller.require(Scope::KnowledgeWrite)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &body.chatbot_id).await?;
    let new = match body.kind.as_str() {
        "qa" => NewSource::qa(body.source.as_deref().unwrap_or(""), body.content.as_deref().unwrap_or(""))?,
        "text" => NewSource::text(body.source.as_deref(), body.content.as_deref().unwrap_or(""))?,
        "url" | "document" => {
            return Err(Error::Validation(format!(
                "type {:?} is not available yet: add the page's or document's text with type \"text\"",
                body.kind
            )));
        }
        other => return Err(Error::Validation(format!("type must be qa or text, not {other:?}"))),
    };
    let source = knowledge::create_source(&state.db, &chatbot.workspace_id, &chatbot.id, new).await?;
    state.webhooks.signal().notify();
    tracing::info!(source_id = %source.id, chatbot_id = %chatbot.id, chunks = source.chunk_count, "knowledge added");
    Ok((StatusCode::CREATED, Json(source_json(&source))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListKnowledgeParams {
    #[serde(alias = "chatbotId")]
    chatbot_id: String,
}

/// `GET /api/knowledge?chatbot_id=`: a chatbot's sources, newest first.
pub async fn list_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ListKnowledgeParams>,
) -> Result<Json<wire::Page<wire::KnowledgeSource>>, Error> {
    caller.require(Scope::KnowledgeRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &params.chatbot_id).await?;
    let sources = knowledge::list_sources(&state.db, &chatbot.id).await?;
    Ok(Json(wire::Page {
        object: "list".into(),
        data: sources.iter().map(source_json).collect(),
        has_more: false,
        next_cursor: None,
    }))
}

/// `GET /api/knowledge/{id}`.
pub async fn get_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::KnowledgeSource>, Error> {
    caller.require(Scope::KnowledgeRead)?;
    let source = knowledge::find_source(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(source_json(&source)))
}

/// `DELETE /api/knowledge/{id}`: the source and all of its chunks.
pub async fn delete_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, Error> {
    caller.require(Scope::KnowledgeWrite)?;
    let source = knowledge::find_source(&state.db, &caller.workspace_id, &id).await?;
    knowledge::delete_source(&state.db, &source).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v2/chatbots/{id}/knowledge/search`: what retrieval returns for a query.
pub async fn search_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::KnowledgeSearch>,
) -> Result<Json<Vec<wire::KnowledgeHit>>, Error> {
    caller.require(Scope::KnowledgeRead)?;
    let limit = body.limit.unwrap_or(5);
    if !(1..=50).contains(&limit) {
        return Err(Error::Validation("limit must be between 1 and 50".into()));
    }
    if body.query.trim().is_empty() || body.query.chars().count() > 1000 {
        return Err(Error::Validation("query must have 1 to 1000 characters".into()));
    }
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    let entries = knowledge::list_entries(&state.db, &chatbot.id).await?;
    let hits = knowledge::rank(&entries, &body.query, limit as usize);
    Ok(Json(
        hits.into_iter()
            .map(|hit| wire::KnowledgeHit {
                entry_id: hit.entry.id.clone(),
                kind: hit.entry.kind.clone(),
                title: hit.entry.title.clone(),
                source_url: hit.entry.source_url.clone(),
                score: (hit.score * 1000.0).round() / 1000.0,
                snippet: hit.entry.content.chars().take(300).collect(),
            })
            .collect(),
    ))
}

/// `q` (what the visitor typed so far) and `limit` (1 to 20, default 5).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    q: String,
    limit: Option<usize>,
}

/// `GET /api/v2/chatbots/{id}/suggestions?q=`: completions of a partly typed question from the
/// chatbot's Q&A questions, frequent visitor questions and knowledge titles.
pub async fn suggest_questions(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<SuggestParams>,
) -> Result<Json<wire::Suggestions>, Error> {
    caller.require(Scope::KnowledgeRead)?;
    let limit = params.limit.unwrap_or(5);
    if !(1..=20).contains(&limit) {
        return Err(Error::Validation("limit must be between 1 and 20".into()));
    }
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    let found = state.suggestions.suggest(&state.db, &chatbot.id, &params.q, limit).await?;
    Ok(Json(wire::Suggestions {
        object: "list".into(),
        query: params.q,
        data: found.into_iter().map(|s| wire::Suggestion { text: s.text, source: s.kind.as_str().into() }).collect(),
    }))
}
