//! How an [`Error`] becomes an HTTP response: one JSON body for every error, with the request
//! id, and the cause of unexpected errors logged instead of shown.

use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parlor_protocol::wire::{ErrorBody, ErrorDetail};

use crate::error::{Error, ORIGIN_NOT_ALLOWED};

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
    !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
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
            Error::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, code),
            Error::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
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
        if code == ORIGIN_NOT_ALLOWED {
            response.extensions_mut().insert(OriginRefused);
        }
        if let Error::RateLimited { retry_after_secs, .. } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// Marks a response that refuses the request's origin.
#[derive(Debug, Clone, Copy)]
struct OriginRefused;

/// Removes the CORS grant from responses that refuse the request's origin, so that the browser
/// refuses too: the CORS answer matches the API's.
pub async fn withhold_cors_from_refused_origins(mut response: Response) -> Response {
    if response.extensions().get::<OriginRefused>().is_some() {
        let headers = response.headers_mut();
        headers.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
        headers.remove(header::ACCESS_CONTROL_EXPOSE_HEADERS);
    }
    response
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> (StatusCode, ErrorBody) {
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn a_panic_becomes_the_json_error_body_without_details() {
        let (status, body) = body_of(panic_response(Box::new("secret detail"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body.error.code, "INTERNAL");
        assert!(!body.error.message.contains("secret"));
    }

    #[tokio::test]
    async fn database_errors_are_opaque_to_the_caller() {
        let (status, body) = body_of(Error::Database(sqlx::Error::RowNotFound).into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.error.message.to_lowercase().contains("row"));
    }

    #[tokio::test]
    async fn rate_limited_errors_carry_retry_after() {
        let response = Error::RateLimited { message: "slow down".into(), retry_after_secs: 12 }.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "12");
        let (status, body) = body_of(response).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body.error.code, "RATE_LIMITED");
    }

    #[test]
    fn only_short_plain_request_ids_are_accepted() {
        assert!(acceptable_request_id("abc-123_x.y"));
        assert!(!acceptable_request_id(""));
        assert!(!acceptable_request_id("a b"));
        assert!(!acceptable_request_id(&"a".repeat(65)));
    }
}
