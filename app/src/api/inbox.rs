//! The "Inbox" page's server functions: the conversations of the workspace's chatbots (escalated
//! ones first), a page at a time and filtered, one conversation with its transcript, an agent's
//! reply (shown live in the visitor's widget), tags, and ending a conversation. The open page
//! learns of changes from the server-sent events at [`EVENTS_PATH`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;
use parlor_protocol::wire::{Conversation, StoredMessage};

/// How many conversations a page of the inbox holds.
pub const PAGE_SIZE: usize = 25;

/// The portal's stream of the workspace's inbox changes (authenticated by the session cookie):
/// an [`CHANGED_EVENT`] event each time a conversation starts, gets a message, is escalated or
/// ends, in any of the workspace's chatbots.
pub const EVENTS_PATH: &str = "/portal/inbox/events";

/// The name of the event that says the inbox changed; its data is an opaque version.
pub const CHANGED_EVENT: &str = "inbox";

/// A conversation as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub conversation: Conversation,
    pub chatbot_name: String,
    /// RFC 3339; `None` for a conversation without messages.
    pub last_message_at: Option<String>,
    /// Where the next page starts when this is the last item of a page.
    pub cursor: String,
}

/// What the inbox shows: `status` is `escalated`, `open`, `ended` or `all` (also when empty),
/// `chatbot` a chatbot's id (empty for all), `q` words in the visitors' messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxFilter {
    pub status: String,
    pub chatbot: String,
    pub q: String,
}

/// A conversation with its chatbot's name and its transcript, oldest message first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxThread {
    pub conversation: Conversation,
    pub chatbot_name: String,
    pub messages: Vec<StoredMessage>,
}

/// The server's implementation of this area.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait InboxBackend: Send + Sync + 'static {
    /// A page of at most `limit` (1 to [`PAGE_SIZE`]) conversations that pass `filter`, after the
    /// item whose cursor is `after` (from the start when `None`).
    async fn list(
        &self,
        req: &RequestInfo,
        filter: InboxFilter,
        after: Option<String>,
        limit: usize,
    ) -> Result<Vec<InboxItem>, PortalError>;
    async fn get(&self, req: &RequestInfo, id: String) -> Result<InboxThread, PortalError>;
    async fn reply(&self, req: &RequestInfo, id: String, message: String) -> Result<StoredMessage, PortalError>;
    async fn set_tags(&self, req: &RequestInfo, id: String, tags: Vec<String>) -> Result<Vec<String>, PortalError>;
    async fn end(&self, req: &RequestInfo, id: String) -> Result<Conversation, PortalError>;
}

#[cfg(feature = "ssr")]
fn inbox() -> Result<(std::sync::Arc<dyn InboxBackend>, RequestInfo), PortalError> {
    super::backend::<dyn InboxBackend>()
}

/// A page of the inbox: at most `limit` conversations ([`PAGE_SIZE`] when left out, never more),
/// escalated ones first; a full page means there may be more after its last item's cursor. Every
/// parameter may be left out.
#[server(prefix = "/portal/fn", endpoint = "list_inbox")]
pub async fn list_inbox(
    #[server(default)] status: String,
    #[server(default)] chatbot: String,
    #[server(default)] q: String,
    #[server(default)] after: Option<String>,
    #[server(default)] limit: Option<usize>,
) -> Result<Vec<InboxItem>, PortalError> {
    super::respond(
        async move {
            let (service, req) = inbox()?;
            let limit = limit.unwrap_or(PAGE_SIZE).clamp(1, PAGE_SIZE);
            service.list(&req, InboxFilter { status, chatbot, q }, after.filter(|a| !a.is_empty()), limit).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "get_inbox_conversation")]
pub async fn get_inbox_conversation(id: String) -> Result<InboxThread, PortalError> {
    super::respond(
        async move {
            let (service, req) = inbox()?;
            service.get(&req, id).await
        }
        .await,
    )
}

/// An agent's reply, stored as an `admin` message and pushed to the visitor's open widget.
#[server(prefix = "/portal/fn", endpoint = "reply_to_conversation")]
pub async fn reply_to_conversation(id: String, message: String) -> Result<StoredMessage, PortalError> {
    super::respond(
        async move {
            let (service, req) = inbox()?;
            service.reply(&req, id, message).await
        }
        .await,
    )
}

/// Replaces a conversation's tags with those in `tags`, separated by commas.
#[server(prefix = "/portal/fn", endpoint = "set_conversation_tags")]
pub async fn set_conversation_tags(id: String, tags: String) -> Result<Vec<String>, PortalError> {
    super::respond(
        async move {
            let (service, req) = inbox()?;
            let list = tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
            service.set_tags(&req, id, list).await
        }
        .await,
    )
}

/// Ends a conversation as an agent; the chatbot answers the visitor's next message again.
#[server(prefix = "/portal/fn", endpoint = "end_conversation")]
pub async fn end_conversation(id: String) -> Result<Conversation, PortalError> {
    super::respond(
        async move {
            let (service, req) = inbox()?;
            service.end(&req, id).await
        }
        .await,
    )
}
