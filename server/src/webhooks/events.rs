//! The one list of webhook events: names (Parlor's and the classic names some receivers
//! expect), what fires them, and an example payload. The API and the docs render this list.

use serde_json::{Value, json};

/// One kind of webhook event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    /// Parlor's name, such as `message.received`.
    pub name: &'static str,
    /// The name sent to endpoints that chose classic names, such as `new_message`.
    pub classic: Option<&'static str>,
    /// When the event fires.
    pub description: &'static str,
}

pub const MESSAGE_RECEIVED: &str = "message.received";
pub const MESSAGE_SENT: &str = "message.sent";
pub const CONVERSATION_STARTED: &str = "conversation.started";
pub const CONVERSATION_ENDED: &str = "conversation.ended";
pub const CONVERSATION_ESCALATED: &str = "conversation.escalated";
pub const ADMIN_REPLIED: &str = "admin.replied";
pub const LEAD_SUBMITTED: &str = "lead.submitted";
pub const FEEDBACK_CREATED: &str = "feedback.created";
pub const CONTACT_CREATED: &str = "contact.created";
pub const CONTACT_UPDATED: &str = "contact.updated";
pub const KNOWLEDGE_SOURCE_READY: &str = "knowledge.source.ready";
pub const KNOWLEDGE_SOURCE_FAILED: &str = "knowledge.source.failed";
pub const PING: &str = "ping";

/// Every event, in the order the docs list them.
pub const EVENTS: &[EventKind] = &[
    EventKind {
        name: MESSAGE_RECEIVED,
        classic: Some("new_message"),
        description: "A visitor or an API caller sent a message to a chatbot.",
    },
    EventKind {
        name: MESSAGE_SENT,
        classic: Some("new_message"),
        description: "The chatbot finished an answer (complete, stopped or failed).",
    },
    EventKind {
        name: CONVERSATION_STARTED,
        classic: Some("new_conversation"),
        description: "A new conversation began with its first message.",
    },
    EventKind {
        name: CONVERSATION_ENDED,
        classic: None,
        description: "A conversation was ended by the visitor, an agent, or inactivity.",
    },
    EventKind {
        name: CONVERSATION_ESCALATED,
        classic: Some("escalation"),
        description: "A visitor asked for a human, or the chatbot handed the conversation over.",
    },
    EventKind {
        name: ADMIN_REPLIED,
        classic: Some("admin_reply"),
        description: "A human agent replied in a conversation.",
    },
    EventKind { name: LEAD_SUBMITTED, classic: None, description: "A visitor submitted their contact details." },
    EventKind {
        name: FEEDBACK_CREATED,
        classic: Some("feedback_received"),
        description: "A visitor rated an answer or a conversation.",
    },
    EventKind { name: CONTACT_CREATED, classic: None, description: "A contact was created." },
    EventKind { name: CONTACT_UPDATED, classic: None, description: "A contact's details or attributes changed." },
    EventKind {
        name: KNOWLEDGE_SOURCE_READY,
        classic: None,
        description: "A knowledge source finished processing and is used for answers.",
    },
    EventKind {
        name: KNOWLEDGE_SOURCE_FAILED,
        classic: None,
        description: "A knowledge source could not be processed; `error` says why.",
    },
    EventKind { name: PING, classic: None, description: "A test event sent with \"Send test event\"." },
];

/// The event kind with this Parlor or classic name.
pub fn find(name: &str) -> Option<&'static EventKind> {
    EVENTS.iter().find(|kind| kind.name == name || kind.classic == Some(name))
}

