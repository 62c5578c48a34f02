//! Conversations: list a chatbot's, read one with its messages, delete one.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parlor_protocol::wire;

use super::chatbots::ListParams;
use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots;
use crate::conversations::{self, Conversation, EndReason};
use crate::error::Error;
use crate::keys::Scope;
use crate::state::AppState;
use crate::web::present::{conversation_json, message_json};

/// List a chatbot's conversations
///
/// The chatbot's conversations, newest first, a page at a time (see `cursor`).
/// Needs the `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/chatbots/{id}/conversations",
    tag = "Conversations",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ListParams),
    responses((status = 200, description = "A page of conversations.", body = wire::Page<wire::Conversation>)),
)]
pub async fn list_conversations(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(chatbot_id): AppPath<String>,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Json<wire::Page<wire::Conversation>>, Error> {
    caller.require(Scope::ConversationsRead)?;
    let limit = params.limit()?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &chatbot_id).await?;
    let page = conversations::list_conversations(&state.db, &chatbot.id, limit, params.cursor()).await?;
    Ok(Json(wire::Page::new(page.items.iter().map(conversation_json).collect(), page.next_cursor)))
}

/// Get a conversation
///
/// The conversation with all of its messages, oldest first, with the citations of each answer.
/// Needs the `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/conversations/{id}",
    tag = "Conversations",
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    responses((status = 200, description = "The conversation and its messages.", body = wire::ConversationDetail)),
)]
pub async fn get_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::ConversationDetail>, Error> {
    caller.require(Scope::ConversationsRead)?;
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    let messages = conversations::list_messages(&state.db, &conversation.id).await?;
    Ok(Json(wire::ConversationDetail {
        conversation: conversation_json(&conversation),
        messages: messages.into_iter().map(message_json).collect(),
    }))
}

/// Delete a conversation
///
/// Deletes the conversation and its messages. Needs the `conversations:write` scope.
#[utoipa::path(
    delete,
    path = "/api/v2/conversations/{id}",
    tag = "Conversations",
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    responses((status = 204, description = "The conversation is deleted.")),
)]
pub async fn delete_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, Error> {
    caller.require(Scope::ConversationsWrite)?;
    conversations::delete_conversation(&state.db, &caller.workspace_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End a conversation
///
/// An agent ends the conversation (`ended_reason` becomes `agent`); the visitor's widget shows
/// it at once and the `conversation.ended` webhook event is sent. Ending an ended conversation
/// changes nothing. Needs the `conversations:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/conversations/{id}/end",
    tag = "Conversations",
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    responses((status = 200, description = "The conversation, ended.", body = wire::Conversation)),
)]
pub async fn end_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Conversation>, Error> {
    caller.require(Scope::ConversationsWrite)?;
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    conversations::end(&state.db, &conversation, EndReason::Agent).await?;
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(conversation_json(&conversation)))
}

/// Reply as a human agent
///
/// Adds a human agent's message to the conversation; the visitor's open widget shows it at once,
/// and the chatbot stays quiet while a person has the conversation. Needs the
/// `conversations:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/conversations/{id}/reply",
    tag = "Conversations",
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    request_body(
        content = wire::AdminReply,
        example = json!({"message": "Hi, this is Sam from support. Let me check your order for you."})
    ),
    responses((status = 201, description = "The agent's stored message.", body = wire::StoredMessage)),
)]
pub async fn reply_to_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::AdminReply>,
) -> Result<(StatusCode, Json<wire::StoredMessage>), Error> {
    caller.require(Scope::ConversationsWrite)?;
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    let message = conversations::admin_reply(&state.db, &conversation, &body.message).await?;
    Ok((StatusCode::CREATED, Json(message_json(message))))
}

/// Tag a conversation
///
/// Adds tags to the conversation, or replaces all of its tags with `"mode": "replace"` (an
/// empty list then removes them). Needs the `conversations:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/conversations/{id}/tags",
    tag = "Conversations",
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc")),
    request_body(content = wire::SetTags, example = json!({"tags": ["billing", "vip"], "mode": "add"})),
    responses((status = 200, description = "The conversation's tags after the change.", body = wire::Tags)),
)]
pub async fn set_conversation_tags(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::SetTags>,
) -> Result<Json<wire::Tags>, Error> {
    caller.require(Scope::ConversationsWrite)?;
    let replace = match body.mode.as_deref() {
        None | Some("add") => false,
        Some("replace") => true,
        Some(other) => return Err(Error::Validation(format!("mode must be \"add\" or \"replace\", not {other:?}"))),
    };
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    let tags = conversations::set_tags(&state.db, &conversation, &body.tags, replace).await?;
    Ok(Json(wire::Tags { object: "tags".into(), conversation_id: conversation.id, tags }))
}

