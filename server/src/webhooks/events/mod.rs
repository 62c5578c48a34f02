//! The one list of webhook events: names (Parlor's and the classic names some receivers
//! expect), what fires them, and the type of their `data` ([`data`]), from which come the
//! example payload and the schema that the API and the docs render.

mod data;

use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

pub use data::*;

/// The `data` of one kind of event. The domain emits values of these types
/// ([`crate::webhooks::emit`]); the docs show [`Event::example`], and the OpenAPI document the
/// type's schema.
pub trait Event: Serialize + ToSchema + Sync {
    /// Parlor's name of the event.
    const NAME: &'static str;

    /// The example the docs show.
    fn example() -> Self;
}

/// An event of any kind, for emitting several kinds of one change together.
pub trait AnyEvent: Sync {
    /// Parlor's name of the event.
    fn name(&self) -> &'static str;

    /// The `data` as stored and delivered.
    fn data(&self) -> serde_json::Result<Value>;
}

impl<E: Event> AnyEvent for E {
    fn name(&self) -> &'static str {
        E::NAME
    }

    fn data(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }
}

/// The schemas an event's type adds to the OpenAPI document: its own first, then those it
/// refers to, each with its name.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// One kind of webhook event.
#[derive(Debug, Clone, Copy)]
pub struct EventKind {
    /// Parlor's name, such as `message.received`.
    pub name: &'static str,
    /// The name sent to endpoints that chose classic names, such as `new_message`.
    pub classic: Option<&'static str>,
    /// When the event fires.
    pub description: &'static str,
    example: fn() -> Value,
    schemas: fn() -> Schemas,
}

impl EventKind {
    /// The kind whose `data` is an `E`.
    const fn of<E: Event>(classic: Option<&'static str>, description: &'static str) -> EventKind {
        EventKind { name: E::NAME, classic, description, example: example_data::<E>, schemas: schemas_of::<E> }
    }

    /// An example of the event's `data`.
    pub fn example_data(&self) -> Value {
        (self.example)()
    }

    /// An example of a whole delivery of the event, as an endpoint with Parlor's names gets it.
    pub fn example_body(&self) -> Value {
        body(self.name, EXAMPLE_TIME, &self.example_data(), false)
    }

    /// The schema of the event's `data`, named like `MessageReceivedEvent`, with the event's
    /// description and example, followed by the schemas it refers to.
    pub fn schemas(&self) -> Schemas {
        let mut schemas = (self.schemas)();
        if let Some((_, RefOr::T(Schema::Object(object)))) = schemas.first_mut() {
            object.description = Some(format!("The `data` of `{}`. {}", self.name, self.description));
            object.examples = vec![self.example_data()];
        }
        schemas
    }
}

fn example_data<E: Event>() -> Value {
    // Event types are structs of strings, numbers and JSON values: serialising one cannot fail.
    serde_json::to_value(E::example()).expect("an event's example serialises to JSON")
}

fn schemas_of<E: Event>() -> Schemas {
    let mut schemas = vec![(E::name().into_owned(), E::schema())];
    E::schemas(&mut schemas);
    schemas
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
    EventKind::of::<MessageReceived<'_>>(
        Some("new_message"),
        "A visitor or an API caller sent a message to a chatbot.",
    ),
    EventKind::of::<MessageSent<'_>>(
        Some("new_message"),
        "The chatbot finished an answer (complete, stopped or failed).",
    ),
    EventKind::of::<ConversationStarted<'_>>(
        Some("new_conversation"),
        "A new conversation began with its first message.",
    ),
    EventKind::of::<ConversationEnded<'_>>(None, "A conversation was ended by the visitor, an agent, or inactivity."),
    EventKind::of::<ConversationEscalated<'_>>(
        Some("escalation"),
        "A visitor asked for a human, or the chatbot handed the conversation over.",
    ),
    EventKind::of::<AdminReplied<'_>>(Some("admin_reply"), "A human agent replied in a conversation."),
    EventKind::of::<LeadSubmitted<'_>>(None, "A visitor submitted their contact details."),
    EventKind::of::<FeedbackCreated<'_>>(Some("feedback_received"), "A visitor rated an answer or a conversation."),
    EventKind::of::<ContactCreated<'_>>(None, "A contact was created."),
    EventKind::of::<ContactUpdated<'_>>(None, "A contact's details or attributes changed."),
    EventKind::of::<KnowledgeSourceReady<'_>>(None, "A knowledge source finished processing and is used for answers."),
    EventKind::of::<KnowledgeSourceFailed<'_>>(None, "A knowledge source could not be processed; `error` says why."),
    EventKind::of::<Ping<'_>>(None, "A test event sent with \"Send test event\"."),
];

