//! Presenters: domain records as the wire types that the JSON API and the portal both show.

use parlor_protocol::wire;

use crate::chat::Citation;
use crate::chatbots::{Chatbot, Settings};
use crate::conversations::{self, Conversation};
use crate::ids::{now_ms, rfc3339};
use crate::keys::KeyRecord;
use crate::knowledge::Source;
use crate::webhooks::{Attempt, Delivery, Endpoint, events};

/// The API shape of a chatbot.
pub fn chatbot_json(chatbot: &Chatbot) -> wire::Chatbot {
    wire::Chatbot {
        id: chatbot.id.clone(),
        object: "chatbot".into(),
        name: chatbot.name.clone(),
        website: chatbot.website.clone(),
        welcome_message: chatbot.welcome_message.clone(),
        settings: settings_json(&chatbot.settings(), chatbot.provider_key.is_some()),
        created_at: rfc3339(chatbot.created_at),
        updated_at: rfc3339(chatbot.updated_at),
    }
}

/// The name of a settings enum as the API writes it.
fn name_of(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A chatbot's settings; `key_set` tells whether a provider key is stored (the key is never shown).
fn settings_json(settings: &Settings, key_set: bool) -> wire::ChatbotSettings {
    wire::ChatbotSettings {
        personality: settings.personality.clone(),
        starter_questions: settings.starter_questions.clone(),
        language: settings.language.clone(),
        theme: name_of(&settings.theme),
        accent_color: settings.accent_color.clone(),
        position: name_of(&settings.position),
        title: settings.title.clone(),
        avatar_url: settings.avatar_url.clone(),
        allowed_origins: settings.allowed_origins.clone(),
        lead_capture: name_of(&settings.lead_capture),
        answer_policy: name_of(&settings.answer_policy),
        temperature: settings.temperature,
        max_tokens: settings.max_tokens,
        provider: name_of(&settings.provider),
        provider_base_url: settings.provider_base_url.clone(),
        provider_model: settings.provider_model.clone(),
        provider_api_key_set: key_set,
    }
}

/// A conversation as the API and the portal show it.
pub fn conversation_json(conversation: &Conversation) -> wire::Conversation {
    wire::Conversation {
        id: conversation.id.clone(),
        object: "conversation".into(),
        chatbot_id: conversation.chatbot_id.clone(),
        visitor_id: conversation.visitor_id.clone(),
        message_count: conversation.message_count,
        status: conversation.status.as_str().to_owned(),
        ended_at: conversation.ended_at.map(rfc3339),
        ended_reason: conversation.ended_reason.clone(),
        escalated_at: conversation.escalated_at.map(rfc3339),
        tags: conversation.tag_list(),
        created_at: rfc3339(conversation.created_at),
        updated_at: rfc3339(conversation.updated_at),
    }
}

/// The sources of an answer as the API shows them: the domain's citation, field for field. (A
/// webhook's payload names `source_url` `url`, a published contract of its own.)
pub fn citations_json(citations: Vec<Citation>) -> Vec<wire::Citation> {
    citations.into_iter().map(citation_json).collect()
}

fn citation_json(c: Citation) -> wire::Citation {
    wire::Citation {
        entry_id: c.entry_id,
        title: c.title,
        source_url: c.source_url,
        snippet: c.snippet,
        file_name: c.file_name,
        page: c.page,
    }
}

/// The citations stored with an answer (JSON written by this server); unreadable ones are none.
fn stored_citations(json: &str) -> Vec<Citation> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A stored message as the API shows it.
pub fn message_json(m: conversations::Message) -> wire::StoredMessage {
    wire::StoredMessage {
        id: m.id,
        object: "message".into(),
        role: m.role.as_str().to_owned(),
        content: m.content,
        status: m.status.as_str().to_owned(),
        citations: citations_json(stored_citations(&m.citations)),
        created_at: rfc3339(m.created_at),
    }
}

/// The API shape of a key; `secret` only in the response that created it.
pub fn key_json(record: &KeyRecord, secret: Option<String>) -> wire::ApiKey {
    wire::ApiKey {
        id: record.id.clone(),
        object: "api_key".into(),
        name: record.name.clone(),
        kind: record.kind.clone(),
        prefix: record.prefix.clone(),
        last_four: record.last_four.clone(),
        scopes: record.scope_list().iter().map(|s| s.as_str().to_owned()).collect(),
        allowed_origins: record.origin_list(),
        created_at: rfc3339(record.created_at),
        last_used_at: record.last_used_at.map(rfc3339),
        expires_at: record.expires_at.map(rfc3339),
        secret,
    }
}

/// A knowledge source as the API and the portal show it.
pub fn source_json(source: &Source) -> wire::KnowledgeSource {
    wire::KnowledgeSource {
        id: source.id.clone(),
        object: "knowledge_source".into(),
        chatbot_id: source.chatbot_id.clone(),
        kind: source.kind.clone(),
        title: source.title.clone(),
        source_url: source.source_url.clone(),
        status: source.status.clone(),
        error: source.error.clone(),
        chunk_count: source.chunk_count,
        byte_count: source.byte_count,
        created_at: rfc3339(source.created_at),
        updated_at: rfc3339(source.updated_at),
        file_name: source.file_name.clone(),
        progress: wire::KnowledgeProgress {
            pages_done: source.pages_done,
            pages_total: source.pages_total,
            bytes: source.byte_count,
        },
    }
}

/// An endpoint as the API and the portal show it; `secret` only when it was just made.
pub fn webhook_json(endpoint: &Endpoint, secret: Option<String>) -> wire::Webhook {
    wire::Webhook {
        id: endpoint.id.clone(),
        object: "webhook_endpoint".into(),
        url: endpoint.url.clone(),
        description: endpoint.description.clone(),
        events: endpoint.event_list(),
        naming: endpoint.naming.clone(),
        enabled: endpoint.is_enabled(),
        disabled_reason: endpoint.disabled_reason.clone(),
        failure_streak: endpoint.failure_streak,
        previous_secret_expires_at: endpoint.previous_secret_expires_at.filter(|at| *at > now_ms()).map(rfc3339),
        created_at: rfc3339(endpoint.created_at),
        updated_at: rfc3339(endpoint.updated_at),
        secret,
    }
}

/// A webhook delivery as the API and the portal show it.
pub fn delivery_json(delivery: &Delivery) -> wire::WebhookDelivery {
    wire::WebhookDelivery {
        id: delivery.id.clone(),
        object: "webhook_delivery".into(),
        endpoint_id: delivery.endpoint_id.clone(),
        event_id: delivery.event_id.clone(),
        event: delivery.event_type.clone(),
        status: delivery.status.clone(),
        attempt_count: delivery.attempts,
        next_attempt_at: delivery.next_attempt_at.filter(|_| delivery.status == "pending").map(rfc3339),
        last_status_code: delivery.last_status_code,
        last_error: delivery.last_error.clone(),
        created_at: rfc3339(delivery.created_at),
        delivered_at: delivery.delivered_at.map(rfc3339),
    }
}

fn attempt_json(attempt: &Attempt) -> wire::WebhookAttempt {
    wire::WebhookAttempt {
        attempt: attempt.attempt,
        started_at: rfc3339(attempt.started_at),
        status_code: attempt.status_code,
        error: attempt.error.clone(),
        latency_ms: attempt.latency_ms,
        response_snippet: attempt.response_snippet.clone(),
    }
}

/// A delivery with the payload as its endpoint receives it and every attempt.
pub fn delivery_detail_json(
    endpoint: &Endpoint,
    delivery: &Delivery,
    attempts: &[Attempt],
) -> wire::WebhookDeliveryDetail {
    let data: serde_json::Value = serde_json::from_str(&delivery.data).unwrap_or_default();
    let payload =
        events::body(&delivery.event_type, &rfc3339(delivery.event_created_at), &data, endpoint.naming == "classic");
    wire::WebhookDeliveryDetail {
        delivery: delivery_json(delivery),
        payload,
        attempts: attempts.iter().map(attempt_json).collect(),
    }
}

/// Every event with its classic name and an example payload, for the API and the portal.
pub fn event_catalogue() -> Vec<wire::WebhookEventType> {
    events::EVENTS
        .iter()
        .map(|kind| wire::WebhookEventType {
            name: kind.name.into(),
            classic_name: kind.classic.map(Into::into),
            description: kind.description.into(),
            example: kind.example_body(),
        })
        .collect()
}

/// Completions of what a visitor is typing, as the widget and the API show them.
pub fn suggestions_json(query: String, found: Vec<crate::suggestions::Suggestion>) -> wire::Suggestions {
    wire::Suggestions {
        object: "list".into(),
        query,
        data: found.into_iter().map(|s| wire::Suggestion { text: s.text, source: s.kind.as_str().into() }).collect(),
    }
}
