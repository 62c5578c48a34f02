//! The docs pages' backend (`parlor_app::api::docs::DocsBackend`): the OpenAPI document, the
//! webhook events, the configured plans, the error catalogue and the changelog, turned into
//! what the pages show, with code samples written here so the portal's WASM stays small.

use std::sync::OnceLock;

use parlor_app::api::docs::{
    ApiReference, Changelog, DialectDocs, DialectRequest, DocsBackend, ErrorCodeDoc, ErrorDocs, EventDoc, FieldDoc,
    Guides, OperationDoc, ParameterDoc, PlanDoc, QuickStart, RateLimitDocs, ResponseDoc, Sample, ScopeDoc, SectionDoc,
    SignedExample, TagGroup, VersionDoc, WebhookDocs,
};
use parlor_app::api::{PortalError, RequestInfo};
use parlor_protocol::wire::{ErrorBody, ErrorDetail};

use super::account::signed_in;
use super::portal_error;
use crate::docs::{self, Body, Call, Language};
use crate::keys::Scope;
use crate::ratelimit::Window;
use crate::state::AppState;
use crate::webhooks::events;

/// The operations of this build's OpenAPI document, read once.
static OPERATIONS: OnceLock<Vec<docs::Operation>> = OnceLock::new();

pub struct Docs {
    state: AppState,
    /// The API's OpenAPI document, which the router hands in: the portal does not import the API.
    api_document: fn() -> serde_json::Value,
}

impl Docs {
    pub fn new(state: &AppState, api_document: fn() -> serde_json::Value) -> Docs {
        Docs { state: state.clone(), api_document }
    }

    fn operations(&self) -> &'static [docs::Operation] {
        OPERATIONS.get_or_init(|| docs::operations(&(self.api_document)()))
    }

    fn base_url(&self) -> &str {
        self.state.server_info.public_url.trim_end_matches('/')
    }

    /// The signed-in reader's newest chatbot, for the samples; none when signed out.
    async fn first_chatbot(&self, req: &RequestInfo) -> Result<Option<String>, PortalError> {
        let viewer = match signed_in(&self.state.db, req).await {
            Ok((viewer, _)) => viewer,
            Err(PortalError::SignedOut) => return Ok(None),
            Err(err) => return Err(err),
        };
        let page = crate::chatbots::list_chatbots(&self.state.db, &viewer.workspace_id, 1, None)
            .await
            .map_err(portal_error)?;
        Ok(page.items.first().map(|chatbot| chatbot.id.clone()))
    }
}

fn samples(call: &Call) -> Vec<Sample> {
    Language::ALL
        .iter()
        .map(|&language| Sample {
            language: language.id().to_owned(),
            label: language.label().to_owned(),
            code: docs::sample(language, call),
        })
        .collect()
}

/// The operation of the document at `method` and `path`, as a call; `fallback` when the
/// document does not have it.
fn call_at(operations: &[docs::Operation], method: &str, path: &str, base_url: &str, chatbot_id: Option<&str>) -> Call {
    operations.iter().find(|op| op.method == method && op.path == path).map_or_else(
        || Call {
            method: method.to_owned(),
            url: format!("{base_url}{path}").replace("{id}", chatbot_id.unwrap_or(docs::CHATBOT_PLACEHOLDER)),
            body: Body::None,
            authenticated: true,
            streams: false,
        },
        |op| docs::call_for(op, base_url, chatbot_id),
    )
}

