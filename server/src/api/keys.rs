//! `/api/v2/keys`: create, list, roll and revoke API keys.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_app::wire;

use super::extract::{AppJson, AppPath, Authenticated, optional_json};
use crate::error::Error;
use crate::ids::rfc3339;
use crate::keys::{self, KeyRecord, NewKey, Scope};
use crate::state::AppState;

/// The API shape of a key; `secret` only in the response that created it.
pub fn key_json(record: &KeyRecord, secret: Option<String>) -> wire::ApiKey {
    wire::ApiKey {
        id: record.id.clone(),
        object: "api_key".into(),
        name: record.name.clone(),
        kind: record.kind.clone(),
        prefix: record.prefix.clone(),
        last_four: record.last_four.clone(),
        scopes: record.scope_list().iter().map(|s| s.as_str().to_owned()).collect(),
        allowed_origins: record.origin_list(),
        created_at: rfc3339(record.created_at),
        last_used_at: record.last_used_at.map(rfc3339),
        expires_at: record.expires_at.map(rfc3339),
        secret,
    }
}

/// `POST /api/v2/keys`: creates a key and shows its secret, once.
pub async fn create_api_key(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppJson(body): AppJson<wire::CreateApiKey>,
) -> Result<(StatusCode, Json<wire::ApiKey>), Error> {
    caller.require(Scope::KeysWrite)?;
    let new = NewKey::from_request(
        &body.name,
        body.kind.as_deref(),
        &body.scopes,
        &body.allowed_origins,
        body.expires_at.as_deref(),
    )?;
    // A key can never grant more than the key that creates it.
    if let Some(missing) = new.scopes.iter().find(|scope| !caller.scopes.contains(scope)) {
        return Err(Error::forbidden(
            "MISSING_SCOPE",
            format!("this API key lacks the {} scope, so it cannot grant it", missing.as_str()),
        ));
    }
    let (record, plain) = keys::create_key(&state.db, &caller.workspace_id, &new).await?;
    tracing::info!(key_id = %record.id, workspace_id = %caller.workspace_id, kind = new.kind.as_str(), "API key created");
    Ok((StatusCode::CREATED, Json(key_json(&record, Some(plain.expose().to_owned())))))
}

/// `GET /api/v2/keys`: the workspace's working keys (never their secrets).
pub async fn list_api_keys(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<wire::Page<wire::ApiKey>>, Error> {
    caller.require(Scope::KeysWrite)?;
    let records = keys::list_keys(&state.db, &caller.workspace_id).await?;
    Ok(Json(wire::Page {
        object: "list".into(),
        data: records.iter().map(|r| key_json(r, None)).collect(),
        has_more: false,
        next_cursor: None,
    }))
}

/// `POST /api/v2/keys/{id}/roll`: a new key now, the old one until the overlap ends.
pub async fn roll_api_key(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<wire::ApiKey>), Error> {
    caller.require(Scope::KeysWrite)?;
    // The body is optional: an empty one means the default overlap.
    let options: wire::RollApiKey = optional_json(&body)?;
    let overlap_ms = keys::rotation_overlap_ms(options.expires_in_seconds)?;
    let (record, plain) = keys::roll_key(&state.db, &caller.workspace_id, &id, overlap_ms).await?;
    tracing::info!(old_key_id = %id, key_id = %record.id, overlap_ms, "API key rolled");
    Ok((StatusCode::CREATED, Json(key_json(&record, Some(plain.expose().to_owned())))))
}

/// `DELETE /api/v2/keys/{id}`: revokes a key at once.
pub async fn revoke_api_key(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, Error> {
    caller.require(Scope::KeysWrite)?;
    keys::revoke_key(&state.db, &caller.workspace_id, &id).await?;
    tracing::info!(key_id = %id, "API key revoked");
    Ok(StatusCode::NO_CONTENT)
}
