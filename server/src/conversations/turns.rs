//! The writes of a chat turn: the visitor's question and its answer as the chat service stores
//! them (the conversation opened or continued, the answer's progress, its end, a stop request),
//! and the stored answer that clients of other processes follow. The chat service decides what
//! to write; the SQL is here, with the rest of the conversations' SQL.

use crate::db::{Db, Tx, fold_case};
use crate::error::{Error, Result};
use crate::ids::new_id;

use super::{MessageStatus, Role, Status};

/// How many earlier messages a turn reads for the model's history (the newest ones).
const HISTORY_MESSAGES: i64 = 50;

/// The question of a turn, as [`open_turn`] stores it.
pub struct Question<'a> {
    pub chatbot_id: &'a str,
    /// The conversation to continue; `None` starts one.
    pub conversation_id: Option<&'a str>,
    pub visitor_id: Option<&'a str>,
    pub text: &'a str,
    pub at_ms: i64,
    /// The finish reason of an answer that is not generated because a person took over.
    pub handoff_reason: &'a str,
}

/// A turn as [`open_turn`] left it: the question stored and its answer begun.
pub struct OpenedTurn {
    pub conversation_id: String,
    /// Whether the question started the conversation.
    pub started: bool,
    /// Whether a person has taken the conversation over: the answer is stored empty and
    /// complete, and nothing is generated.
    pub handed_over: bool,
    pub user_message_id: String,
    pub message_id: String,
    /// Earlier messages with text, newest first: (stored role, content).
    pub history_newest_first: Vec<(Role, String)>,
}

/// Stores a question and its empty answer (streaming, or complete with the handoff reason when
/// a person has taken over), in a new conversation or a known one of the chatbot, which a
/// message opens again if it had ended.
pub async fn open_turn(tx: &mut Tx, question: &Question<'_>) -> Result<OpenedTurn> {
    let now = question.at_ms;
    let mut handed_over = false;
    // A new conversation has no history to read; a known one is looked up with the last
    // sequence number in the same statement. Every statement here holds the write lock.
    let (conversation_id, last_seq) = match question.conversation_id {
        Some(id) => {
            let found: Option<(String, String, i64)> = sqlx::query_as(
                "SELECT c.id, c.status, (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id)
                 FROM conversations c WHERE c.id = $1 AND c.chatbot_id = $2",
            )
            .bind(id)
            .bind(question.chatbot_id)
            .fetch_optional(&mut **tx)
            .await?;
            let (id, status, last_seq) = found.ok_or(Error::NotFound("conversation"))?;
            handed_over = status == Status::Escalated.as_str();
            (id, last_seq)
        }
        None => {
            let id = new_id("conv");
            sqlx::query(
                "INSERT INTO conversations (id, chatbot_id, visitor_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(&id)
            .bind(question.chatbot_id)
            .bind(question.visitor_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            (id, 0)
        }
    };
    let started = question.conversation_id.is_none();
    // The empty answers of a handoff are not turns of the conversation.
    let history: Vec<(String, String)> = if started {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT role, content FROM messages WHERE conversation_id = $1 AND status = 'complete' AND content <> ''
             ORDER BY seq DESC LIMIT $2",
        )
        .bind(&conversation_id)
        .bind(HISTORY_MESSAGES)
        .fetch_all(&mut **tx)
        .await?
    };
    let user_message_id = new_id("msg");
    let message_id = new_id("msg");
    // The question and its (empty) answer in one statement.
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, role, content, status, finish_reason, created_at, heartbeat_at,
                               search_text)
         VALUES ($1, $2, $3, $4, $5, 'complete', NULL, $6, $6, $12), ($7, $2, $8, $9, '', $10, $11, $6, $6, NULL)",
    )
    .bind(&user_message_id)
    .bind(&conversation_id)
    .bind(last_seq + 1)
    .bind(Role::User.as_str())
    .bind(question.text)
    .bind(now)
    .bind(&message_id)
    .bind(last_seq + 2)
    .bind(Role::Assistant.as_str())
    .bind(if handed_over { MessageStatus::Complete } else { MessageStatus::Streaming }.as_str())
    .bind(handed_over.then_some(question.handoff_reason))
    .bind(fold_case(question.text))
    .execute(&mut **tx)
    .await
    .map_err(conflict_on_unique)?;
    if !started {
        // A message to an ended conversation (a visitor back after a pause) opens it again.
        sqlx::query(
            "UPDATE conversations SET updated_at = $1,
                 status = CASE WHEN status = 'ended' THEN 'open' ELSE status END,
                 ended_at = NULL, ended_reason = NULL
             WHERE id = $2",
        )
        .bind(now)
        .bind(&conversation_id)
        .execute(&mut **tx)
        .await?;
    }
    // An unknown stored role reads as the website's side, as it always has.
    let history_newest_first =
        history.into_iter().map(|(role, content)| (Role::parse(&role).unwrap_or(Role::Assistant), content)).collect();
    Ok(OpenedTurn { conversation_id, started, handed_over, user_message_id, message_id, history_newest_first })
}

