//! Knowledge: add Q&A pairs, texts, pages (`POST /api/knowledge`, the seed's shape), upload
//! files (`POST /api/knowledge/upload`), crawl a site or sitemap (`POST /api/knowledge/scrape`),
//! list, read, refresh and delete sources, and see what retrieval finds for a query.

use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use base64::Engine;
use parlor_protocol::wire;
use serde::Deserialize;

use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots::{self, Chatbot};
use crate::error::Error;
use crate::ingest::Format;
use crate::keys::{Principal, Scope};
use crate::knowledge::jobs::JobParams;
use crate::knowledge::{self, NewSource};
use crate::ratelimit::Limited;
use crate::state::AppState;
use crate::web::actions::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAGES, learn_file, queue_fetch, refresh_source, unsupported};
use crate::web::present::{source_json, suggestions_json};

/// The most link depth a scrape may ask for.
const MAX_DEPTH: u32 = 5;

/// `POST /api/knowledge`: adds a Q&A pair or a text (searchable at once, 201), a page to fetch
/// (`url`, fetched in the background, 202) or a document (`document`: `source` is the file
/// name, `content` the file, base64 for PDF and DOCX; 201).
#[utoipa::path(
    post,
    path = "/api/v2/knowledge",
    tag = "Knowledge",
    summary = "Add knowledge",
    description = "Adds something for a chatbot to answer from, by `type`: `qa` (the question in `source`, the answer \
        in `content`) and `text` (a title or URL in `source`, the text in `content`) are searchable at once (201); \
        `url` (the page in `source`) is fetched in the background (202: follow `status` and `progress`); `document` \
        (the file name in `source`, the file in `content`, base64 for PDF and DOCX) is read at once (201). Pages \
        and files count against the workspace's scrape and upload limits. Needs the `knowledge:write` scope.",
    request_body(
        content = wire::CreateKnowledge,
        example = json!({
            "chatbot_id": "bot_4kQ2x9TbLm7Yw1Rz8HcD",
            "type": "qa",
            "source": "What are your opening hours?",
            "content": "We are open Monday to Friday, 9am to 6pm CET."
        })
    ),
    responses(
        (status = 201, description = "The source, ready and searchable.", body = wire::KnowledgeSource),
        (status = 202, description = "The source of a `url`, queued to be fetched.", body = wire::KnowledgeSource),
        (status = 413, description = "The document is larger than the upload limit.", body = wire::ErrorBody),
        (status = 415, description = "The document is not a PDF, DOCX, Markdown or text file.", body = wire::ErrorBody),
    ),
)]
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
        "url" => {
            let url = body.source.as_deref().or(body.content.as_deref()).unwrap_or("");
            let params = JobParams { url: url.to_owned(), max_pages: 1, max_depth: 0 };
            return start_fetch(&state, &caller, &chatbot, "url", params).await;
        }
        "document" => {
            let file_name = body.source.as_deref().unwrap_or("").trim();
            let format = Format::detect(file_name, None).ok_or_else(|| unsupported(file_name))?;
            let content = body.content.as_deref().unwrap_or("");
            let bytes = match format {
                Format::Pdf | Format::Docx => base64::engine::general_purpose::STANDARD
                    .decode(content.trim())
                    .map_err(|_| Error::Validation("a PDF or DOCX document's content must be base64".into()))?,
                _ => content.as_bytes().to_vec(),
            };
            state.limiter.enforce(Limited::KnowledgeUpload { by: &caller.key_id }).await?;
            let source = learn_file(&state, &chatbot, file_name, format, bytes).await?;
            return Ok((StatusCode::CREATED, Json(source_json(&source))));
        }
        other => return Err(Error::Validation(format!("type must be qa, text, url or document, not {other:?}"))),
    };
    let source = knowledge::create_source(&state.db, &chatbot.workspace_id, &chatbot.id, new).await?;
    tracing::info!(source_id = %source.id, chatbot_id = %chatbot.id, chunks = source.chunk_count, "knowledge added");
    Ok((StatusCode::CREATED, Json(source_json(&source))))
}

/// Checks a URL (refusing private addresses now, with the reason), then adds the source and
/// queues its job: 202 with the source.
async fn start_fetch(
    state: &AppState,
    caller: &Principal,
    chatbot: &Chatbot,
    kind: &str,
    params: JobParams,
) -> Result<(StatusCode, Json<wire::KnowledgeSource>), Error> {
    let source = queue_fetch(state, &caller.key_id, chatbot, kind, params).await?;
    Ok((StatusCode::ACCEPTED, Json(source_json(&source))))
}

