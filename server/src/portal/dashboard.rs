//! The dashboard's backend (`parlor_app::api::dashboard::DashboardBackend`): the workspace's
//! activity per day from `stats`, as series the page draws.

use parlor_app::api::dashboard::{ChatbotChoice, DashboardBackend, DashboardReport, Series};
use parlor_app::api::{PortalError, RequestInfo};

use super::account::signed_in;
use super::portal_error;
use crate::chatbots;
use crate::db::Db;
use crate::ids::now_ms;
use crate::state::AppState;
use crate::stats::{self, Chatbots, DayActivity, Period};

/// The most chatbots the chooser lists.
const CHATBOT_CHOICES: u32 = 100;

pub struct Dashboard {
    db: Db,
}

impl Dashboard {
    pub fn new(state: &AppState) -> Dashboard {
        Dashboard { db: state.db.clone() }
    }
}

/// A series the dashboard draws: its key, heading and unit, and where its values come from.
struct SeriesDefinition {
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    value: fn(&DayActivity) -> i64,
}

const SERIES: [SeriesDefinition; 6] = [
    SeriesDefinition {
        key: "conversations",
        label: "Conversations started",
        unit: "conversations",
        value: |d| d.conversations,
    },
    SeriesDefinition {
        key: "visitor_messages",
        label: "Visitors' messages",
        unit: "messages",
        value: |d| d.visitor_messages,
    },
    SeriesDefinition { key: "bot_messages", label: "Chatbots' answers", unit: "answers", value: |d| d.bot_messages },
    SeriesDefinition {
        key: "escalations",
        label: "Escalations to a person",
        unit: "escalations",
        value: |d| d.escalations,
    },
    SeriesDefinition { key: "leads", label: "Leads submitted", unit: "leads", value: |d| d.leads },
    SeriesDefinition { key: "tokens", label: "Tokens", unit: "tokens", value: |d| d.tokens },
];

#[async_trait::async_trait]
impl DashboardBackend for Dashboard {
    async fn report(
        &self,
        req: &RequestInfo,
        days: u32,
        chatbot: Option<String>,
    ) -> Result<DashboardReport, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let period = Period::ending_on(now_ms(), days).map_err(portal_error)?;
        let workspace = viewer.workspace_id.as_str();
        // A chatbot of another workspace is not found, exactly like one that does not exist.
        if let Some(id) = &chatbot {
            chatbots::get_chatbot(&self.db, workspace, id).await.map_err(portal_error)?;
        }
        let scope = chatbot.as_deref().map_or(Chatbots::All, Chatbots::One);
        let activity = stats::daily_activity(&self.db, workspace, scope, period).await.map_err(portal_error)?;
        let choices = chatbots::list_chatbots(&self.db, workspace, CHATBOT_CHOICES, None)
            .await
            .map_err(portal_error)?
            .items
            .into_iter()
            .map(|bot| ChatbotChoice { id: bot.id, name: bot.name })
            .collect();
        let series = SERIES
            .iter()
            .map(|definition| {
                let values: Vec<i64> = activity.iter().map(definition.value).collect();
                Series {
                    key: definition.key.to_owned(),
                    label: definition.label.to_owned(),
                    unit: definition.unit.to_owned(),
                    total: values.iter().sum(),
                    values,
                }
            })
            .collect();
        Ok(DashboardReport {
            days,
            chatbot_id: chatbot,
            chatbots: choices,
            dates: activity.iter().map(|d| stats::date_label(d.day)).collect(),
            series,
        })
    }
}
