//! The portal's "Inbox": the conversations of the workspace's chatbots, a page at a time and
//! filtered, an agent's replies, tags and ending, with the same domain calls as
//! `/api/v2/conversations`; and `GET /portal/inbox/events`, the stream that tells an open inbox
//! when to look again.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use parlor_app::api::inbox::{CHANGED_EVENT, InboxBackend, InboxFilter, InboxItem, InboxThread};
use parlor_app::api::{PortalError, RequestInfo};
use parlor_protocol::wire::{Conversation, StoredMessage};

use super::account::signed_in;
use super::portal_error;
use crate::accounts;
use crate::chatbots;
use crate::conversations::{self, EndReason, InboxCursor, InboxVersion, MessageStatus, Role, Status};
use crate::db::{Db, Wake};
use crate::ids::rfc3339;
use crate::state::AppState;
use crate::web::present::{conversation_json, message_json};
use crate::web::sse::sse;

/// How often an open inbox's stream looks for changes made by other processes (this process's
/// replies, escalations and ends wake it at once).
const LIVE_POLL: Duration = Duration::from_secs(2);

pub struct Inbox {
    state: AppState,
}

impl Inbox {
    pub fn new(state: &AppState) -> Inbox {
        Inbox { state: state.clone() }
    }

    async fn conversation(&self, req: &RequestInfo, id: &str) -> Result<conversations::Conversation, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        conversations::get_conversation(&self.state.db, &viewer.workspace_id, id).await.map_err(portal_error)
    }
}

#[async_trait::async_trait]
impl InboxBackend for Inbox {
    async fn list(
        &self,
        req: &RequestInfo,
        filter: InboxFilter,
        after: Option<String>,
        limit: usize,
    ) -> Result<Vec<InboxItem>, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let status = match filter.status.as_str() {
            "" | "all" => None,
            other => Some(Status::parse(other).ok_or_else(|| {
                PortalError::Invalid(format!("status must be escalated, open, ended or all, not {other:?}"))
            })?),
        };
        let domain_filter = conversations::InboxFilter {
            status,
            chatbot_id: Some(filter.chatbot.as_str()).filter(|id| !id.is_empty()),
            search: Some(filter.q.as_str()).filter(|q| !q.trim().is_empty()),
        };
        let after = after.as_deref().map(InboxCursor::parse).transpose().map_err(portal_error)?;
        // `list_inbox` has kept `limit` within 1 to `PAGE_SIZE`.
        let limit = u32::try_from(limit).unwrap_or(1);
        let entries = conversations::inbox(&self.state.db, &viewer.workspace_id, domain_filter, after.as_ref(), limit)
            .await
            .map_err(portal_error)?;
        Ok(entries
            .into_iter()
            .map(|entry| InboxItem {
                cursor: InboxCursor::of(&entry.conversation).to_string(),
                conversation: conversation_json(&entry.conversation),
                chatbot_name: entry.chatbot_name,
                last_message_at: entry.last_message_at.map(rfc3339),
            })
            .collect())
    }

    async fn get(&self, req: &RequestInfo, id: String) -> Result<InboxThread, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let conversation =
            conversations::get_conversation(&self.state.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        let chatbot = chatbots::get_chatbot(&self.state.db, &viewer.workspace_id, &conversation.chatbot_id)
            .await
            .map_err(portal_error)?;
        let messages = conversations::list_messages(&self.state.db, &conversation.id).await.map_err(portal_error)?;
        Ok(InboxThread {
            conversation: conversation_json(&conversation),
            chatbot_name: chatbot.name,
            // The chatbot's empty answers while a person had the conversation say nothing.
            messages: messages
                .into_iter()
                .filter(|m| !(m.role == Role::Assistant && m.status == MessageStatus::Complete && m.content.is_empty()))
                .map(message_json)
                .collect(),
        })
    }

    async fn reply(&self, req: &RequestInfo, id: String, message: String) -> Result<StoredMessage, PortalError> {
        let conversation = self.conversation(req, &id).await?;
        let stored = conversations::admin_reply(&self.state.db, &conversation, &message).await.map_err(portal_error)?;
        tracing::info!(conversation_id = %conversation.id, message_id = %stored.id, "agent replied in the portal");
        Ok(message_json(stored))
    }

    async fn set_tags(&self, req: &RequestInfo, id: String, tags: Vec<String>) -> Result<Vec<String>, PortalError> {
        let conversation = self.conversation(req, &id).await?;
        conversations::set_tags(&self.state.db, &conversation, &tags, true).await.map_err(portal_error)
    }

    async fn end(&self, req: &RequestInfo, id: String) -> Result<Conversation, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let conversation =
            conversations::get_conversation(&self.state.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        conversations::end(&self.state.db, &conversation, EndReason::Agent).await.map_err(portal_error)?;
        let conversation =
            conversations::get_conversation(&self.state.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        Ok(conversation_json(&conversation))
    }
}

/// `GET /portal/inbox/events`: the signed-in workspace's inbox changes as server-sent events, a
/// `CHANGED_EVENT` with an opaque version each time a conversation of its chatbots starts, gets
/// a message, is escalated or ends. Changes made in this process arrive at once, those of other
/// processes within two seconds. Without a valid session cookie: 401. The stream ends when the
/// session does.
pub async fn follow_inbox(State(state): State<AppState>, request: Request) -> Response {
    let info = super::request_info_of(request.headers(), request.extensions());
    let Ok((viewer, token)) = signed_in(&state.db, &info).await else {
        return (StatusCode::UNAUTHORIZED, "sign in to follow the inbox").into_response();
    };
    let version = match conversations::inbox_version(&state.db, &viewer.workspace_id).await {
        Ok(version) => version,
        Err(err) => return err.into_response(),
    };
    let live = LiveInbox { db: state.db.clone(), token, version };
    sse(futures::stream::unfold(live, LiveInbox::next))
}

/// The state of one open inbox's stream.
struct LiveInbox {
    db: Db,
    token: accounts::Token,
    /// The version last sent (or, at first, the one when the stream opened).
    version: InboxVersion,
}

impl LiveInbox {
    async fn next(mut self) -> Option<(Event, LiveInbox)> {
        loop {
            // Listen before looking, so that a change stored in between still wakes this stream.
            let db = self.db.clone();
            let woken = db.woken(Wake::Conversations);
            tokio::pin!(woken);
            woken.as_mut().enable();
            // The session is checked each time, so that signing out (or its expiry) ends the stream.
            let viewer = accounts::viewer_for(&self.db, &self.token).await.ok().flatten()?;
            match conversations::inbox_version(&self.db, &viewer.workspace_id).await {
                Ok(version) if version != self.version => {
                    self.version = version;
                    let data = format!("{}.{}.{}", version.conversations, version.updated_at, version.ended_at);
                    return Some((Event::default().event(CHANGED_EVENT).data(data), self));
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = ?err, "could not read the inbox's version"),
            }
            tokio::select! {
                () = &mut woken => {}
                () = tokio::time::sleep(LIVE_POLL) => {}
            }
        }
    }
}