/// `300` seconds as `5 minutes`.
fn period(seconds: u64) -> String {
    let (count, unit) = match seconds {
        s if s % 3600 == 0 => (s / 3600, "hour"),
        s if s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if count == 1 { format!("1 {unit}") } else { format!("{count} {unit}s") }
}

fn window(limit: Window) -> String {
    format!("{} per {}", limit.count, period(limit.period_secs))
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[async_trait::async_trait]
impl DocsBackend for Docs {
    async fn quick_start(&self, req: &RequestInfo) -> Result<QuickStart, PortalError> {
        let chatbot_id = self.first_chatbot(req).await?;
        let [create, knowledge, chat] = docs::quick_start_calls(self.base_url(), chatbot_id.as_deref());
        Ok(QuickStart {
            base_url: self.base_url().to_owned(),
            create: docs::sample(Language::Curl, &create),
            knowledge: docs::sample(Language::Curl, &knowledge),
            chat: docs::sample(Language::Curl, &chat),
            chatbot_id,
        })
    }

    async fn api_reference(&self, req: &RequestInfo) -> Result<ApiReference, PortalError> {
        let chatbot_id = self.first_chatbot(req).await?;
        let mut groups: Vec<TagGroup> = Vec::new();
        let mut anchors: Vec<String> = Vec::new();
        for op in self.operations() {
            let mut anchor = docs::anchor_of(&op.operation_id);
            if anchors.contains(&anchor) {
                anchor = docs::anchor_of(&format!("{} {} {}", op.operation_id, op.method, op.path));
            }
            anchors.push(anchor.clone());
            let doc = OperationDoc {
                anchor,
                method: op.method.clone(),
                path: op.path.clone(),
                summary: op.summary.clone(),
                description: op.description.clone(),
                authenticated: op.authenticated,
                streams: op.streams,
                parameters: op
                    .parameters
                    .iter()
                    .map(|p| ParameterDoc {
                        name: p.name.clone(),
                        location: p.location.clone(),
                        required: p.required,
                        kind: p.kind.clone(),
                        description: p.description.clone(),
                    })
                    .collect(),
                body_type: op.body_type.clone(),
                body_fields: op
                    .body_fields
                    .iter()
                    .map(|f| FieldDoc {
                        name: f.name.clone(),
                        kind: f.kind.clone(),
                        required: f.required,
                        description: f.description.clone(),
                    })
                    .collect(),
                responses: op
                    .responses
                    .iter()
                    .map(|r| ResponseDoc {
                        status: r.status.clone(),
                        description: r.description.clone(),
                        content_types: r.content_types.clone(),
                    })
                    .collect(),
                samples: samples(&docs::call_for(op, self.base_url(), chatbot_id.as_deref())),
            };
            match groups.iter_mut().find(|group| group.name == op.tag) {
                Some(group) => group.operations.push(doc),
                None => groups.push(TagGroup {
                    anchor: format!("tag-{}", docs::anchor_of(&op.tag)),
                    name: op.tag.clone(),
                    operations: vec![doc],
                }),
            }
        }
        Ok(ApiReference { base_url: self.base_url().to_owned(), groups })
    }

    async fn webhooks(&self) -> Result<WebhookDocs, PortalError> {
        let events = events::EVENTS
            .iter()
            .map(|kind| EventDoc {
                name: kind.name.to_owned(),
                classic: kind.classic.map(str::to_owned),
                description: kind.description.to_owned(),
                payload: pretty(&kind.example_body()),
            })
            .collect();
        let example = docs::signed_example();
        Ok(WebhookDocs {
            events,
            example: SignedExample {
                secret: example.secret,
                id: example.id,
                timestamp: example.timestamp,
                body: example.body,
                standard: example.standard,
                simple: example.simple,
            },
            snippets: docs::verification_snippets()
                .into_iter()
                .map(|(language, code)| Sample {
                    language: language.id().to_owned(),
                    label: language.label().to_owned(),
                    code: code.to_owned(),
                })
                .collect(),
        })
    }

    async fn rate_limits(&self) -> Result<RateLimitDocs, PortalError> {
        let config = &self.state.config;
        let limits = self.state.limiter.settings();
        Ok(RateLimitDocs {
            plans: limits
                .plans
                .iter()
                .map(|plan| PlanDoc {
                    name: plan.name.clone(),
                    per_second: plan.limits.per_second,
                    per_minute: plan.limits.per_minute_count(),
                    per_day: plan.limits.per_day,
                })
                .collect(),
            widget_chat_per_minute: limits.widget_chat_per_minute,
            scrapes: window(limits.knowledge_scrapes),
            uploads: window(limits.knowledge_uploads),
            max_upload_bytes: config.knowledge_max_upload_bytes as u64,
        })
    }

    async fn errors(&self) -> Result<ErrorDocs, PortalError> {
        let example = ErrorBody {
            error: ErrorDetail {
                code: "MISSING_SCOPE".to_owned(),
                message: "this API key lacks the chat:write scope".to_owned(),
                request_id: "req_4fQ2b8LmZx0pW7nT1cKd".to_owned(),
            },
        };
        Ok(ErrorDocs {
            codes: docs::ERROR_CODES
                .iter()
                .map(|e| ErrorCodeDoc { status: e.status, code: e.code.to_owned(), meaning: e.meaning.to_owned() })
                .collect(),
            example: serde_json::to_string_pretty(&example).unwrap_or_default(),
        })
    }

    async fn guides(&self, req: &RequestInfo) -> Result<Guides, PortalError> {
        let chatbot_id = self.first_chatbot(req).await?;
        let base = self.base_url();
        let list =
            call_at(self.operations(), "GET", "/api/v2/chatbots/{id}/conversations", base, chatbot_id.as_deref());
        let page = |query: &str| {
            let mut call = list.clone();
            call.url = format!("{}?{query}", call.url.split('?').next().unwrap_or_default());
            samples(&call)
        };
        Ok(Guides {
            base_url: base.to_owned(),
            scopes: Scope::ALL
                .iter()
                .map(|&scope| ScopeDoc {
                    name: scope.as_str().to_owned(),
                    description: docs::scope_description(scope).to_owned(),
                })
                .collect(),
            auth_samples: samples(&call_at(self.operations(), "GET", "/api/v2/chatbots", base, chatbot_id.as_deref())),
            first_page: page("limit=20"),
            next_page: page("limit=20&cursor=NEXT_CURSOR"),
        })
    }

    async fn platform_api(&self, req: &RequestInfo) -> Result<DialectDocs, PortalError> {
        let chatbot_id = self.first_chatbot(req).await?;
        let base = self.base_url();
        let requests = docs::dialect_operations(self.operations(), docs::PLATFORM_API_BASE)
            .map(|op| DialectRequest {
                method: op.method.clone(),
                path: op.path[docs::PLATFORM_API_BASE.len()..].to_owned(),
                summary: op.summary.clone(),
                curl: docs::sample(Language::Curl, &docs::call_for(op, base, chatbot_id.as_deref())),
            })
            .collect();
        Ok(DialectDocs { base_url: format!("{base}{}", docs::PLATFORM_API_BASE), requests })
    }

    async fn changelog(&self) -> Result<Changelog, PortalError> {
        Ok(Changelog {
            versions: docs::changelog()
                .iter()
                .map(|version| VersionDoc {
                    name: version.name.clone(),
                    date: version.date.clone(),
                    anchor: version.anchor.clone(),
                    sections: version
                        .sections
                        .iter()
                        .map(|section| SectionDoc { name: section.name.clone(), items: section.items.clone() })
                        .collect(),
                })
                .collect(),
        })
    }
}
