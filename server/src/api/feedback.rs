//! Feedback: a visitor's rating of an answer or a conversation. STUB: to be written.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::error::Error;
use crate::state::AppState;

/// `POST /widget/v1/chatbots/{id}/feedback`.
pub async fn create_widget_feedback(
    State(_state): State<AppState>,
) -> Result<(StatusCode, Json<serde_json::Value>), Error> {
    Err(Error::NotFound("feedback"))
}

/// `GET /api/v2/chatbots/{id}/feedback`.
pub async fn list_feedback(State(_state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    Err(Error::NotFound("feedback"))
}
