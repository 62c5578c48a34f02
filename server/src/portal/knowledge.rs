//! The portal's "Knowledge" area: the same sources, fetch jobs and file reading as
//! `/api/knowledge`, for the signed-in person's workspace, with limits counted per account.

use axum::extract::multipart::Multipart;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use parlor_app::api::knowledge::{ChatbotChoice, KnowledgeBackend};
use parlor_app::api::{PortalError, RequestInfo};
use parlor_protocol::wire::KnowledgeSource;

use super::account::signed_in;
use super::portal_error;
use crate::chatbots;
use crate::error::Error;
use crate::ingest::Format;
use crate::knowledge::jobs::JobParams;
use crate::knowledge::{self, NewSource};
use crate::ratelimit::Limited;
use crate::state::AppState;
use crate::web::actions::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAGES, learn_file, queue_fetch};
use crate::web::present::source_json;

pub struct Knowledge {
    state: AppState,
}

impl Knowledge {
    pub fn new(state: &AppState) -> Knowledge {
        Knowledge { state: state.clone() }
    }
}

/// Whose limits a portal action counts against: the signed-in account's.
fn who(account_id: &str) -> String {
    format!("account:{account_id}")
}

#[async_trait::async_trait]
impl KnowledgeBackend for Knowledge {
    async fn chatbots(&self, req: &RequestInfo) -> Result<Vec<ChatbotChoice>, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let page =
            chatbots::list_chatbots(&self.state.db, &viewer.workspace_id, 100, None).await.map_err(portal_error)?;
        Ok(page.items.into_iter().map(|c| ChatbotChoice { id: c.id, name: c.name }).collect())
    }

    async fn sources(&self, req: &RequestInfo, chatbot_id: String) -> Result<Vec<KnowledgeSource>, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let chatbot =
            chatbots::get_chatbot(&self.state.db, &viewer.workspace_id, &chatbot_id).await.map_err(portal_error)?;
        let sources = knowledge::list_sources(&self.state.db, &chatbot.id).await.map_err(portal_error)?;
        Ok(sources.iter().map(source_json).collect())
    }

    async fn add(
        &self,
        req: &RequestInfo,
        chatbot_id: String,
        kind: String,
        title: String,
        content: String,
    ) -> Result<KnowledgeSource, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let state = &self.state;
        let chatbot =
            chatbots::get_chatbot(&state.db, &viewer.workspace_id, &chatbot_id).await.map_err(portal_error)?;
        let title = title.trim();
        let new = match kind.as_str() {
            "qa" => NewSource::qa(title, &content),
            "text" => NewSource::text((!title.is_empty()).then_some(title), &content),
            "url" | "scrape" => {
                let (max_pages, max_depth) = if kind == "url" {
                    (1, 0)
                } else {
                    (DEFAULT_MAX_PAGES.min(state.config.crawl_max_pages.max(1)), DEFAULT_MAX_DEPTH)
                };
                let params = JobParams { url: content.trim().to_owned(), max_pages, max_depth };
                let source = queue_fetch(state, &who(&viewer.account_id), &chatbot, &kind, params)
                    .await
                    .map_err(portal_error)?;
                return Ok(source_json(&source));
            }
            other => Err(Error::Validation(format!("choose a page, a site, a question or a text, not {other:?}"))),
        }
        .map_err(portal_error)?;
        let source =
            knowledge::create_source(&state.db, &chatbot.workspace_id, &chatbot.id, new).await.map_err(portal_error)?;
        tracing::info!(source_id = %source.id, chatbot_id = %chatbot.id, "knowledge added in the portal");
        Ok(source_json(&source))
    }

    async fn delete(&self, req: &RequestInfo, id: String) -> Result<(), PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let source = knowledge::find_source(&self.state.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        knowledge::delete_source(&self.state.db, &source).await.map_err(portal_error)
    }
}

/// `POST /portal/knowledge/upload`: the knowledge page's upload form (multipart with
/// `chatbot_id` and `file`). It answers as a form post expects, with a redirect back to the
/// page, carrying the reason when the file was refused.
pub async fn upload_knowledge_file(State(state): State<AppState>, request: Request) -> Response {
    let info = super::request_info_of(request.headers(), request.extensions());
    let viewer = match signed_in(&state.db, &info).await {
        Ok((viewer, _)) => viewer,
        Err(_) => return Redirect::to("/sign-in").into_response(),
    };
    let multipart = match <Multipart as axum::extract::FromRequest<AppState>>::from_request(request, &state).await {
        Ok(multipart) => multipart,
        Err(_) => return back(None, "Upload the file with the page's form (multipart/form-data)."),
    };
    match receive(&state, &viewer, multipart).await {
        Ok(chatbot_id) => back(Some(&chatbot_id), ""),
        Err((chatbot_id, err)) => {
            let message = match &err {
                Error::Database(_) | Error::Internal(_) => {
                    tracing::error!(error = ?err, "a portal upload failed");
                    "Something went wrong on the server. Try again in a moment.".to_owned()
                }
                other => other.to_string(),
            };
            back(chatbot_id.as_deref(), &message)
        }
    }
}

async fn receive(
    state: &AppState,
    viewer: &crate::accounts::Viewer,
    mut multipart: Multipart,
) -> Result<String, (Option<String>, Error)> {
    let cap = state.config.knowledge_max_upload_bytes;
    let too_large =
        || Error::PayloadTooLarge(format!("The file is larger than the {} MB allowed.", cap / (1024 * 1024)));
    let mut chatbot_id: Option<String> = None;
    let mut file: Option<(String, Option<String>, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err((chatbot_id, too_large())),
            Err(err) => return Err((chatbot_id, Error::BadRequest(err.body_text()))),
        };
        match field.name() {
            Some("chatbot_id") => chatbot_id = field.text().await.ok().map(|id| id.trim().to_owned()),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let content_type = field.content_type().map(str::to_owned);
                let mut field = field;
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if bytes.len() + chunk.len() > cap => return Err((chatbot_id, too_large())),
                        Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return Err((chatbot_id, too_large()));
                        }
                        Err(err) => return Err((chatbot_id, Error::BadRequest(err.body_text()))),
                    }
                }
                file = Some((name, content_type, bytes));
            }
            _ => {}
        }
    }
    let id = chatbot_id.clone().unwrap_or_default();
    let fail = |err: Error| (chatbot_id.clone(), err);
    let chatbot = chatbots::get_chatbot(&state.db, &viewer.workspace_id, &id).await.map_err(fail)?;
    let (name, content_type, bytes) = file.ok_or_else(|| fail(Error::Validation("Choose a file to upload.".into())))?;
    let format = Format::detect(&name, content_type.as_deref()).filter(|f| *f != Format::Html).ok_or_else(|| {
        fail(Error::UnsupportedMediaType(format!(
            "`{name}` is not a supported document: upload a PDF, DOCX, Markdown (.md) or text (.txt) file."
        )))
    })?;
    state.limiter.enforce(Limited::KnowledgeUpload { by: &who(&viewer.account_id) }).await.map_err(fail)?;
    learn_file(state, &chatbot, &name, format, bytes).await.map_err(fail)?;
    Ok(chatbot.id)
}

/// Back to the knowledge page of the chatbot, with an error to show if there is one.
fn back(chatbot_id: Option<&str>, error: &str) -> Response {
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(id) = chatbot_id.filter(|id| !id.is_empty()) {
        query.push(("chatbot", id));
    }
    if !error.is_empty() {
        query.push(("error", error));
    }
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    let location = if query.is_empty() { "/knowledge".to_owned() } else { format!("/knowledge?{query}") };
    Redirect::to(&location).into_response()
}
