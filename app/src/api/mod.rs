//! The portal's server functions and the types they exchange, one file per area.
//!
//! A server function's body runs on the server only. It reaches Parlor's services through a
//! trait object of its area (such as [`account::AccountBackend`]) that the server puts in the
//! request's context, together with a [`RequestInfo`]: this crate never touches the database
//! or parses cookies, and the server's domain never sees Leptos.

pub mod account;
pub mod chatbots;
pub mod dashboard;
pub mod docs;
pub mod inbox;
pub mod keys;
pub mod knowledge;
pub mod server_info;
pub mod usage;
pub mod webhooks;

use serde::{Deserialize, Serialize};

/// Why a portal action did not happen, in words the portal can show as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PortalError {
    /// No session, or an expired one: the page sends the person to sign in.
    #[error("Sign in to continue.")]
    SignedOut,
    /// Signed in, but the role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// The input is not acceptable, or wrong credentials.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// Too many attempts; wait and try again.
    #[error("{0}")]
    TooMany(String),
    /// The server failed; the cause is in its log, never shown.
    #[error("Something went wrong on the server. Try again in a moment.")]
    Internal,
    /// The request did not reach the server function or its answer could not be read.
    #[error("{0}")]
    Transport(String),
}

impl leptos::server_fn::error::FromServerFnError for PortalError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        PortalError::Transport(value.to_string())
    }
}

/// What the server tells server functions about the request: the session cookie's token and
/// the client's address (for throttling sign-in attempts).
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub session: Option<String>,
    pub client_ip: Option<String>,
}

/// The service of one area that the server provided for this request, with the request's info.
#[cfg(feature = "ssr")]
pub fn backend<T: ?Sized + Send + Sync + 'static>() -> Result<(std::sync::Arc<T>, RequestInfo), PortalError> {
    use leptos::prelude::use_context;
    let service = use_context::<std::sync::Arc<T>>().ok_or(PortalError::Internal)?;
    Ok((service, use_context::<RequestInfo>().unwrap_or_default()))
}

/// Adds a `Set-Cookie` header (built by the server) to the server function's response.
#[cfg(feature = "ssr")]
pub fn set_cookie(cookie: &str) {
    use leptos::prelude::use_context;
    if let (Some(response), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(cookie))
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// Passes a server function's result through, giving a failure its HTTP status (401 signed
/// out, 403, 400, 404, 429, 500) so that scripts and logs see what happened.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, PortalError>) -> Result<T, PortalError> {
    if let (Err(err), Some(response)) = (&result, leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) {
        let status = match err {
            PortalError::SignedOut => http::StatusCode::UNAUTHORIZED,
            PortalError::Forbidden(_) => http::StatusCode::FORBIDDEN,
            PortalError::Invalid(_) => http::StatusCode::BAD_REQUEST,
            PortalError::NotFound(_) => http::StatusCode::NOT_FOUND,
            PortalError::TooMany(_) => http::StatusCode::TOO_MANY_REQUESTS,
            PortalError::Internal | PortalError::Transport(_) => http::StatusCode::INTERNAL_SERVER_ERROR,
        };
        response.set_status(status);
    }
    result
}
