//! Conversations and their messages, as owners and developers read and delete them, and their
//! lifecycle: escalation to a human, an agent's replies, tags, and the end (by the visitor, an
//! agent, or inactivity). The writes of a chat turn are in [`turns`]: every statement on the
//! conversations and messages tables of the chat path lives in this module.

use std::time::Duration;

use tokio::sync::watch;

use crate::db::{Db, Listing, NumberedPage, Page, PageNumber, Wake, fold_case, newest_first, newest_first_numbered};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms, rfc3339};
use crate::webhooks::{self, events};

pub mod turns;

/// Where a conversation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    /// A visitor asked for a human (or the chatbot handed over); agents reply in the inbox.
    Escalated,
    Ended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Escalated => "escalated",
            Status::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [Status::Open, Status::Escalated, Status::Ended].into_iter().find(|status| status.as_str() == text)
    }
}

/// How a stored row's text becomes the enum (`#[sqlx(try_from = "String")]`): a value this
/// server never writes is an error, not a guess.
macro_rules! stored_enum {
    ($name:ident, $what:literal) => {
        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> std::result::Result<Self, String> {
                $name::parse(&text).ok_or_else(|| format!("{} {text:?} is not one this server writes", $what))
            }
        }
    };
}
stored_enum!(Status, "conversation status");
stored_enum!(MessageStatus, "message status");
stored_enum!(Role, "message role");

/// Where a stored message stands. An answer is `streaming` until it ends in one of the others;
/// the visitor's and an agent's messages are stored `complete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    Streaming,
    Complete,
    /// The visitor stopped it; the text so far is kept.
    Stopped,
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Streaming => "streaming",
            MessageStatus::Complete => "complete",
            MessageStatus::Stopped => "stopped",
            MessageStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<MessageStatus> {
        [MessageStatus::Streaming, MessageStatus::Complete, MessageStatus::Stopped, MessageStatus::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// Who wrote a stored message: the visitor (`user`), the chatbot (`assistant`) or a person of
/// the team answering through the inbox or the API (`admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::User, Role::Assistant, Role::Admin].into_iter().find(|role| role.as_str() == text)
    }
}

/// Who or what ended a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Visitor,
    Agent,
    Inactivity,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Visitor => "visitor",
            EndReason::Agent => "agent",
            EndReason::Inactivity => "inactivity",
        }
    }
}

/// A conversation with its message count.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Conversation {
    pub id: String,
    pub chatbot_id: String,
    pub visitor_id: Option<String>,
    pub message_count: i64,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub ended_at: Option<i64>,
    pub ended_reason: Option<String>,
    pub escalated_at: Option<i64>,
    /// The tags as a JSON array.
    pub tags: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Conversation {
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

/// A stored message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: String,
    pub seq: i64,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub content: String,
    #[sqlx(try_from = "String")]
    pub status: MessageStatus,
    /// The citations as JSON.
    pub citations: String,
    pub created_at: i64,
}

/// The empty answer stored when a person had the conversation (`finish_reason = 'handoff'`) is
/// kept so that its id can still be followed, but it is not a message: counts and listings skip it.
const NOT_HANDOFF: &str = "COALESCE(m.finish_reason, '') <> 'handoff'";

const COLUMNS: &str = "c.id, c.chatbot_id, c.visitor_id,
    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
        AND COALESCE(m.finish_reason, '') <> 'handoff') AS message_count,
    c.status, c.ended_at, c.ended_reason, c.escalated_at, c.tags, c.created_at, c.updated_at";

/// A page of conversations, newest first.
pub type ConversationPage = Page<Conversation>;

/// Lists a chatbot's conversations, newest first, continuing after the conversation `after`.
/// The caller has checked that the chatbot belongs to its workspace.
pub async fn list_conversations(
    db: &Db,
    chatbot_id: &str,
    limit: u32,
    after: Option<&str>,
) -> Result<ConversationPage> {
    let select = format!("SELECT {COLUMNS} FROM conversations c WHERE c.chatbot_id = $1");
    newest_first(db, listing(&select), chatbot_id, limit, after, |c: &Conversation| &c.id).await
}

/// Lists a chatbot's conversations, newest first, by numbered page, with how many it has. The
/// caller has checked that the chatbot belongs to its workspace.
pub async fn list_conversations_numbered(
    db: &Db,
    chatbot_id: &str,
    at: PageNumber,
) -> Result<NumberedPage<Conversation>> {
    let select = format!("SELECT {COLUMNS} FROM conversations c WHERE c.chatbot_id = $1");
    newest_first_numbered(db, listing(&select), chatbot_id, at).await
}

