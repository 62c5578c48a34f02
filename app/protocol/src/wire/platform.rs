//! The platform API's own shapes (`/api/platform/v1/...`, for clients of the product of seed
//! 003): numbered pages and the answer to a delete. Bots, conversations and messages themselves
//! are the same types as in the rest of the API.

use serde::{Deserialize, Serialize};

/// A numbered page of a list: `{"data": [...], "meta": {"page", "per_page", "total", "has_more"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NumberedPage<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

/// Where a numbered page stands in its list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageMeta {
    /// The page's number, from 1.
    pub page: u32,
    /// How many items a page holds (the last page may hold fewer).
    pub per_page: u32,
    /// How many items the whole list holds.
    pub total: u64,
    /// Whether pages after this one hold items.
    pub has_more: bool,
}

/// The answer to a delete: what was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deleted {
    pub id: String,
    /// What it was: `chatbot` or `conversation`.
    pub object: String,
    /// Always `true`.
    pub deleted: bool,
}
