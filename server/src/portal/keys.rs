//! The portal's "API Keys" area: the same domain calls as `/api/v2/keys`, for the signed-in
//! person's workspace.

use parlor_app::api::keys::KeysBackend;
use parlor_app::api::{PortalError, RequestInfo};
use parlor_protocol::wire::{ApiKey, CreateApiKey, RollApiKey};

use super::account::signed_in;
use super::portal_error;
use crate::db::Db;
use crate::keys::{self, NewKey};
use crate::state::AppState;
use crate::web::present::key_json;

pub struct Keys {
    db: Db,
}

impl Keys {
    pub fn new(state: &AppState) -> Keys {
        Keys { db: state.db.clone() }
    }
}

#[async_trait::async_trait]
impl KeysBackend for Keys {
    async fn list(&self, req: &RequestInfo) -> Result<Vec<ApiKey>, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let records = keys::list_keys(&self.db, &viewer.workspace_id).await.map_err(portal_error)?;
        Ok(records.iter().map(|r| key_json(r, None)).collect())
    }

    async fn create(&self, req: &RequestInfo, key: CreateApiKey) -> Result<ApiKey, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let new = NewKey::from_request(
            &key.name,
            key.kind.as_deref(),
            &key.scopes,
            &key.allowed_origins,
            key.expires_at.as_deref(),
        )
        .map_err(portal_error)?;
        let (record, plain) = keys::create_key(&self.db, &viewer.workspace_id, &new).await.map_err(portal_error)?;
        tracing::info!(key_id = %record.id, account_id = %viewer.account_id, "API key created in the portal");
        Ok(key_json(&record, Some(plain.expose().to_owned())))
    }

    async fn roll(&self, req: &RequestInfo, id: String, options: RollApiKey) -> Result<ApiKey, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let overlap_ms = keys::rotation_overlap_ms(options.expires_in_seconds).map_err(portal_error)?;
        let (record, plain) =
            keys::roll_key(&self.db, &viewer.workspace_id, &id, overlap_ms).await.map_err(portal_error)?;
        tracing::info!(old_key_id = %id, key_id = %record.id, account_id = %viewer.account_id, "API key rolled in the portal");
        Ok(key_json(&record, Some(plain.expose().to_owned())))
    }

    async fn revoke(&self, req: &RequestInfo, id: String) -> Result<(), PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        keys::revoke_key(&self.db, &viewer.workspace_id, &id).await.map_err(portal_error)?;
        tracing::info!(key_id = %id, account_id = %viewer.account_id, "API key revoked in the portal");
        Ok(())
    }
}