/// Where the lists of a chatbot's conversations read from.
fn listing(select: &str) -> Listing<'_> {
    Listing {
        select,
        table: "conversations",
        scope_column: "chatbot_id",
        prefix: "c.",
        what: "a conversation of this chatbot",
    }
}

/// A conversation as an agent's inbox lists it: with its chatbot's name and the time of its
/// last message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InboxEntry {
    #[sqlx(flatten)]
    pub conversation: Conversation,
    pub chatbot_name: String,
    pub last_message_at: Option<i64>,
}

/// Which conversations the inbox shows: every filter that is `None` lets all through.
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxFilter<'a> {
    pub status: Option<Status>,
    /// One chatbot of the workspace (one of another workspace shows nothing).
    pub chatbot_id: Option<&'a str>,
    /// Words in the visitor's messages, found without regard to ASCII case.
    pub search: Option<&'a str>,
}

/// The longest text the inbox searches for, in characters.
pub const MAX_INBOX_SEARCH_CHARS: usize = 200;

/// A place in the inbox's order (status group, then most recently active, then id), after which
/// the next page starts. It is written as `group.updated_at.id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxCursor {
    group: i64,
    updated_at: i64,
    id: String,
}

impl InboxCursor {
    /// The place of a listed conversation.
    pub fn of(conversation: &Conversation) -> InboxCursor {
        InboxCursor {
            group: inbox_group(conversation.status),
            updated_at: conversation.updated_at,
            id: conversation.id.clone(),
        }
    }

    /// Reads a cursor that [`InboxCursor::of`] wrote.
    pub fn parse(text: &str) -> Result<InboxCursor> {
        let invalid = || Error::Validation("the inbox cursor is not one the inbox gave".into());
        let mut parts = text.splitn(3, '.');
        let group = parts.next().and_then(|p| p.parse().ok()).ok_or_else(invalid)?;
        let updated_at = parts.next().and_then(|p| p.parse().ok()).ok_or_else(invalid)?;
        let id = parts.next().filter(|id| !id.is_empty()).ok_or_else(invalid)?;
        Ok(InboxCursor { group, updated_at, id: id.to_owned() })
    }
}

impl std::fmt::Display for InboxCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.group, self.updated_at, self.id)
    }
}

/// The inbox's groups: those waiting for a person, then open, then ended.
fn inbox_group(status: Status) -> i64 {
    match status {
        Status::Escalated => 0,
        Status::Open => 1,
        Status::Ended => 2,
    }
}

/// The same groups in SQL.
const INBOX_GROUP: &str = "CASE c.status WHEN 'escalated' THEN 0 WHEN 'open' THEN 1 ELSE 2 END";

/// A page of the conversations of a workspace's chatbots for the inbox, escalated ones (waiting
/// for a person) first, then open, then ended, each group most recently active first,
/// continuing after `after`.
pub async fn inbox(
    db: &Db,
    workspace_id: &str,
    filter: InboxFilter<'_>,
    after: Option<&InboxCursor>,
    limit: u32,
) -> Result<Vec<InboxEntry>> {
    let search = filter.search.map(str::trim).unwrap_or_default();
    if search.chars().count() > MAX_INBOX_SEARCH_CHARS {
        return Err(Error::Validation(format!("the search must be at most {MAX_INBOX_SEARCH_CHARS} characters")));
    }
    // `!` escapes LIKE's wildcards in what the agent typed.
    let pattern = if search.is_empty() {
        String::new()
    } else {
        let escaped = fold_case(search).replace('!', "!!").replace('%', "!%").replace('_', "!_");
        format!("%{escaped}%")
    };
    // Before the first page: a group before every real one.
    let (group, updated_at, id) = after.map_or((-1, 0, ""), |c| (c.group, c.updated_at, c.id.as_str()));
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS}, b.name AS chatbot_name,
             (SELECT MAX(m.created_at) FROM messages m WHERE m.conversation_id = c.id) AS last_message_at
         FROM conversations c JOIN chatbots b ON b.id = c.chatbot_id
         WHERE b.workspace_id = $1
           AND ($2 = '' OR c.chatbot_id = $2)
           AND ($3 = '' OR c.status = $3)
           AND ($4 = '' OR EXISTS (SELECT 1 FROM messages v WHERE v.conversation_id = c.id AND v.role = 'user'
                                   AND v.search_text LIKE $4 ESCAPE '!'))
           AND ({INBOX_GROUP} > $5
                OR ({INBOX_GROUP} = $5 AND (c.updated_at < $6 OR (c.updated_at = $6 AND c.id < $7))))
         ORDER BY {INBOX_GROUP}, c.updated_at DESC, c.id DESC
         LIMIT $8"
    ))
    .bind(workspace_id)
    .bind(filter.chatbot_id.unwrap_or_default())
    .bind(filter.status.map(Status::as_str).unwrap_or_default())
    .bind(pattern)
    .bind(group)
    .bind(updated_at)
    .bind(id)
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?)
}

