//! Actions the JSON API and the portal both perform, with the same validation and limits.
//! An action that writes an event for webhooks or a change for live streams also wakes whoever
//! delivers it, so no adapter has to remember to.

use parlor_protocol::wire;

use crate::chatbots::{self, Chatbot, ChatbotPatch};
use crate::conversations::{self, Conversation, EndReason};
use crate::error::Error;
use crate::feedback::{self, Feedback, NewFeedback};
use crate::identity;
use crate::ingest::{self, ExtractError, Format};
use crate::knowledge::documents::{self, Prepared};
use crate::knowledge::jobs::{self, JobParams};
use crate::knowledge::{self, NewSource, Source};
use crate::leads::{self, Contact, ContactDetails, ContactPatch, ImportOutcome, Lead, NewLead};
use crate::outbound::{self, OutboundPolicy};
use crate::ratelimit::{self, Limits};
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
        state.chat.models().check_base_url(url).await?;
    }
    let key = match body.provider_api_key.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(key) if key.len() > 500 || key.contains(char::is_whitespace) => {
            return Err(Error::Validation("provider_api_key must be one token of at most 500 characters".into()));
        }
        Some(key) => Some(Some(state.chat.models().seal_key(&chatbot.id, key))),
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

/// A limit of `count` requests per `period`, such as `10/5m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLimit {
    pub count: u32,
    pub period_secs: u64,
}

impl WindowLimit {
    /// Parses `count/period` (`10/5m`, `5/300s`); `setting` names the variable in errors.
    pub fn parse(text: &str, setting: &str) -> Result<WindowLimit, Error> {
        let invalid = || Error::Validation(format!("{setting}: `{text}` is not a limit such as 10/5m"));
        let (count, period) = text.trim().split_once('/').ok_or_else(invalid)?;
        let count: u32 = count.trim().parse().map_err(|_| invalid())?;
        let period = humantime::parse_duration(period.trim()).map_err(|_| invalid())?;
        if count == 0 || period.as_secs() == 0 {
            return Err(invalid());
        }
        Ok(WindowLimit { count, period_secs: period.as_secs() })
    }
}

/// Checks both knowledge limits of the configuration (at startup, so a typo stops the server).
pub fn check_limits(config: &crate::config::Config) -> Result<(), Error> {
    WindowLimit::parse(&config.knowledge_scrape_limit, "PARLOR_KNOWLEDGE_SCRAPE_LIMIT")?;
    WindowLimit::parse(&config.knowledge_upload_limit, "PARLOR_KNOWLEDGE_UPLOAD_LIMIT")?;
    Ok(())
}

/// Counts one request of `action` by `who` (an API key's id, or `account:<id>` in the portal)
/// against `limit`; 429 with Retry-After
/// when it is used up. The shared GCRA store limits per minute, so the clock is scaled: with a
/// five-minute period one "minute" of the limiter lasts five minutes. The bucket is this
/// limit's own, so the scaled times never mix with real ones.
async fn limit(state: &AppState, who: &str, action: &str, limit: WindowLimit) -> Result<(), Error> {
    let limits = Limits { per_second: None, per_minute: Some(limit.count), per_day: None };
    let scale = limit.period_secs as f64 / 60.0;
    let now = (ratelimit::now_micros() as f64 / scale) as i64;
    let bucket = format!("knowledge-{action}:{who}");
    let decision = ratelimit::check(&state.db, &bucket, &limits, now).await?;
    if decision.allowed {
        return Ok(());
    }
    let retry_after_secs = ((decision.retry_after_secs as f64) * scale).ceil().max(1.0) as u64;
    tracing::info!(bucket = %bucket, retry_after_secs, "knowledge rate limit reached");
    Err(Error::RateLimited {
        message: format!(
            "at most {} knowledge {action}s per {} seconds; try again in {retry_after_secs} seconds",
            limit.count, limit.period_secs
        ),
        retry_after_secs,
    })
}

/// Counts a fetch or crawl by `who` against the configured scrape limit.
pub async fn limit_scrapes(state: &AppState, who: &str) -> Result<(), Error> {
    let window = WindowLimit::parse(&state.config.knowledge_scrape_limit, "PARLOR_KNOWLEDGE_SCRAPE_LIMIT")?;
    limit(state, who, "scrape", window).await
}

/// Counts a file by `who` against the configured upload limit.
pub async fn limit_uploads(state: &AppState, who: &str) -> Result<(), Error> {
    let window = WindowLimit::parse(&state.config.knowledge_upload_limit, "PARLOR_KNOWLEDGE_UPLOAD_LIMIT")?;
    limit(state, who, "upload", window).await
}

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
    let policy = OutboundPolicy::parse(&state.config.outbound_allow)?;
    let url = outbound::check_user_url(&policy, &params.url).await?;
    limit_scrapes(state, who).await?;
    let params = JobParams { url: url.to_string(), ..params };
    let source = jobs::create_fetch_source(&state.db, &chatbot.id, kind, &params).await?;
    state.chat.knowledge().wake_jobs();
    tracing::info!(source_id = %source.id, chatbot_id = %chatbot.id, url = %params.url, kind, "knowledge fetch queued");
    Ok(source)
}

