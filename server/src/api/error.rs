//! How an [`Error`] becomes an HTTP response: one JSON body for every error, with the request
//! id, and the cause of unexpected errors logged instead of shown.

use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parlor_app::wire::{ErrorBody, ErrorDetail};

use crate::error::Error;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The header that carries the request id both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being handled, or `unknown` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "unknown".to_owned())
}

fn acceptable_request_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Gives every request an id (the caller's `X-Request-Id` when it is short and plain, a new one
/// otherwise), makes it available to error responses and logs, and echoes it in the response.
pub async fn assign_request_id(mut request: Request<axum::body::Body>, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("req_{}", crate::ids::random_base62(20)));
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID_HEADER, value.clone());
        let mut response = REQUEST_ID.scope(id, next.run(request)).await;
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
        response
    } else {
        next.run(request).await
    }
}

impl Error {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            Error::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "FORBIDDEN"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "CONFLICT"),
            Error::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
            Error::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE"),
            Error::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
            Error::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
            Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
            Error::Database(_) | Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = current_request_id();
        if status.is_server_error() {
            tracing::error!(request_id = %request_id, error = ?self, "request failed");
        }
        let message = match &self {
            Error::Database(_) | Error::Internal(_) => {
                "something went wrong on our side; the request id identifies it in the server's logs".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody { error: ErrorDetail { code: code.to_owned(), message, request_id } };
        let mut response = (status, axum::Json(body)).into_response();
        if let Error::RateLimited { retry_after_secs, .. } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// The response for a handler that panicked: the same JSON body as every other error.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    Error::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
}

/// The answer for `/api/...` paths that name no endpoint.
pub async fn api_not_found() -> Error {
    Error::NotFound("API endpoint")
}

/// Gives axum's bare 405 (a known path, an unsupported method) the JSON error body, keeping
/// its `Allow` header. Applied outside the CORS layers so that preflight requests are answered
/// by CORS first.
pub async fn json_method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || response.headers().contains_key(header::CONTENT_TYPE) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut json = Error::MethodNotAllowed("this HTTP method is not supported at this path".into()).into_response();
    if let Some(allow) = allow {
        json.headers_mut().insert(header::ALLOW, allow);
    }
    json
}
