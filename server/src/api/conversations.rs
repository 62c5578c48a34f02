//! Conversations: list a chatbot's, read one with its messages, delete one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_app::wire;

use super::chatbots::ListParams;
use super::extract::{AppPath, AppQuery, Authenticated};
use crate::chatbots;
use crate::conversations::{self, Conversation};
use crate::error::Error;
use crate::ids::rfc3339;
use crate::keys::Scope;
use crate::state::AppState;

fn conversation_json(conversation: &Conversation) -> wire::Conversation {
    wire::Conversation {
        id: conversation.id.clone(),
        object: "conversation".into(),
        chatbot_id: conversation.chatbot_id.clone(),
        visitor_id: conversation.visitor_id.clone(),
        message_count: conversation.message_count,
        created_at: rfc3339(conversation.created_at),
        updated_at: rfc3339(conversation.updated_at),
    }
}

/// `GET /api/v2/chatbots/{id}/conversations?limit=&cursor=`.
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
    Ok(Json(wire::Page {
        object: "list".into(),
        data: page.items.iter().map(conversation_json).collect(),
        has_more: page.next_cursor.is_some(),
        next_cursor: page.next_cursor,
    }))
}

/// `GET /api/v2/conversations/{id}`: the conversation and its messages.
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
        messages: messages
            .into_iter()
            .map(|m| wire::StoredMessage {
                id: m.id,
                object: "message".into(),
                role: m.role,
                content: m.content,
                status: m.status,
                // Stored citations were written by this server; unreadable ones show as none.
                citations: serde_json::from_str(&m.citations).unwrap_or_default(),
                created_at: rfc3339(m.created_at),
            })
            .collect(),
    }))
}

/// `DELETE /api/v2/conversations/{id}`.
pub async fn delete_conversation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, Error> {
    caller.require(Scope::ConversationsWrite)?;
    conversations::delete_conversation(&state.db, &caller.workspace_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
