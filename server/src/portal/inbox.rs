//! The portal's "Inbox": the conversations of the workspace's chatbots, an agent's replies,
//! tags and ending, with the same domain calls as `/api/v2/conversations`.

use parlor_app::api::inbox::{InboxBackend, InboxItem, InboxThread};
use parlor_app::api::{PortalError, RequestInfo};
use parlor_app::wire::{Conversation, StoredMessage};

use super::account::signed_in;
use super::portal_error;
use crate::api::conversations::{conversation_json, message_json};
use crate::chatbots;
use crate::conversations::{self, EndReason};
use crate::ids::rfc3339;
use crate::state::AppState;

/// How many conversations the inbox lists.
const LIMIT: u32 = 200;

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
    async fn list(&self, req: &RequestInfo) -> Result<Vec<InboxItem>, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let entries = conversations::inbox(&self.state.db, &viewer.workspace_id, LIMIT).await.map_err(portal_error)?;
        Ok(entries
            .into_iter()
            .map(|entry| InboxItem {
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
                .filter(|m| !(m.role == "assistant" && m.status == "complete" && m.content.is_empty()))
                .map(message_json)
                .collect(),
        })
    }

    async fn reply(&self, req: &RequestInfo, id: String, message: String) -> Result<StoredMessage, PortalError> {
        let conversation = self.conversation(req, &id).await?;
        let stored = conversations::admin_reply(&self.state.db, &conversation, &message).await.map_err(portal_error)?;
        self.state.webhooks.signal().notify();
        self.state.updates.notify();
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
        if conversations::end(&self.state.db, &conversation, EndReason::Agent).await.map_err(portal_error)? {
            self.state.webhooks.signal().notify();
            self.state.updates.notify();
        }
        let conversation =
            conversations::get_conversation(&self.state.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        Ok(conversation_json(&conversation))
    }
}