/// What changes when anything in a workspace's inbox does: the number of its conversations,
/// their latest change (a message, an escalation) and their latest end. An open inbox compares
/// versions to know when to look again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct InboxVersion {
    pub conversations: i64,
    pub updated_at: i64,
    pub ended_at: i64,
}

/// The current [`InboxVersion`] of a workspace.
pub async fn inbox_version(db: &Db, workspace_id: &str) -> Result<InboxVersion> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*) AS conversations, CAST(COALESCE(MAX(c.updated_at), 0) AS BIGINT) AS updated_at,
                CAST(COALESCE(MAX(c.ended_at), 0) AS BIGINT) AS ended_at
         FROM conversations c JOIN chatbots b ON b.id = c.chatbot_id
         WHERE b.workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_one(db.pool())
    .await?)
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
    Ok(sqlx::query_as(&format!(
        "SELECT id, seq, role, content, status, citations, created_at FROM messages m
             WHERE conversation_id = $1 AND {NOT_HANDOFF} ORDER BY seq"
    ))
    .bind(conversation_id)
    .fetch_all(db.pool())
    .await?)
}

/// One numbered page of a conversation's messages, oldest first, as [`list_messages`] orders
/// them; the conversation's `message_count` is how many there are in all.
pub async fn list_messages_numbered(
    db: &Db,
    conversation: &Conversation,
    at: PageNumber,
) -> Result<NumberedPage<Message>> {
    let items = sqlx::query_as(&format!(
        "SELECT id, seq, role, content, status, citations, created_at FROM messages m
             WHERE conversation_id = $1 AND {NOT_HANDOFF} ORDER BY seq LIMIT $2 OFFSET $3"
    ))
    .bind(&conversation.id)
    .bind(i64::from(at.per_page()))
    .bind(at.offset())
    .fetch_all(db.pool())
    .await?;
    Ok(NumberedPage { items, at, total: conversation.message_count })
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
        "SELECT m.id, m.seq, m.role, m.content, m.status, m.citations, m.created_at
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
    db.execute(sqlx::query("DELETE FROM conversations WHERE id = $1").bind(&conversation.id)).await?;
    Ok(())
}

/// A conversation of one chatbot (for the widget, which knows only the chatbot); `NotFound`
/// otherwise.
pub async fn get_chatbot_conversation(db: &Db, chatbot_id: &str, id: &str) -> Result<Conversation> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM conversations c WHERE c.id = $1 AND c.chatbot_id = $2"))
        .bind(id)
        .bind(chatbot_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound("conversation"))
}

/// The workspace of a conversation's chatbot, for its events.
async fn workspace_of(tx: &mut crate::db::Tx, chatbot_id: &str) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT workspace_id FROM chatbots WHERE id = $1")
        .bind(chatbot_id)
        .fetch_one(&mut **tx)
        .await?)
}

/// Ends a conversation and emits `conversation.ended` with its message count. Returns whether
/// it was still going (ending an ended conversation changes nothing).
pub async fn end(db: &Db, conversation: &Conversation, reason: EndReason) -> Result<bool> {
    let mut tx = db.begin().await?;
    let ended = end_in(&mut tx, &conversation.id, &conversation.chatbot_id, reason, None).await?;
    tx.commit().await?;
    Ok(ended)
}

