//! Leads (what visitors submit in the widget) and contacts (the people a workspace knows).
//! STUB: to be written.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::error::Error;
use crate::state::AppState;

/// `POST /widget/v1/chatbots/{id}/leads`.
pub async fn create_widget_lead(State(_state): State<AppState>) -> Result<(StatusCode, Json<serde_json::Value>), Error> {
    Err(Error::NotFound("lead"))
}

/// `GET /api/v2/chatbots/{id}/leads`.
pub async fn list_leads(State(_state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    Err(Error::NotFound("lead"))
}

/// `GET /api/v2/contacts`.
pub async fn list_contacts(State(_state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    Err(Error::NotFound("contact"))
}

/// `POST /api/v2/contacts`.
pub async fn create_contact(State(_state): State<AppState>) -> Result<(StatusCode, Json<serde_json::Value>), Error> {
    Err(Error::NotFound("contact"))
}

/// `GET /api/v2/contacts/{id}`.
pub async fn get_contact(State(_state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    Err(Error::NotFound("contact"))
}

/// `PATCH /api/v2/contacts/{id}`.
pub async fn update_contact(State(_state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    Err(Error::NotFound("contact"))
}

/// `POST /api/v2/contacts/import`.
pub async fn import_contacts(State(_state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    Err(Error::NotFound("contact"))
}

/// `GET /api/v2/contacts/export?format=csv|json`.
pub async fn export_contacts(State(_state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    Err(Error::NotFound("contact"))
}