/// An example of the `data` of each event, as the docs show it.
pub fn example_data(name: &str) -> Value {
    let at = "2026-04-12T14:30:00Z";
    match name {
        MESSAGE_RECEIVED => json!({
            "messageId": "msg_2mC8pQz", "conversationId": "conv_7Hd2kLm", "chatbotId": "bot_abc123",
            "visitorId": "vis_def456", "message": "How do I cancel my plan?", "sender": "user", "createdAt": at
        }),
        MESSAGE_SENT => json!({
            "messageId": "msg_2mC8pRa", "conversationId": "conv_7Hd2kLm", "chatbotId": "bot_abc123",
            "visitorId": "vis_def456", "message": "You can cancel any time from Billing.", "sender": "bot",
            "status": "complete", "citations": [{"title": "Billing FAQ", "url": "https://example.com/faq"}],
            "createdAt": at
        }),
        CONVERSATION_STARTED => json!({
            "conversationId": "conv_7Hd2kLm", "chatbotId": "bot_abc123", "visitorId": "vis_def456", "startedAt": at
        }),
        CONVERSATION_ENDED => json!({
            "conversationId": "conv_7Hd2kLm", "chatbotId": "bot_abc123", "endedAt": at, "messageCount": 12,
            "reason": "inactivity"
        }),
        CONVERSATION_ESCALATED => json!({
            "conversationId": "conv_7Hd2kLm", "chatbotId": "bot_abc123", "visitorId": "vis_def456",
            "reason": "visitor_request", "escalatedAt": at
        }),
        ADMIN_REPLIED => json!({
            "conversationId": "conv_7Hd2kLm", "chatbotId": "bot_abc123", "messageId": "msg_2mC8pSb",
            "message": "Hi, Dana from support here.", "sender": "admin", "createdAt": at
        }),
        LEAD_SUBMITTED => json!({
            "leadId": "lead_9Qw3", "conversationId": "conv_7Hd2kLm", "chatbotId": "bot_abc123",
            "email": "dana@example.com", "name": "Dana", "createdAt": at
        }),
        FEEDBACK_CREATED => json!({
            "feedbackId": "fb_1Lp0", "conversationId": "conv_7Hd2kLm", "messageId": "msg_2mC8pRa",
            "chatbotId": "bot_abc123", "rating": 5, "comment": "Quick and clear", "createdAt": at
        }),
        CONTACT_CREATED | CONTACT_UPDATED => json!({
            "contactId": "ct_4Fv8", "email": "dana@example.com", "name": "Dana",
            "attributes": {"plan": "pro"}, "updatedAt": at
        }),
        KNOWLEDGE_SOURCE_READY => json!({
            "sourceId": "src_8Kd2", "chatbotId": "bot_abc123", "kind": "url", "title": "Pricing",
            "chunkCount": 14, "readyAt": at
        }),
        KNOWLEDGE_SOURCE_FAILED => json!({
            "sourceId": "src_8Kd3", "chatbotId": "bot_abc123", "kind": "url", "title": "https://example.com/gone",
            "error": "the page answered 404", "failedAt": at
        }),
        _ => json!({ "message": "This is a test event from Parlor.", "endpointId": "whk_5Tq1" }),
    }
}

/// The body of a delivery: `{"event", "timestamp", "data"}`, with the event's classic name and
/// the classic `sender` values for endpoints that chose classic names.
pub fn body(event_type: &str, timestamp: &str, data: &Value, classic: bool) -> Value {
    let mut data = data.clone();
    let name = match find(event_type) {
        Some(kind) if classic => {
            if let Some(sender) = data.get_mut("sender")
                && sender == "user"
            {
                *sender = Value::from("visitor");
            }
            kind.classic.unwrap_or(kind.name)
        }
        _ => event_type,
    };
    json!({ "event": name, "timestamp": timestamp, "data": data })
}

/// Normalises a subscription list: Parlor or classic names, or `*` for every event.
pub fn parse_subscription(names: &[String]) -> crate::error::Result<Vec<String>> {
    if names.is_empty() || names.iter().any(|name| name == "*") {
        return Ok(vec!["*".to_owned()]);
    }
    let mut out: Vec<String> = Vec::new();
    for name in names.iter().map(|name| name.trim()) {
        // A classic name covers every event that carries it (new_message: received and sent).
        let matching: Vec<&EventKind> =
            EVENTS.iter().filter(|kind| kind.name == name || kind.classic == Some(name)).collect();
        if matching.is_empty() {
            return Err(crate::error::Error::Validation(format!(
                "`{name}` is not a webhook event; see GET /api/v2/webhooks/events for the list"
            )));
        }
        for kind in matching {
            if !out.iter().any(|n| n == kind.name) {
                out.push(kind.name.to_owned());
            }
        }
    }
    Ok(out)
}

/// Whether an endpoint subscribed to `events` receives `event_type`.
pub fn subscribed(events: &[String], event_type: &str) -> bool {
    events.iter().any(|name| name == "*" || name == event_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_an_example_and_unique_name() {
        for (i, kind) in EVENTS.iter().enumerate() {
            assert!(example_data(kind.name).is_object());
            assert!(EVENTS[i + 1..].iter().all(|other| other.name != kind.name), "{} twice", kind.name);
        }
        assert_eq!(EVENTS.len(), 13);
    }

    #[test]
    fn classic_names_subscribe_to_every_event_that_carries_them() {
        let parsed = parse_subscription(&["new_message".into(), "escalation".into()]).unwrap();
        assert_eq!(parsed, vec![MESSAGE_RECEIVED, MESSAGE_SENT, CONVERSATION_ESCALATED]);
        assert_eq!(parse_subscription(&[]).unwrap(), vec!["*"]);
        assert!(parse_subscription(&["message.recieved".into()]).is_err());
    }

    #[test]
    fn classic_bodies_use_classic_names_and_senders() {
        let data = json!({"sender": "user", "message": "hi"});
        let body = body(MESSAGE_RECEIVED, "2026-01-01T00:00:00Z", &data, true);
        assert_eq!(body["event"], "new_message");
        assert_eq!(body["data"]["sender"], "visitor");
        let body = super::body(MESSAGE_RECEIVED, "2026-01-01T00:00:00Z", &data, false);
        assert_eq!(body["event"], "message.received");
        assert_eq!(body["data"]["sender"], "user");
        assert_eq!(super::body(LEAD_SUBMITTED, "t", &data, true)["event"], "lead.submitted");
    }
}
