//! Conversations and their messages, as owners and developers read and delete them. (The chat
//! service writes them.)

use crate::db::Db;
use crate::error::{Error, Result};

/// A conversation with its message count.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Conversation {
    pub id: String,
    pub chatbot_id: String,
    pub visitor_id: Option<String>,
    pub message_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A stored message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: String,
    pub role: String,
    pub content: String,
    pub status: String,
    /// The citations as JSON.
    pub citations: String,
    pub created_at: i64,
}

const COLUMNS: &str = "c.id, c.chatbot_id, c.visitor_id,
    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count,
    c.created_at, c.updated_at";

/// A page of conversations, newest first.
#[derive(Debug, Clone)]
pub struct ConversationPage {
    pub items: Vec<Conversation>,
    pub next_cursor: Option<String>,
}

/// Lists a chatbot's conversations, newest first, continuing after the conversation `after`.
/// The caller has checked that the chatbot belongs to its workspace.
pub async fn list_conversations(
    db: &Db,
    chatbot_id: &str,
    limit: u32,
    after: Option<&str>,
) -> Result<ConversationPage> {
    let limit = limit.clamp(1, 100);
    let fetch = i64::from(limit) + 1;
    let mut items: Vec<Conversation> = match after {
        None => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM conversations c WHERE c.chatbot_id = $1
                 ORDER BY c.created_at DESC, c.id DESC LIMIT $2"
            ))
            .bind(chatbot_id)
            .bind(fetch)
            .fetch_all(db.pool())
            .await?
        }
        Some(cursor) => {
            let anchor: Option<(i64,)> =
                sqlx::query_as("SELECT created_at FROM conversations WHERE id = $1 AND chatbot_id = $2")
                    .bind(cursor)
                    .bind(chatbot_id)
                    .fetch_optional(db.pool())
                    .await?;
            let (anchor_at,) = anchor
                .ok_or_else(|| Error::Validation("cursor does not name a conversation of this chatbot".into()))?;
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM conversations c WHERE c.chatbot_id = $1
                   AND (c.created_at < $2 OR (c.created_at = $2 AND c.id < $3))
                 ORDER BY c.created_at DESC, c.id DESC LIMIT $4"
            ))
            .bind(chatbot_id)
            .bind(anchor_at)
            .bind(cursor)
            .bind(fetch)
            .fetch_all(db.pool())
            .await?
        }
    };
    let next_cursor = crate::db::finish_page(&mut items, limit, |c| &c.id);
    Ok(ConversationPage { items, next_cursor })
}

/// A conversation of one of the workspace's chatbots; `NotFound` otherwise.
pub async fn get_conversation(db: &Db, workspace_id: &str, id: &str) -> Result<Conversation> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM conversations c JOIN chatbots b ON b.id = c.chatbot_id
         WHERE c.id = $1 AND b.workspace_id = $2"
    ))
    .bind(id)
    .bind(workspace_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound("conversation"))
}

/// The messages of a conversation, oldest first.
pub async fn list_messages(db: &Db, conversation_id: &str) -> Result<Vec<Message>> {
    Ok(sqlx::query_as(
        "SELECT id, role, content, status, citations, created_at FROM messages
         WHERE conversation_id = $1 ORDER BY seq",
    )
    .bind(conversation_id)
    .fetch_all(db.pool())
    .await?)
}

/// Who an answer is looked up for: a workspace (API keys) or one chatbot (its widget).
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Workspace(&'a str),
    Chatbot(&'a str),
}

/// An assistant message, found only through its owner; `NotFound` for anything else.
pub async fn get_answer(db: &Db, owner: Owner<'_>, message_id: &str) -> Result<Message> {
    let (filter, value) = match owner {
        Owner::Workspace(id) => ("b.workspace_id = $2", id),
        Owner::Chatbot(id) => ("b.id = $2", id),
    };
    sqlx::query_as(&format!(
        "SELECT m.id, m.role, m.content, m.status, m.citations, m.created_at
         FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN chatbots b ON b.id = c.chatbot_id
         WHERE m.id = $1 AND m.role = 'assistant' AND {filter}"
    ))
    .bind(message_id)
    .bind(value)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound("message"))
}

/// Deletes a conversation and its messages.
pub async fn delete_conversation(db: &Db, workspace_id: &str, id: &str) -> Result<()> {
    let conversation = get_conversation(db, workspace_id, id).await?;
    sqlx::query("DELETE FROM conversations WHERE id = $1").bind(&conversation.id).execute(db.pool()).await?;
    Ok(())
}