/// `format`: `json` (the default), `csv` or `transcript` (one conversation only).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (the default), `csv`, or `transcript` (plain text; one conversation only).
    #[param(example = "csv")]
    format: Option<String>,
}

fn download(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        body,
    )
        .into_response()
}

fn csv_bytes(items: &[(Conversation, Vec<conversations::Message>)]) -> Result<Vec<u8>, Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(conversations::CSV_HEADER).map_err(|err| Error::Internal(err.into()))?;
    for (conversation, messages) in items {
        conversations::write_csv_rows(&mut writer, conversation, messages)?;
    }
    writer.into_inner().map_err(|err| Error::Internal(anyhow::anyhow!("cannot finish the CSV: {err}")))
}

fn detail_json(conversation: &Conversation, messages: Vec<conversations::Message>) -> wire::ConversationDetail {
    wire::ConversationDetail {
        conversation: conversation_json(conversation),
        messages: messages.into_iter().map(message_json).collect(),
    }
}

/// Export a conversation
///
/// One conversation with its messages as a file to download (`Content-Disposition:
/// attachment`): JSON (the shape of `GET /api/v2/conversations/{id}`), CSV (one row per
/// message) or a plain-text transcript. Needs the `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/conversations/{id}/export",
    tag = "Conversations",
    params(("id" = String, Path, description = "The conversation's id.", example = "conv_7PqR2sT9uV4wX1yZ3aBc"), ExportParams),
    responses((
        status = 200,
        description = "The conversation as a download in the format asked for.",
        content(
            (wire::ConversationDetail = "application/json"),
            (String = "text/csv"),
            (String = "text/plain"),
        ),
    )),
)]
pub async fn export_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<ExportParams>,
) -> Result<Response, Error> {
    caller.require(Scope::ConversationsRead)?;
    let conversation = conversations::get_conversation(&state.db, &caller.workspace_id, &id).await?;
    let messages = conversations::list_messages(&state.db, &conversation.id).await?;
    match params.format.as_deref().unwrap_or("json") {
        "json" => {
            let body = serde_json::to_vec_pretty(&detail_json(&conversation, messages))
                .map_err(|err| Error::Internal(err.into()))?;
            Ok(download("application/json", &format!("{id}.json"), body))
        }
        "csv" => Ok(download("text/csv; charset=utf-8", &format!("{id}.csv"), csv_bytes(&[(conversation, messages)])?)),
        "transcript" => Ok(download(
            "text/plain; charset=utf-8",
            &format!("{id}.txt"),
            conversations::transcript(&conversation, &messages).into_bytes(),
        )),
        other => Err(Error::Validation(format!("format must be json, csv or transcript, not {other:?}"))),
    }
}

/// Export a chatbot's conversations
///
/// Every conversation of the chatbot with its messages, as a file to download: a JSON array of
/// conversations with their messages, or CSV with one row per message. Needs the
/// `conversations:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/chatbots/{id}/conversations/export",
    tag = "Conversations",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ExportParams),
    responses((
        status = 200,
        description = "The conversations as a download in the format asked for (`json` or `csv`).",
        content((Vec<wire::ConversationDetail> = "application/json"), (String = "text/csv")),
    )),
)]
pub async fn export_chatbot_conversations(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(chatbot_id): AppPath<String>,
    AppQuery(params): AppQuery<ExportParams>,
) -> Result<Response, Error> {
    caller.require(Scope::ConversationsRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &chatbot_id).await?;
    let format = params.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(Error::Validation(format!("format must be json or csv, not {format:?}")));
    }
    let items = conversations::export_all(&state.db, &chatbot.id).await?;
    if format == "csv" {
        return Ok(download(
            "text/csv; charset=utf-8",
            &format!("{}-conversations.csv", chatbot.id),
            csv_bytes(&items)?,
        ));
    }
    let list: Vec<wire::ConversationDetail> =
        items.into_iter().map(|(conversation, messages)| detail_json(&conversation, messages)).collect();
    let body = serde_json::to_vec_pretty(&list).map_err(|err| Error::Internal(err.into()))?;
    Ok(download("application/json", &format!("{}-conversations.json", chatbot.id), body))
}