async fn end_in(
    tx: &mut crate::db::Tx,
    id: &str,
    chatbot_id: &str,
    reason: EndReason,
    idle_before: Option<i64>,
) -> Result<bool> {
    let now = now_ms();
    // The idle check is repeated here, so that a message that arrived since the sweep looked
    // keeps its conversation open.
    let changed = sqlx::query(
        "UPDATE conversations SET status = 'ended', ended_at = $1, ended_reason = $2
         WHERE id = $3 AND status <> 'ended' AND ($4 = 0 OR updated_at < $4)",
    )
    .bind(now)
    .bind(reason.as_str())
    .bind(id)
    .bind(idle_before.unwrap_or(0))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    tx.wake(Wake::Conversations);
    let count: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM messages m WHERE conversation_id = $1 AND {NOT_HANDOFF}"))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    let workspace = workspace_of(tx, chatbot_id).await?;
    let event = events::ConversationEnded {
        conversation_id: id,
        chatbot_id,
        ended_at: rfc3339(now),
        message_count: count,
        reason: reason.as_str(),
    };
    webhooks::emit(tx, &workspace, &event).await?;
    Ok(true)
}

/// Ends the conversations (of every workspace) that nobody wrote in for `idle_ms`, at most
/// `limit` at a time, and returns how many it ended. Safe to run in every process at once.
pub async fn end_idle(db: &Db, idle_ms: i64, limit: i64) -> Result<usize> {
    let before = now_ms() - idle_ms;
    let idle: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, chatbot_id FROM conversations WHERE status <> 'ended' AND updated_at < $1
         ORDER BY updated_at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut ended = 0;
    for (id, chatbot_id) in idle {
        let mut tx = db.begin().await?;
        if end_in(&mut tx, &id, &chatbot_id, EndReason::Inactivity, Some(before)).await? {
            ended += 1;
        }
        tx.commit().await?;
    }
    Ok(ended)
}

/// Hands a conversation to a human and emits `conversation.escalated`. Returns whether it
/// changed (asking twice escalates once). An ended conversation is reopened, escalated.
pub async fn escalate(db: &Db, conversation: &Conversation, reason: &str) -> Result<bool> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE conversations SET status = 'escalated', escalated_at = $1, ended_at = NULL, ended_reason = NULL,
             updated_at = $1
         WHERE id = $2 AND status <> 'escalated'",
    )
    .bind(now)
    .bind(&conversation.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 1 {
        tx.wake(Wake::Conversations);
        let workspace = workspace_of(&mut tx, &conversation.chatbot_id).await?;
        let event = events::ConversationEscalated {
            conversation_id: &conversation.id,
            chatbot_id: &conversation.chatbot_id,
            visitor_id: conversation.visitor_id.as_deref(),
            reason,
            escalated_at: rfc3339(now),
        };
        webhooks::emit(&mut tx, &workspace, &event).await?;
    }
    tx.commit().await?;
    Ok(changed == 1)
}

/// The longest agent reply, in characters.
pub const MAX_REPLY_CHARS: usize = 4000;

/// Stores a human agent's reply in a conversation and emits `admin.replied`. The visitor's
/// open widget receives it through [`admin_messages_after`].
pub async fn admin_reply(db: &Db, conversation: &Conversation, text: &str) -> Result<Message> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Validation("message must not be empty".into()));
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return Err(Error::Validation(format!("message must be at most {MAX_REPLY_CHARS} characters")));
    }
    let now = now_ms();
    let id = new_id("msg");
    let mut tx = db.begin().await?;
    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = $1")
        .bind(&conversation.id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at, heartbeat_at)
         VALUES ($1, $2, $3, 'admin', $4, 'complete', $5, $5)",
    )
    .bind(&id)
    .bind(&conversation.id)
    .bind(seq)
    .bind(text)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&conversation.id)
        .execute(&mut *tx)
        .await?;
    tx.wake(Wake::Conversations);
    let workspace = workspace_of(&mut tx, &conversation.chatbot_id).await?;
    let event = events::AdminReplied {
        conversation_id: &conversation.id,
        chatbot_id: &conversation.chatbot_id,
        message_id: &id,
        message: text,
        sender: events::Sender::Admin,
        created_at: rfc3339(now),
    };
    webhooks::emit(&mut tx, &workspace, &event).await?;
    tx.commit().await?;
    Ok(Message {
        id,
        seq,
        role: Role::Admin,
        content: text.to_owned(),
        status: MessageStatus::Complete,
        citations: "[]".into(),
        created_at: now,
    })
}

