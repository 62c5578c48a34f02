//! `/api/v2/keys`: create, list, roll and revoke API keys.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use parlor_protocol::wire;

use super::extract::{AppJson, AppPath, Authenticated, optional_json};
use crate::error::Error;
use crate::keys::{self, NewKey, Scope};
use crate::state::AppState;
use crate::web::present::key_json;

/// Create an API key
///
/// Creates a key and shows its `secret` in this response only: store it at once. A `secret` key
/// (`sk_...`) is for servers; a `publishable` key (`pk_...`) may be used in browsers and should
/// be limited to `allowed_origins`. A key can never hold a scope that the key creating it lacks.
/// Needs the `keys:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/keys",
    tag = "API keys",
    request_body(
        content = wire::CreateApiKey,
        example = json!({
            "name": "Production backend",
            "kind": "secret",
            "scopes": ["chatbots:read", "chat:write", "conversations:read"],
            "allowed_origins": [],
            "expires_at": "2031-01-01T00:00:00Z"
        })
    ),
    responses((status = 201, description = "The new key, with its secret shown this once.", body = wire::ApiKey)),
)]
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

/// List API keys
///
/// The workspace's working keys (revoked and expired ones are left out), with their prefixes and
/// last four characters but never their secrets. Needs the `keys:write` scope.
#[utoipa::path(
    get,
    path = "/api/v2/keys",
    tag = "API keys",
    responses((status = 200, description = "The workspace's keys, all on one page.", body = wire::Page<wire::ApiKey>)),
)]
pub async fn list_api_keys(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<wire::Page<wire::ApiKey>>, Error> {
    caller.require(Scope::KeysWrite)?;
    let records = keys::list_keys(&state.db, &caller.workspace_id).await?;
    Ok(Json(wire::Page::all(records.iter().map(|r| key_json(r, None)).collect())))
}

/// Roll an API key
///
/// Makes a new key with the same name, scopes and origins, shown this once; the old key keeps
/// working for `expires_in_seconds` (a day by default, 0 ends it now), so that servers can
/// switch without downtime. The body is optional. Needs the `keys:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/keys/{id}/roll",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's id (not its secret).", example = "key_3Rt5Yu7Io9Pa1Sd3Fg5H")),
    request_body(content = Option<wire::RollApiKey>, example = json!({"expires_in_seconds": 3600})),
    responses((status = 201, description = "The new key, with its secret shown this once.", body = wire::ApiKey)),
)]
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

/// Revoke an API key
///
/// The key stops working at once. Needs the `keys:write` scope.
#[utoipa::path(
    delete,
    path = "/api/v2/keys/{id}",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's id (not its secret).", example = "key_3Rt5Yu7Io9Pa1Sd3Fg5H")),
    responses((status = 204, description = "The key is revoked.")),
)]
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
