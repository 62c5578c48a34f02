//! The JSON shapes of Parlor's HTTP API, shared by the server (which produces them), the portal
//! and the widget (which consume them). Plain serde types, no framework code.
//!
//! Requests reject unknown fields, so a typo in a field name is an error instead of being
//! ignored. Field names are snake_case; the camelCase names of older APIs are accepted as
//! aliases where the seeds use them.
//!
//! One file per resource, as in the server's `api/`; every item is re-exported here, so
//! `wire::X` is the one path to use. The error body, pages of lists and the health probe's
//! answer, which every resource shares, are defined here.

use serde::{Deserialize, Serialize};

mod chat;
mod chatbots;
mod conversations;
mod feedback;
mod keys;
mod knowledge;
mod leads;
mod platform;
mod usage;
mod webhooks;
mod widget;

pub use chat::*;
pub use chatbots::*;
pub use conversations::*;
pub use feedback::*;
pub use keys::*;
pub use knowledge::*;
pub use leads::*;
pub use platform::*;
pub use usage::*;
pub use webhooks::*;
pub use widget::*;

/// The body of every error response: `{"error": {"code", "message", "request_id"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Error))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable machine-readable code such as `NOT_FOUND`.
    pub code: String,
    /// A sentence for the developer.
    pub message: String,
    /// The id of the request, also sent as the `X-Request-Id` header.
    pub request_id: String,
}

/// A page of a list, newest first. Pass `next_cursor` as `cursor` to get the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub object: String,
    pub data: Vec<T>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `data`, with more to come when there is a `next_cursor`.
    pub fn new(data: Vec<T>, next_cursor: Option<String>) -> Page<T> {
        Page { object: "list".into(), data, has_more: next_cursor.is_some(), next_cursor }
    }

    /// The whole list in one page.
    pub fn all(data: Vec<T>) -> Page<T> {
        Page::new(data, None)
    }
}

/// `GET /healthz` and `GET /readyz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
}