/// The agents' messages of a conversation after position `after_seq`, oldest first: what a
/// visitor's widget has not shown yet.
pub async fn admin_messages_after(db: &Db, conversation_id: &str, after_seq: i64) -> Result<Vec<Message>> {
    Ok(sqlx::query_as(
        "SELECT id, seq, role, content, status, citations, created_at FROM messages
         WHERE conversation_id = $1 AND role = 'admin' AND seq > $2 ORDER BY seq LIMIT 100",
    )
    .bind(conversation_id)
    .bind(after_seq)
    .fetch_all(db.pool())
    .await?)
}

/// The most tags a conversation keeps, and the longest tag.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

/// Adds tags to a conversation, or replaces them all; returns the tags now.
pub async fn set_tags(db: &Db, conversation: &Conversation, tags: &[String], replace: bool) -> Result<Vec<String>> {
    let mut list = if replace { Vec::new() } else { conversation.tag_list() };
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
            return Err(Error::Validation(format!("a tag must have 1 to {MAX_TAG_CHARS} characters")));
        }
        if !list.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            list.push(tag.to_owned());
        }
    }
    if list.len() > MAX_TAGS {
        return Err(Error::Validation(format!("a conversation can have at most {MAX_TAGS} tags")));
    }
    let text = serde_json::to_string(&list).map_err(|err| Error::Internal(err.into()))?;
    db.execute(sqlx::query("UPDATE conversations SET tags = $1 WHERE id = $2").bind(text).bind(&conversation.id))
        .await?;
    Ok(list)
}

/// Ends idle conversations until `stop` turns true, looking every quarter of `idle` (at most a
/// minute apart).
pub async fn sweep_idle(db: Db, idle: Duration, mut stop: watch::Receiver<bool>) {
    let every = (idle / 4).clamp(Duration::from_millis(200), Duration::from_secs(60));
    let idle_ms = i64::try_from(idle.as_millis()).unwrap_or(i64::MAX / 2);
    loop {
        match end_idle(&db, idle_ms, 500).await {
            Ok(0) => {}
            Ok(count) => {
                tracing::info!(count, "ended idle conversations");
                // A full batch means more may be waiting: look again at once.
                if count == 500 {
                    continue;
                }
            }
            Err(err) => tracing::warn!(error = ?err, "could not end idle conversations"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

/// A conversation as plain text, one line per message: `[time] Who: text`.
pub fn transcript(conversation: &Conversation, messages: &[Message]) -> String {
    let mut out = format!("Conversation {} ({})\n\n", conversation.id, rfc3339(conversation.created_at));
    for message in messages {
        let who = match message.role {
            Role::User => "Visitor",
            Role::Assistant => "Bot",
            Role::Admin => "Agent",
        };
        out.push_str(&format!("[{}] {who}: {}\n", rfc3339(message.created_at), message.content));
    }
    out
}

/// The CSV columns of exported messages.
pub const CSV_HEADER: [&str; 6] = ["conversation_id", "message_id", "created_at", "role", "status", "content"];

/// Writes messages as CSV rows (after [`CSV_HEADER`]), with cells that a spreadsheet would run
/// as a formula made inert.
pub fn write_csv_rows<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    conversation: &Conversation,
    messages: &[Message],
) -> Result<()> {
    for message in messages {
        let created = rfc3339(message.created_at);
        let content = crate::spreadsheet::inert(&message.content);
        writer
            .write_record([
                conversation.id.as_str(),
                message.id.as_str(),
                created.as_str(),
                message.role.as_str(),
                message.status.as_str(),
                content.as_ref(),
            ])
            .map_err(|err| Error::Internal(err.into()))?;
    }
    Ok(())
}

/// The most conversations one bulk export holds.
pub const MAX_EXPORT: i64 = 10_000;

/// A chatbot's conversations (newest first, at most [`MAX_EXPORT`]) with their messages.
pub async fn export_all(db: &Db, chatbot_id: &str) -> Result<Vec<(Conversation, Vec<Message>)>> {
    let list: Vec<Conversation> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM conversations c WHERE c.chatbot_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2"
    ))
    .bind(chatbot_id)
    .bind(MAX_EXPORT + 1)
    .fetch_all(db.pool())
    .await?;
    if i64::try_from(list.len()).unwrap_or(i64::MAX) > MAX_EXPORT {
        return Err(Error::Validation(format!(
            "this chatbot has more than {MAX_EXPORT} conversations; export them one page at a time with the list endpoint"
        )));
    }
    let mut out = Vec::with_capacity(list.len());
    for conversation in list {
        let messages = list_messages(db, &conversation.id).await?;
        out.push((conversation, messages));
    }
    Ok(out)
}