/// `POST /api/knowledge/scrape`: learns from a site, following same-site links from a page up
/// to `max_depth`, or from the pages a sitemap (or sitemap index) lists, up to `max_pages`.
/// Answers 202 with the source; its status and progress show how the crawl goes.
#[utoipa::path(
    post,
    path = "/api/v2/knowledge/scrape",
    tag = "Knowledge",
    summary = "Crawl a site or sitemap",
    description = "Learns from a website in the background: from a page, following same-site links up to \
        `max_depth` (2 by default, at most 5), or from the pages a sitemap or sitemap index lists; at most \
        `max_pages` pages (50 by default, capped by the server's configuration). The crawler honours robots.txt \
        and fetches one page at a time per host. Answers 202 with the source; its `status` and `progress` show \
        how the crawl goes, and `GET /api/v2/knowledge/{id}/pages` lists the pages learned. Counts against the \
        scrape limit. Needs the `knowledge:write` scope.",
    request_body(
        content = wire::ScrapeKnowledge,
        example = json!({
            "chatbot_id": "bot_4kQ2x9TbLm7Yw1Rz8HcD",
            "url": "https://docs.example.com/sitemap.xml",
            "max_pages": 100,
            "max_depth": 2
        })
    ),
    responses((status = 202, description = "The crawl's source, queued.", body = wire::KnowledgeSource)),
)]
pub async fn scrape_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppJson(body): AppJson<wire::ScrapeKnowledge>,
) -> Result<(StatusCode, Json<wire::KnowledgeSource>), Error> {
    caller.require(Scope::KnowledgeWrite)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &body.chatbot_id).await?;
    let cap = state.config.crawl_max_pages.max(1);
    let max_pages = body.max_pages.unwrap_or(DEFAULT_MAX_PAGES.min(cap));
    if !(1..=cap).contains(&max_pages) {
        return Err(Error::Validation(format!("max_pages must be between 1 and {cap}")));
    }
    let max_depth = body.max_depth.unwrap_or(DEFAULT_MAX_DEPTH);
    if max_depth > MAX_DEPTH {
        return Err(Error::Validation(format!("max_depth must be between 0 and {MAX_DEPTH}")));
    }
    start_fetch(&state, &caller, &chatbot, "scrape", JobParams { url: body.url, max_pages, max_depth }).await
}

/// The form of `POST /api/v2/knowledge/upload` (`multipart/form-data`).
#[derive(Debug, utoipa::ToSchema)]
#[expect(dead_code, reason = "describes a multipart form for the OpenAPI document; the handler reads the fields")]
pub struct UploadKnowledge {
    /// The chatbot that learns from the file (also accepted as `chatbot_id`).
    #[schema(rename = "chatbotId", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")]
    chatbot_id: String,
    /// The file: PDF, DOCX, Markdown (`.md`) or text (`.txt`), with its file name.
    #[schema(content_media_type = "application/octet-stream")]
    file: String,
}

