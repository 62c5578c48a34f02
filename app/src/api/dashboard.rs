//! The dashboard's server function: conversations, messages, escalations, leads and tokens per
//! day, for a period and a chatbot.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;

/// The periods the dashboard offers, in days; the first one the page shows is [`DEFAULT_DAYS`].
pub const PERIODS: [u32; 3] = [7, 30, 90];

/// The period shown when the address names none (or one the dashboard does not offer).
pub const DEFAULT_DAYS: u32 = 30;

/// The workspace's activity per day over a period, for all its chatbots or one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardReport {
    pub days: u32,
    /// The chatbot the report is about; `None` for all of them.
    pub chatbot_id: Option<String>,
    /// The workspace's chatbots, to choose from.
    pub chatbots: Vec<ChatbotChoice>,
    /// `YYYY-MM-DD` (UTC), oldest first, one per day of the period.
    pub dates: Vec<String>,
    /// One series per measure, each with a value per date.
    pub series: Vec<Series>,
}

/// A chatbot as the dashboard's chooser shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatbotChoice {
    pub id: String,
    pub name: String,
}

/// One measure over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// `conversations`, `visitor_messages`, `bot_messages`, `escalations`, `leads` or `tokens`.
    pub key: String,
    /// What the measure counts, as a heading ("Conversations started").
    pub label: String,
    /// The unit of one value, plural ("conversations").
    pub unit: String,
    /// One value per date of the report.
    pub values: Vec<i64>,
    pub total: i64,
}

/// The server's implementation of this area.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait DashboardBackend: Send + Sync + 'static {
    /// The report for `days` (one of [`PERIODS`]) and one chatbot of the workspace or all.
    async fn report(
        &self,
        req: &RequestInfo,
        days: u32,
        chatbot: Option<String>,
    ) -> Result<DashboardReport, PortalError>;
}

/// The dashboard's report; `chatbot` empty or absent means every chatbot of the workspace.
#[server(prefix = "/portal/fn", endpoint = "dashboard")]
pub async fn get_dashboard(
    days: u32,
    #[server(default)] chatbot: Option<String>,
) -> Result<DashboardReport, PortalError> {
    super::respond(
        async move {
            let (service, req) = super::backend::<dyn DashboardBackend>()?;
            service.report(&req, days, chatbot.filter(|id| !id.is_empty())).await
        }
        .await,
    )
}
