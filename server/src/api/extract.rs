//! Extractors whose rejections use Parlor's JSON error body, and the API key extractor.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::{AUTHORIZATION, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::keys::{self, Principal};
use crate::state::AppState;

/// `axum::Json` whose rejections are Parlor errors: 400 for malformed JSON, 415 for a missing
/// or wrong content type, 413 for an oversized body, 422 for unknown, missing or mistyped fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> Error {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge("the request body is too large".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            Error::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".into())
        }
        StatusCode::UNPROCESSABLE_ENTITY => Error::Validation(rejection.body_text()),
        _ => match rejection {
            JsonRejection::JsonSyntaxError(_) => {
                Error::BadRequest(format!("malformed JSON: {}", rejection.body_text()))
            }
            _ => Error::BadRequest(rejection.body_text()),
        },
    }
}

/// `axum::extract::Path` with Parlor's error body.
#[derive(Debug, Clone)]
pub struct AppPath<T>(pub T);

impl<S, T> FromRequestParts<S> for AppPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| AppPath(value))
            .map_err(|rejection: PathRejection| Error::BadRequest(rejection.body_text()))
    }
}

/// `axum::extract::Query` with Parlor's error body.
#[derive(Debug, Clone)]
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| AppQuery(value))
            .map_err(|rejection: QueryRejection| Error::BadRequest(rejection.body_text()))
    }
}

/// The caller, authenticated by `Authorization: Bearer <key>`, with the key's allowed origins
/// checked against the request's `Origin`.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The rate-limit middleware has usually authenticated the request already.
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Authenticated(principal.clone()));
        }
        Ok(Authenticated(authenticate(state, &parts.headers, &parts.uri).await?))
    }
}

/// Authenticates a request by its `Authorization: Bearer` key and checks its `Origin`.
///
/// The seed's `/api/v1/...` endpoints also take the key as an `api_key` query parameter, as that
/// API documents; everywhere else only the header counts, since URLs end up in logs and histories.
pub async fn authenticate(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<Principal, Error> {
    let from_query = if uri.path().starts_with("/api/v1/") { query_api_key(uri) } else { None };
    let key = match (headers.get(AUTHORIZATION), from_query) {
        (Some(header), _) => {
            let value = header
                .to_str()
                .map_err(|_| Error::unauthorized("MALFORMED_API_KEY", "the Authorization header is not valid text"))?;
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .ok_or_else(|| {
                    Error::unauthorized("MALFORMED_API_KEY", "the Authorization header must be: Bearer <key>")
                })?
                .to_owned()
        }
        (None, Some(key)) => key,
        (None, None) => {
            return Err(Error::unauthorized(
                "MISSING_API_KEY",
                "missing API key: send the header Authorization: Bearer <key>",
            ));
        }
    };
    let principal = keys::authenticate(&state.db, &key).await?;
    principal.check_origin(headers.get(ORIGIN).and_then(|v| v.to_str().ok()))?;
    Ok(principal)
}

/// The `api_key` query parameter, if the URL has one.
fn query_api_key(uri: &Uri) -> Option<String> {
    let query = uri.query()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs.into_iter().find(|(name, _)| name == "api_key").map(|(_, value)| value)
}

/// Reads an optional JSON body: empty (or blank) means `T::default()`; otherwise it must parse,
/// with the same errors as [`AppJson`].
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|err| match err.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            Error::BadRequest(format!("malformed JSON: {err}"))
        }
        _ => Error::Validation(err.to_string()),
    })
}