/// The event kind with this Parlor or classic name.
pub fn find(name: &str) -> Option<&'static EventKind> {
    EVENTS.iter().find(|kind| kind.name == name || kind.classic == Some(name))
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
    fn every_event_has_a_unique_name_and_a_typed_example_with_the_keys_of_its_schema() {
        for (i, kind) in EVENTS.iter().enumerate() {
            assert!(EVENTS[i + 1..].iter().all(|other| other.name != kind.name), "{} twice", kind.name);
            let example = kind.example_data();
            let keys: Vec<&String> = example.as_object().expect("an object").keys().collect();
            let schemas = kind.schemas();
            let (name, RefOr::T(Schema::Object(schema))) = &schemas[0] else {
                panic!("{}: the data's schema is not an object", kind.name)
            };
            assert!(name.ends_with("Event"), "{}: its schema is named {name}", kind.name);
            let properties: Vec<&String> = schema.properties.keys().collect();
            let (mut keys, mut properties) = (keys, properties);
            keys.sort();
            properties.sort();
            assert_eq!(keys, properties, "{}: the example's keys are not the schema's properties", kind.name);
            assert!(schema.required.iter().all(|field| example.get(field).is_some()), "{}", kind.name);
            assert_eq!(schema.examples, vec![example.clone()], "{}: the schema shows another example", kind.name);
            assert!(schema.description.as_ref().is_some_and(|text| text.contains(kind.description)));
            assert_eq!(kind.example_body()["data"], example);
            assert_eq!(kind.example_body()["event"], kind.name);
        }
        assert_eq!(EVENTS.len(), 13);
    }

    #[test]
    fn each_event_type_is_listed_under_its_own_name() {
        fn listed<E: Event>() -> bool {
            find(E::NAME).is_some_and(|kind| kind.example_data() == serde_json::to_value(E::example()).unwrap())
        }
        assert!(listed::<MessageReceived<'_>>());
        assert!(listed::<ContactCreated<'_>>());
        assert!(listed::<ContactUpdated<'_>>());
        assert!(listed::<Ping<'_>>());
    }

    #[test]
    fn a_source_added_whole_leaves_out_what_only_fetched_sources_have() {
        let whole = KnowledgeSourceReady { url: None, file_name: None, pages: None, ..KnowledgeSourceReady::example() };
        let data = whole.data().unwrap();
        assert!(data.get("url").is_none() && data.get("fileName").is_none() && data.get("pages").is_none());
        let fetched = KnowledgeSourceReady { url: Some(None), ..KnowledgeSourceReady::example() };
        let data = fetched.data().unwrap();
        assert_eq!((&data["url"], &data["fileName"], &data["pages"]), (&Value::Null, &Value::Null, &json!(1)));
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
        let data = MessageReceived::example().data().unwrap();
        assert_eq!(data["sender"], "user");
        let body = body(MESSAGE_RECEIVED, "2026-01-01T00:00:00Z", &data, true);
        assert_eq!(body["event"], "new_message");
        assert_eq!(body["data"]["sender"], "visitor");
        let body = super::body(MESSAGE_RECEIVED, "2026-01-01T00:00:00Z", &data, false);
        assert_eq!(body["event"], "message.received");
        assert_eq!(body["data"]["sender"], "user");
        let sent = MessageSent::example().data().unwrap();
        assert_eq!(super::body(MESSAGE_SENT, "t", &sent, true)["data"]["sender"], "bot");
        assert_eq!(super::body(LEAD_SUBMITTED, "t", &data, true)["event"], "lead.submitted");
    }
}