/// `POST /api/knowledge/upload`: multipart with `chatbotId` (or `chatbot_id`) and `file` (PDF,
/// DOCX, Markdown or text). The file is read in an isolated worker process; 201 with the ready
/// source, 413 over the size cap, 415 for other types, 422 for an empty or unreadable file
/// (an unreadable one is also listed as a failed source, with the reason).
#[utoipa::path(
    post,
    path = "/api/v2/knowledge/upload",
    tag = "Knowledge",
    summary = "Upload a document",
    description = "Learns from a file sent as `multipart/form-data` with the fields `chatbotId` (or `chatbot_id`) \
        and `file`: PDF, DOCX, Markdown (.md) or text (.txt). The file is read in an isolated worker process and \
        the answer (201) is the ready source. A file that cannot be read is refused (422) and also listed as a \
        failed source with the reason. Counts against the upload limit. Needs the `knowledge:write` scope.",
    request_body(
        content = UploadKnowledge,
        content_type = "multipart/form-data",
        example = json!({"chatbotId": "bot_4kQ2x9TbLm7Yw1Rz8HcD", "file": "@handbook.pdf"})
    ),
    responses(
        (status = 201, description = "The document's source, ready and searchable.", body = wire::KnowledgeSource),
        (status = 413, description = "The file is larger than the upload limit.", body = wire::ErrorBody),
        (status = 415, description = "The file is not a PDF, DOCX, Markdown or text file.", body = wire::ErrorBody),
    ),
)]
pub async fn upload_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<wire::KnowledgeSource>), Error> {
    caller.require(Scope::KnowledgeWrite)?;
    let mut multipart = multipart.map_err(|_| {
        Error::UnsupportedMediaType("upload the file as multipart/form-data with the fields chatbotId and file".into())
    })?;
    let cap = state.config.knowledge_max_upload_bytes;
    let too_large =
        || Error::PayloadTooLarge(format!("the file is larger than the {} MB allowed", cap / (1024 * 1024)));
    let multipart_error = |err: axum::extract::multipart::MultipartError| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { Error::BadRequest(err.body_text()) }
    };
    let mut chatbot_id = None;
    let mut file: Option<(String, Option<String>, Vec<u8>)> = None;
    // Past the cap the rest of the file is read and dropped rather than left unread: a client
    // still sending when the server answers and closes gets its connection reset instead of the
    // 413. (The route's body limit, the cap and 64 KB, bounds what is read.)
    let mut oversized = false;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("chatbotId" | "chatbot_id") => chatbot_id = Some(field.text().await.map_err(multipart_error)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let content_type = field.content_type().map(str::to_owned);
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    oversized |= bytes.len() + chunk.len() > cap;
                    if !oversized {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                file = Some((name, content_type, bytes));
            }
            _ => {}
        }
    }
    if oversized {
        return Err(too_large());
    }
    let chatbot_id = chatbot_id.ok_or_else(|| Error::Validation("the chatbotId field is missing".into()))?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, chatbot_id.trim()).await?;
    let (name, content_type, bytes) = file.ok_or_else(|| Error::Validation("the file field is missing".into()))?;
    let format = Format::detect(&name, content_type.as_deref())
        .filter(|f| *f != Format::Html)
        .ok_or_else(|| unsupported(&name))?;
    state.limiter.enforce(Limited::KnowledgeUpload { by: &caller.key_id }).await?;
    let source = learn_file(&state, &chatbot, &name, format, bytes).await?;
    Ok((StatusCode::CREATED, Json(source_json(&source))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListKnowledgeParams {
    /// The chatbot whose sources to list (also accepted as `chatbotId`).
    #[serde(alias = "chatbotId")]
    #[param(example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")]
    chatbot_id: String,
}

/// `GET /api/knowledge?chatbot_id=`: a chatbot's sources, newest first.
#[utoipa::path(
    get,
    path = "/api/v2/knowledge",
    tag = "Knowledge",
    summary = "List knowledge sources",
    description = "A chatbot's knowledge sources, newest first, with their status and progress (the pages of a \
        crawl are listed under it). Needs the `knowledge:read` scope.",
    params(ListKnowledgeParams),
    responses((status = 200, description = "The chatbot's sources, all on one page.", body = wire::Page<wire::KnowledgeSource>)),
)]
pub async fn list_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ListKnowledgeParams>,
) -> Result<Json<wire::Page<wire::KnowledgeSource>>, Error> {
    caller.require(Scope::KnowledgeRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &params.chatbot_id).await?;
    let sources = knowledge::list_sources(&state.db, &chatbot.id).await?;
    Ok(Json(wire::Page::all(sources.iter().map(source_json).collect())))
}

/// `GET /api/knowledge/{id}`: a source with its status and progress.
#[utoipa::path(
    get,
    path = "/api/v2/knowledge/{id}",
    tag = "Knowledge",
    summary = "Get a knowledge source",
    description = "A source with its `status` (`processing`, `ready` or `failed` with an `error`) and the \
        `progress` of its fetch or crawl. Needs the `knowledge:read` scope.",
    params(("id" = String, Path, description = "The knowledge source's id.", example = "src_2Xy9Qw8Er7Ty6Ui5Op4A")),
    responses((status = 200, description = "The source.", body = wire::KnowledgeSource)),
)]
pub async fn get_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::KnowledgeSource>, Error> {
    caller.require(Scope::KnowledgeRead)?;
    let source = knowledge::find_source(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(source_json(&source)))
}