fn conflict_on_unique(err: sqlx::Error) -> Error {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::Conflict("another message was sent to this conversation at the same moment; send again".into())
        }
        _ => Error::Database(err),
    }
}

/// Records that someone asked a streaming answer to stop; returns whether it was streaming.
pub async fn request_stop(db: &Db, message_id: &str) -> Result<bool> {
    let updated = db
        .execute(
            sqlx::query("UPDATE messages SET stop_requested = 1 WHERE id = $1 AND status = 'streaming'")
                .bind(message_id),
        )
        .await?
        .rows_affected();
    Ok(updated > 0)
}

/// Saves a streaming answer's text so far (and the ends of its pieces, as JSON), so that
/// clients of other processes can follow it; returns whether someone asked it to stop.
pub async fn save_progress(db: &Db, message_id: &str, text: &str, chunk_ends: &str, at_ms: i64) -> Result<bool> {
    db.execute(
        sqlx::query("UPDATE messages SET content = $1, chunk_ends = $2, heartbeat_at = $3 WHERE id = $4")
            .bind(text)
            .bind(chunk_ends)
            .bind(at_ms)
            .bind(message_id),
    )
    .await?;
    let requested: i64 = sqlx::query_scalar("SELECT stop_requested FROM messages WHERE id = $1")
        .bind(message_id)
        .fetch_one(db.pool())
        .await?;
    Ok(requested != 0)
}

/// The end of an answer, as [`finish_answer`] stores it.
pub struct FinishedAnswer<'a> {
    pub message_id: &'a str,
    pub conversation_id: &'a str,
    pub text: &'a str,
    /// The ends of the answer's pieces, as JSON.
    pub chunk_ends: &'a str,
    /// The citations, as JSON.
    pub citations: &'a str,
    pub status: MessageStatus,
    pub finish_reason: &'a str,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub at_ms: i64,
}

/// Stores an answer's end (its text, status, citations and token counts) and touches its
/// conversation, in the caller's transaction (which records the usage with it).
pub async fn finish_answer(tx: &mut Tx, answer: &FinishedAnswer<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET content = $1, status = $2, finish_reason = $3, citations = $4,
             prompt_tokens = $5, completion_tokens = $6, completed_at = $7, chunk_ends = $9, heartbeat_at = $7
         WHERE id = $8",
    )
    .bind(answer.text)
    .bind(answer.status.as_str())
    .bind(answer.finish_reason)
    .bind(answer.citations)
    .bind(answer.prompt_tokens)
    .bind(answer.completion_tokens)
    .bind(answer.at_ms)
    .bind(answer.message_id)
    .bind(answer.chunk_ends)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
        .bind(answer.at_ms)
        .bind(answer.conversation_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An answer as stored, for clients that follow it from another process or after it ended.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredAnswer {
    #[sqlx(try_from = "String")]
    pub status: MessageStatus,
    pub content: String,
    pub chunk_ends: String,
    pub citations: String,
    pub finish_reason: Option<String>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub heartbeat_at: Option<i64>,
}

/// The stored state of an answer, `None` when there is no such message.
pub async fn stored_answer(db: &Db, message_id: &str) -> Result<Option<StoredAnswer>> {
    Ok(sqlx::query_as(
        "SELECT status, content, chunk_ends, citations, finish_reason, prompt_tokens, completion_tokens, heartbeat_at
         FROM messages WHERE id = $1",
    )
    .bind(message_id)
    .fetch_optional(db.pool())
    .await?)
}
