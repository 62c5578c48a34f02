//! The portal's "Chatbots" area: the same domain calls and validation as `/api/v2/chatbots`,
//! for the signed-in person's workspace.

use parlor_app::api::chatbots::ChatbotsBackend;
use parlor_app::api::{PortalError, RequestInfo};
use parlor_protocol::wire::{Chatbot, CreateChatbot, UpdateChatbot};

use super::account::signed_in;
use super::portal_error;
use crate::chatbots::{self, NewChatbot};
use crate::state::AppState;
use crate::web::actions::apply_update;
use crate::web::present::chatbot_json;

/// How many chatbots the list reads at a time.
const PAGE: u32 = 100;

pub struct Chatbots {
    state: AppState,
}

impl Chatbots {
    pub fn new(state: &AppState) -> Chatbots {
        Chatbots { state: state.clone() }
    }
}

#[async_trait::async_trait]
impl ChatbotsBackend for Chatbots {
    async fn list(&self, req: &RequestInfo) -> Result<Vec<Chatbot>, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = chatbots::list_chatbots(&self.state.db, &viewer.workspace_id, PAGE, cursor.as_deref())
                .await
                .map_err(portal_error)?;
            all.extend(page.items.iter().map(chatbot_json));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    async fn create(&self, req: &RequestInfo, chatbot: CreateChatbot) -> Result<Chatbot, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let new = NewChatbot::parse(&chatbot.name, chatbot.website.as_deref(), chatbot.welcome_message.as_deref())
            .map_err(portal_error)?;
        let created =
            chatbots::create_chatbot(&self.state.db, &viewer.workspace_id, new).await.map_err(portal_error)?;
        tracing::info!(chatbot_id = %created.id, account_id = %viewer.account_id, "chatbot created in the portal");
        Ok(chatbot_json(&created))
    }

    async fn get(&self, req: &RequestInfo, id: String) -> Result<Chatbot, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let chatbot = chatbots::get_chatbot(&self.state.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        Ok(chatbot_json(&chatbot))
    }

    async fn update(&self, req: &RequestInfo, id: String, changes: UpdateChatbot) -> Result<Chatbot, PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        let chatbot = apply_update(&self.state, &viewer.workspace_id, &id, changes).await.map_err(portal_error)?;
        tracing::info!(chatbot_id = %chatbot.id, account_id = %viewer.account_id, "chatbot settings changed in the portal");
        Ok(chatbot_json(&chatbot))
    }

    async fn delete(&self, req: &RequestInfo, id: String) -> Result<(), PortalError> {
        let (viewer, _) = signed_in(&self.state.db, req).await?;
        chatbots::delete_chatbot(&self.state.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        tracing::info!(chatbot_id = %id, account_id = %viewer.account_id, "chatbot deleted in the portal");
        Ok(())
    }
}