/// Queues a page's or crawl's source to be fetched again, counted against `who`'s scrape limit.
pub async fn refresh_source(state: &AppState, who: &str, source: &Source) -> Result<Source, Error> {
    limit_scrapes(state, who).await?;
    let source = jobs::refresh(&state.db, source).await?;
    state.chat.knowledge().wake_jobs();
    Ok(source)
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
    event_written(state);
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
                Ok(_) => event_written(state),
                Err(err) => return err,
            }
            Error::Validation(reason)
        }
    }
}

/// Wakes the webhook dispatcher, for an action that wrote a webhook event.
fn event_written(state: &AppState) {
    state.webhooks.signal().notify();
}

/// Wakes the webhook dispatcher and the live streams (the visitor's widget and open inboxes),
/// for an action that changed a conversation.
fn conversation_changed(state: &AppState) {
    state.webhooks.signal().notify();
    state.updates.notify();
}

/// Adds a Q&A pair or a text to the chatbot's knowledge, searchable at once.
pub async fn add_source(state: &AppState, chatbot: &Chatbot, new: NewSource) -> Result<Source, Error> {
    let source = knowledge::create_source(&state.db, &chatbot.workspace_id, &chatbot.id, new).await?;
    event_written(state);
    Ok(source)
}

/// Hands the conversation to a person (`conversation.escalated`, once).
pub async fn escalate_conversation(state: &AppState, conversation: &Conversation, reason: &str) -> Result<(), Error> {
    if conversations::escalate(&state.db, conversation, reason).await? {
        conversation_changed(state);
    }
    Ok(())
}

/// Ends the conversation (`conversation.ended`, once).
pub async fn end_conversation(state: &AppState, conversation: &Conversation, reason: EndReason) -> Result<(), Error> {
    if conversations::end(&state.db, conversation, reason).await? {
        conversation_changed(state);
    }
    Ok(())
}

/// Adds a human agent's message to the conversation.
pub async fn reply_as_agent(
    state: &AppState,
    conversation: &Conversation,
    text: &str,
) -> Result<conversations::Message, Error> {
    let message = conversations::admin_reply(&state.db, conversation, text).await?;
    conversation_changed(state);
    Ok(message)
}

/// Makes a verified identity with an email the workspace's contact (or updates it).
pub async fn attach_contact(
    state: &AppState,
    workspace_id: &str,
    person: &identity::Identity,
    verified: bool,
) -> Result<(), Error> {
    if identity::attach_contact(&state.db, workspace_id, person, verified).await? {
        event_written(state);
    }
    Ok(())
}

/// Stores a visitor's lead.
pub async fn submit_lead(state: &AppState, chatbot: &Chatbot, new: NewLead) -> Result<Lead, Error> {
    let lead = leads::submit_lead(&state.db, chatbot, new).await?;
    event_written(state);
    Ok(lead)
}

/// Stores a visitor's feedback on an answer or a conversation.
pub async fn submit_feedback(state: &AppState, chatbot: &Chatbot, new: NewFeedback) -> Result<Feedback, Error> {
    let feedback = feedback::create_feedback(&state.db, chatbot, new).await?;
    event_written(state);
    Ok(feedback)
}

/// Adds a contact to the workspace.
pub async fn create_contact(state: &AppState, workspace_id: &str, details: &ContactDetails) -> Result<Contact, Error> {
    let contact = leads::create_contact(&state.db, workspace_id, details).await?;
    event_written(state);
    Ok(contact)
}

/// Changes a contact's details.
pub async fn update_contact(
    state: &AppState,
    workspace_id: &str,
    id: &str,
    patch: &ContactPatch,
) -> Result<Contact, Error> {
    let contact = leads::update_contact(&state.db, workspace_id, id, patch).await?;
    event_written(state);
    Ok(contact)
}

/// Creates or updates one contact per row, matched by email.
pub async fn import_contacts(
    state: &AppState,
    workspace_id: &str,
    rows: &[(u64, ContactDetails)],
) -> Result<ImportOutcome, Error> {
    let outcome = leads::import_contacts(&state.db, workspace_id, rows).await?;
    event_written(state);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_limits_are_parsed_and_nonsense_is_refused() {
        assert_eq!(WindowLimit::parse("10/5m", "X").unwrap(), WindowLimit { count: 10, period_secs: 300 });
        assert_eq!(WindowLimit::parse(" 5 / 300s ", "X").unwrap(), WindowLimit { count: 5, period_secs: 300 });
        for bad in ["", "10", "0/5m", "10/0s", "x/5m", "10/soon"] {
            assert!(WindowLimit::parse(bad, "X").is_err(), "{bad}");
        }
    }
}
