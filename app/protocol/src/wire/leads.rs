//! Leads that visitors submit, and the workspace's contacts with their imports.

use serde::{Deserialize, Serialize};

/// `POST /widget/v1/chatbots/{id}/leads`: the details a visitor submits in the widget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateLead {
    /// The conversation the visitor was in, if any; it must be one of this chatbot's.
    #[serde(default, alias = "conversationId", skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Custom fields of the chatbot's lead form: at most 20.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A lead as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: String,
    pub object: String,
    pub chatbot_id: String,
    pub conversation_id: Option<String>,
    /// The contact the lead created or updated.
    pub contact_id: Option<String>,
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub fields: std::collections::BTreeMap<String, String>,
    pub created_at: String,
}

/// A contact: a person a workspace knows, one per email address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: String,
    pub object: String,
    /// Lower-cased.
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/v2/contacts`, and one contact of a JSON import.
///
/// An import also accepts the read-only fields of [`Contact`] (and ignores them), so that a JSON
/// export imports again as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// `PATCH /api/v2/contacts/{id}`: every field is optional; an empty string clears the name or
/// phone; attributes are merged, and an attribute set to `null` is removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct UpdateContact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// One row of an import that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportError {
    /// The contact's position in the input, from 1 (in CSV, not counting the header row).
    pub row: u64,
    pub message: String,
}

/// `POST /api/v2/contacts/import`: what the import did. Good rows are stored even when others
/// are reported in `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub object: String,
    pub created: u64,
    pub updated: u64,
    /// Rows that named an existing contact and changed nothing.
    pub unchanged: u64,
    pub errors: Vec<ImportError>,
}