/// `GET /api/v2/knowledge/{id}/pages`: the pages a scrape learned from.
#[utoipa::path(
    get,
    path = "/api/v2/knowledge/{id}/pages",
    tag = "Knowledge",
    summary = "List a crawl's pages",
    description = "The pages a crawl learned from, each a source of type `page` with its own status. Needs the \
        `knowledge:read` scope.",
    params(("id" = String, Path, description = "The knowledge source's id.", example = "src_2Xy9Qw8Er7Ty6Ui5Op4A")),
    responses((status = 200, description = "The crawl's pages, all on one page.", body = wire::Page<wire::KnowledgeSource>)),
)]
pub async fn list_knowledge_pages(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Page<wire::KnowledgeSource>>, Error> {
    caller.require(Scope::KnowledgeRead)?;
    let source = knowledge::find_source(&state.db, &caller.workspace_id, &id).await?;
    let pages = knowledge::list_pages(&state.db, &source.id).await?;
    Ok(Json(wire::Page::all(pages.iter().map(source_json).collect())))
}

/// `POST /api/v2/knowledge/{id}/refresh`: fetches a page or crawl again (202); unchanged pages
/// are not rewritten, pages gone from the site are forgotten.
#[utoipa::path(
    post,
    path = "/api/v2/knowledge/{id}/refresh",
    tag = "Knowledge",
    summary = "Refresh a page or crawl",
    description = "Fetches a page or crawl again in the background (202): unchanged pages are not rewritten and \
        pages gone from the site are forgotten. Counts against the scrape limit. Needs the `knowledge:write` scope.",
    params(("id" = String, Path, description = "The knowledge source's id.", example = "src_2Xy9Qw8Er7Ty6Ui5Op4A")),
    responses((status = 202, description = "The source, queued to be fetched again.", body = wire::KnowledgeSource)),
)]
pub async fn refresh_knowledge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<(StatusCode, Json<wire::KnowledgeSource>), Error> {
    caller.require(Scope::KnowledgeWrite)?;
    let source = knowledge::find_source(&state.db, &caller.workspace_id, &id).await?;
    let source = refresh_source(&state, &caller.key_id, &source).await?;
    Ok((StatusCode::ACCEPTED, Json(source_json(&source))))
}

/// `DELETE /api/knowledge/{id}`: the source and all of its pages and chunks, from every
/// process's answers.
#[utoipa::path(
    delete,
    path = "/api/v2/knowledge/{id}",
    tag = "Knowledge",
    summary = "Delete a knowledge source",
    description = "Deletes the source with all of its pages and chunks; no answer uses it from then on, in any \
        process. Needs the `knowledge:write` scope.",
    params(("id" = String, Path, description = "The knowledge source's id.", example = "src_2Xy9Qw8Er7Ty6Ui5Op4A")),
    responses((status = 204, description = "The source is deleted.")),
)]
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
#[utoipa::path(
    post,
    path = "/api/v2/chatbots/{id}/knowledge/search",
    tag = "Knowledge",
    summary = "Search a chatbot's knowledge",
    description = "What retrieval finds for a query, best first, as the chatbot would use it to answer: to check \
        what a question will be answered from. `limit` is 1 to 50 (5 by default). Needs the `knowledge:read` scope.",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(content = wire::KnowledgeSearch, example = json!({"query": "opening hours", "limit": 5})),
    responses((status = 200, description = "The best chunks, best first.", body = Vec<wire::KnowledgeHit>)),
)]
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
    let hits = state.knowledge.search_ranked(&chatbot.id, &body.query, limit as usize).await?;
    Ok(Json(
        hits.into_iter()
            .map(|knowledge::Ranked { hit, found_by }| wire::KnowledgeHit {
                entry_id: hit.entry.id.clone(),
                kind: hit.entry.kind.clone(),
                title: hit.entry.title.clone(),
                source_url: hit.entry.source_url.clone(),
                score: (hit.score * 1000.0).round() / 1000.0,
                snippet: hit.entry.content.chars().take(300).collect(),
                file_name: hit.entry.file_name.clone(),
                page: hit.entry.page.and_then(|p| u32::try_from(p).ok()),
                found_by: found_by.names().into_iter().map(str::to_owned).collect(),
            })
            .collect(),
    ))
}

/// `q` (what the visitor typed so far) and `limit` (1 to 20, default 5).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What the visitor has typed so far.
    #[param(example = "how do I ret")]
    q: String,
    /// How many completions at most: 1 to 20, 5 by default.
    #[param(minimum = 1, maximum = 20, example = 5)]
    limit: Option<usize>,
}

/// `GET /api/v2/chatbots/{id}/suggestions?q=`: completions of a partly typed question from the
/// chatbot's Q&A questions, frequent visitor questions and knowledge titles.
#[utoipa::path(
    get,
    path = "/api/v2/chatbots/{id}/suggestions",
    tag = "Knowledge",
    summary = "Suggest questions",
    description = "Completions of a partly typed question, from the chatbot's Q&A questions (`question`), what \
        visitors ask often (`frequent`) and the titles of its knowledge (`title`). Needs the `knowledge:read` scope.",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), SuggestParams),
    responses((status = 200, description = "The completions, best first.", body = wire::Suggestions)),
)]
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
    Ok(Json(suggestions_json(params.q, found)))
}
