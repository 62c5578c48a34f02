//! The server's facts that the portal shows (version, storage, the URLs for snippets), read by
//! the home, dashboard, chatbot and widget SDK pages.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Facts about the running server that the portal shows; the server provides them as context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub version: String,
    pub storage: String,
    pub api_base: String,
    /// The base URL browsers use to reach the server, for snippets.
    pub public_url: String,
}

/// Reads the [`ServerInfo`] that the server put in the request's context.
#[server(prefix = "/portal/fn", endpoint = "server_info")]
pub async fn get_server_info() -> Result<ServerInfo, ServerFnError> {
    use_context::<ServerInfo>().ok_or_else(|| ServerFnError::new("server info is not available"))
}
