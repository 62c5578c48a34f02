//! Actions the JSON API and the portal both perform, with the same validation and limits.
//! (Whoever delivers what an action wrote, webhook deliveries or live streams, is woken by the
//! domain code's transaction when it commits: see `db::Wake`.)

use parlor_protocol::wire;

use crate::chatbots::{self, Chatbot, ChatbotPatch};
use crate::error::Error;
use crate::ingest::{self, ExtractError, Format};
use crate::knowledge::Source;
use crate::knowledge::documents::{self, Prepared};
use crate::knowledge::jobs::{self, JobParams};
use crate::outbound;
use crate::ratelimit::Limited;
use crate::state::AppState;

/// Changes the settings an update names, for the API's `update_chatbot` and the portal alike: the same
/// validation, the SSRF check of a provider URL, and the provider key sealed (an empty key
/// removes it).
pub async fn apply_update(
    state: &AppState,
    workspace_id: &str,
    id: &str,
    body: wire::UpdateChatbot,
) -> Result<Chatbot, Error> {
    let mut chatbot = chatbots::get_chatbot(&state.db, workspace_id, id).await?;
    let patch = ChatbotPatch {
        theme: parse_choice("theme", body.theme, "light, dark, auto")?,
        position: parse_choice("position", body.position, "right, left")?,
        lead_capture: parse_choice("lead_capture", body.lead_capture, "off, when_needed, before_chat")?,
        answer_policy: parse_choice("answer_policy", body.answer_policy, "knowledge_only, general")?,
        name: body.name,
        website: body.website,
        welcome_message: body.welcome_message,
        personality: body.personality,
        starter_questions: body.starter_questions,
        language: body.language,
        accent_color: body.accent_color,
        title: body.title,
        avatar_url: body.avatar_url,
        allowed_origins: body.allowed_origins,
        temperature: body.temperature,
        max_tokens: body.max_tokens,
        provider: parse_choice("provider", body.provider, "builtin, openai, anthropic")?,
        provider_base_url: body.provider_base_url,
        provider_model: body.provider_model,
    };
    if let Some(url) = patch.provider_base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        // A provider URL is a request Parlor makes for the caller: it must pass the SSRF guard.
        state.models.check_base_url(url).await?;
    }
    let key = match body.provider_api_key.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(key) if key.len() > 500 || key.contains(char::is_whitespace) => {
            return Err(Error::Validation("provider_api_key must be one token of at most 500 characters".into()));
        }
        Some(key) => Some(Some(state.models.seal_key(&chatbot.id, key))),
    };
    patch.apply(&mut chatbot)?;
    chatbots::update_chatbot(&state.db, &mut chatbot).await?;
    if let Some(sealed) = key {
        chatbots::set_provider_key(&state.db, &mut chatbot, sealed).await?;
    }
    Ok(chatbot)
}

/// Reads a settings enum from its API name, naming the field and the choices when it is wrong.
fn parse_choice<T: serde::de::DeserializeOwned>(
    field: &str,
    text: Option<String>,
    choices: &str,
) -> Result<Option<T>, Error> {
    text.map(|t| {
        serde_json::from_value(serde_json::Value::String(t.clone()))
            .map_err(|_| Error::Validation(format!("{field} must be one of {choices}, not {t:?}")))
    })
    .transpose()
}

/// Pages a scrape learns from when the request does not say.
pub const DEFAULT_MAX_PAGES: u32 = 50;
/// Link depth a scrape follows when the request does not say.
pub const DEFAULT_MAX_DEPTH: u32 = 2;

/// The refusal of a file of a type Parlor cannot read.
pub fn unsupported(file_name: &str) -> Error {
    Error::UnsupportedMediaType(format!(
        "`{file_name}` is not a supported document: upload a PDF, DOCX, Markdown (.md) or text (.txt) file"
    ))
}

/// Checks a URL and queues its fetch (`url`) or crawl (`scrape`), counted against `who`'s
/// scrape limit. The API and the portal both start fetches here.
pub async fn queue_fetch(
    state: &AppState,
    who: &str,
    chatbot: &Chatbot,
    kind: &str,
    params: JobParams,
) -> Result<Source, Error> {
    if params.url.trim().is_empty() {
        return Err(Error::Validation("the URL to learn from is missing".into()));
    }
    let url = outbound::check_user_url(&state.outbound, &params.url).await?;
    state.limiter.enforce(Limited::KnowledgeScrape { by: who }).await?;
    let params = JobParams { url: url.to_string(), ..params };
    let source = jobs::create_fetch_source(&state.db, &chatbot.id, kind, &params).await?;
    tracing::info!(source_id = %source.id, chatbot_id = %chatbot.id, url = %params.url, kind, "knowledge fetch queued");
    Ok(source)
}

/// Queues a page's or crawl's source to be fetched again, counted against `who`'s scrape limit.
pub async fn refresh_source(state: &AppState, who: &str, source: &Source) -> Result<Source, Error> {
    state.limiter.enforce(Limited::KnowledgeScrape { by: who }).await?;
    jobs::refresh(&state.db, source).await
}

/// Reads a file in the isolated extractor and stores it as a ready source.
pub async fn learn_file(
    state: &AppState,
    chatbot: &Chatbot,
    file_name: &str,
    format: Format,
    bytes: Vec<u8>,
) -> Result<Source, Error> {
    let file_name: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
    let cap = state.config.knowledge_max_upload_bytes;
    if bytes.len() > cap {
        return Err(Error::PayloadTooLarge(format!("the file is larger than the {} MB allowed", cap / (1024 * 1024))));
    }
    let limits = ingest::Limits { max_bytes: cap, ..ingest::Limits::from_config(&state.config) };
    let extracted = ingest::extract_isolated(format, bytes, None, &limits).await;
    let prepared = extracted.and_then(|doc| Prepared::new(&doc, &file_name));
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(err) => return Err(refuse_file(state, chatbot, &file_name, err).await),
    };
    let source =
        documents::create_document(&state.db, &chatbot.workspace_id, &chatbot.id, &file_name, &prepared).await?;
    tracing::info!(source_id = %source.id, chatbot_id = %chatbot.id, chunks = source.chunk_count, format = format.as_str(), "document learned");
    Ok(source)
}

/// The answer to a file that could not be learned from. A file that broke, stalled or bloated
/// the reader is also recorded as a failed source (with `knowledge.source.failed`), so the
/// owner sees it; the worker process took the damage, not the server.
async fn refuse_file(state: &AppState, chatbot: &Chatbot, file_name: &str, err: ExtractError) -> Error {
    match err {
        ExtractError::Unsupported(_) => unsupported(file_name),
        ExtractError::TooLarge(_) => Error::PayloadTooLarge(err.to_string()),
        ExtractError::Empty => Error::Validation(err.to_string()),
        ExtractError::Malformed(_)
        | ExtractError::ZipBomb(_)
        | ExtractError::Timeout
        | ExtractError::ResourceLimit(_)
        | ExtractError::Worker(_) => {
            let reason = err.to_string();
            tracing::warn!(chatbot_id = %chatbot.id, file_name, reason = %reason, "an uploaded file could not be read");
            match documents::create_failed(
                &state.db,
                &chatbot.workspace_id,
                &chatbot.id,
                "document",
                file_name,
                Some(file_name),
                &reason,
            )
            .await
            {
                Ok(_) => Error::Validation(reason),
                Err(err) => err,
            }
        }
    }
}
