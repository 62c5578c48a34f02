//! The `data` of each webhook event as a type: what the domain emits, the example the docs show
//! ([`Event::example`]) and the schema in the OpenAPI document (`ToSchema`) all come from it.
//!
//! Field names are camelCase as delivered. Ids and texts are borrowed from the change that
//! emits the event; timestamps are RFC 3339 text. An `Option` field is `null` when it has no
//! value, unless it says it is left out.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::{
    ADMIN_REPLIED, CONTACT_CREATED, CONTACT_UPDATED, CONVERSATION_ENDED, CONVERSATION_ESCALATED, CONVERSATION_STARTED,
    Event, FEEDBACK_CREATED, KNOWLEDGE_SOURCE_FAILED, KNOWLEDGE_SOURCE_READY, LEAD_SUBMITTED, MESSAGE_RECEIVED,
    MESSAGE_SENT, PING,
};

/// The moment every example happened.
pub const EXAMPLE_TIME: &str = "2026-04-12T14:30:00Z";

const CONVERSATION: &str = "conv_7Hd2kLm";
const CHATBOT: &str = "bot_abc123";
const VISITOR: &str = "vis_def456";

/// Who wrote a message. Endpoints with classic names receive `visitor` instead of `user`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = WebhookMessageSender)]
pub enum Sender {
    User,
    Bot,
    Admin,
}

/// The `data` of `message.received`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MessageReceivedEvent)]
pub struct MessageReceived<'a> {
    pub message_id: &'a str,
    pub conversation_id: &'a str,
    pub chatbot_id: &'a str,
    /// The visitor id the widget or the API caller gave, if any.
    pub visitor_id: Option<&'a str>,
    pub message: &'a str,
    /// Always `user`.
    pub sender: Sender,
    pub created_at: String,
}

impl Event for MessageReceived<'_> {
    const NAME: &'static str = MESSAGE_RECEIVED;

    fn example() -> Self {
        MessageReceived {
            message_id: "msg_2mC8pQz",
            conversation_id: CONVERSATION,
            chatbot_id: CHATBOT,
            visitor_id: Some(VISITOR),
            message: "How do I cancel my plan?",
            sender: Sender::User,
            created_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `message.sent`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MessageSentEvent)]
pub struct MessageSent<'a> {
    pub message_id: &'a str,
    pub conversation_id: &'a str,
    pub chatbot_id: &'a str,
    pub visitor_id: Option<&'a str>,
    /// The answer as stored, possibly partial when it was stopped or failed.
    pub message: &'a str,
    /// Always `bot`.
    pub sender: Sender,
    /// `complete`, `stopped` or `failed`.
    pub status: &'a str,
    /// The knowledge the answer cites.
    pub citations: Vec<CitedPassage<'a>>,
    pub created_at: String,
}

/// A passage of the chatbot's knowledge that an answer cites.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookCitation)]
pub struct CitedPassage<'a> {
    pub entry_id: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
    pub snippet: &'a str,
    /// The uploaded file the passage comes from.
    pub file_name: Option<&'a str>,
    /// The page of that file, counted from 1.
    pub page: Option<u32>,
}

impl Event for MessageSent<'_> {
    const NAME: &'static str = MESSAGE_SENT;

    fn example() -> Self {
        MessageSent {
            message_id: "msg_2mC8pRa",
            conversation_id: CONVERSATION,
            chatbot_id: CHATBOT,
            visitor_id: Some(VISITOR),
            message: "You can cancel any time from Billing.",
            sender: Sender::Bot,
            status: "complete",
            citations: vec![CitedPassage {
                entry_id: "kn_3Rt6",
                title: "Billing FAQ",
                url: Some("https://example.com/faq"),
                snippet: "Plans can be cancelled at any time from the Billing page.",
                file_name: None,
                page: None,
            }],
            created_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `conversation.started`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ConversationStartedEvent)]
pub struct ConversationStarted<'a> {
    pub conversation_id: &'a str,
    pub chatbot_id: &'a str,
    pub visitor_id: Option<&'a str>,
    pub started_at: String,
}

impl Event for ConversationStarted<'_> {
    const NAME: &'static str = CONVERSATION_STARTED;

    fn example() -> Self {
        ConversationStarted {
            conversation_id: CONVERSATION,
            chatbot_id: CHATBOT,
            visitor_id: Some(VISITOR),
            started_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `conversation.ended`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ConversationEndedEvent)]
pub struct ConversationEnded<'a> {
    pub conversation_id: &'a str,
    pub chatbot_id: &'a str,
    pub ended_at: String,
    /// The messages of the conversation, without the notes of handovers.
    pub message_count: i64,
    /// `visitor`, `agent` or `inactivity`.
    pub reason: &'a str,
}

impl Event for ConversationEnded<'_> {
    const NAME: &'static str = CONVERSATION_ENDED;

    fn example() -> Self {
        ConversationEnded {
            conversation_id: CONVERSATION,
            chatbot_id: CHATBOT,
            ended_at: EXAMPLE_TIME.to_owned(),
            message_count: 12,
            reason: "inactivity",
        }
    }
}

/// The `data` of `conversation.escalated`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ConversationEscalatedEvent)]
pub struct ConversationEscalated<'a> {
    pub conversation_id: &'a str,
    pub chatbot_id: &'a str,
    pub visitor_id: Option<&'a str>,
    /// The reason the widget gave; `visitor_request` when it gave none.
    pub reason: &'a str,
    pub escalated_at: String,
}

impl Event for ConversationEscalated<'_> {
    const NAME: &'static str = CONVERSATION_ESCALATED;

    fn example() -> Self {
        ConversationEscalated {
            conversation_id: CONVERSATION,
            chatbot_id: CHATBOT,
            visitor_id: Some(VISITOR),
            reason: "visitor_request",
            escalated_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `admin.replied`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AdminRepliedEvent)]
pub struct AdminReplied<'a> {
    pub conversation_id: &'a str,
    pub chatbot_id: &'a str,
    pub message_id: &'a str,
    pub message: &'a str,
    /// Always `admin`.
    pub sender: Sender,
    pub created_at: String,
}

impl Event for AdminReplied<'_> {
    const NAME: &'static str = ADMIN_REPLIED;

    fn example() -> Self {
        AdminReplied {
            conversation_id: CONVERSATION,
            chatbot_id: CHATBOT,
            message_id: "msg_2mC8pSb",
            message: "Hi, Dana from support here.",
            sender: Sender::Admin,
            created_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `lead.submitted`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = LeadSubmittedEvent)]
pub struct LeadSubmitted<'a> {
    pub lead_id: &'a str,
    pub chatbot_id: &'a str,
    pub conversation_id: Option<&'a str>,
    /// The workspace's contact with this email, created or updated with the lead.
    pub contact_id: Option<&'a str>,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The chatbot's custom lead fields, by name.
    pub fields: BTreeMap<String, String>,
    pub created_at: String,
}

impl Event for LeadSubmitted<'_> {
    const NAME: &'static str = LEAD_SUBMITTED;

    fn example() -> Self {
        LeadSubmitted {
            lead_id: "lead_9Qw3",
            chatbot_id: CHATBOT,
            conversation_id: Some(CONVERSATION),
            contact_id: Some("ct_4Fv8"),
            email: "dana@example.com",
            name: Some("Dana"),
            phone: None,
            fields: BTreeMap::from([("company".to_owned(), "Acme".to_owned())]),
            created_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `feedback.created`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = FeedbackCreatedEvent)]
pub struct FeedbackCreated<'a> {
    pub feedback_id: &'a str,
    pub chatbot_id: &'a str,
    pub conversation_id: &'a str,
    /// The rated answer; none when the conversation as a whole was rated.
    pub message_id: Option<&'a str>,
    /// `up` or `down`.
    pub thumbs: Option<&'a str>,
    /// From 1 to 5.
    pub rating: Option<i64>,
    pub comment: Option<&'a str>,
    pub created_at: String,
}

impl Event for FeedbackCreated<'_> {
    const NAME: &'static str = FEEDBACK_CREATED;

    fn example() -> Self {
        FeedbackCreated {
            feedback_id: "fb_1Lp0",
            chatbot_id: CHATBOT,
            conversation_id: CONVERSATION,
            message_id: Some("msg_2mC8pRa"),
            thumbs: None,
            rating: Some(5),
            comment: Some("Quick and clear"),
            created_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `contact.created` and `contact.updated`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactData<'a> {
    pub contact_id: &'a str,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The contact's custom attributes, by name.
    pub attributes: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
}

impl ContactData<'_> {
    fn example() -> Self {
        let mut attributes = Map::new();
        attributes.insert("plan".to_owned(), json!("pro"));
        ContactData {
            contact_id: "ct_4Fv8",
            email: "dana@example.com",
            name: Some("Dana"),
            phone: None,
            attributes,
            created_at: EXAMPLE_TIME.to_owned(),
            updated_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

// The `data` of `contact.created`. Without a doc comment, which utoipa would add to the
// inlined schema by wrapping it in a `oneOf`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(as = ContactCreatedEvent)]
pub struct ContactCreated<'a>(#[schema(inline)] pub ContactData<'a>);

impl Event for ContactCreated<'_> {
    const NAME: &'static str = CONTACT_CREATED;

    fn example() -> Self {
        ContactCreated(ContactData::example())
    }
}

// The `data` of `contact.updated`, as `ContactCreated`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(as = ContactUpdatedEvent)]
pub struct ContactUpdated<'a>(#[schema(inline)] pub ContactData<'a>);

impl Event for ContactUpdated<'_> {
    const NAME: &'static str = CONTACT_UPDATED;

    fn example() -> Self {
        ContactUpdated(ContactData::example())
    }
}

/// The `data` of `knowledge.source.ready`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = KnowledgeSourceReadyEvent)]
pub struct KnowledgeSourceReady<'a> {
    pub source_id: &'a str,
    pub chatbot_id: &'a str,
    /// `qa`, `text`, `url`, `scrape` or `document`.
    pub kind: &'a str,
    pub title: &'a str,
    /// The fetched page or crawl start; left out for Q&A pairs and texts, which are added whole
    /// and never fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub url: Option<Option<&'a str>>,
    /// The uploaded file's name; left out for Q&A pairs and texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub file_name: Option<Option<&'a str>>,
    pub chunk_count: i64,
    /// The pages fetched; left out for Q&A pairs and texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<i64>,
    pub ready_at: String,
}

impl Event for KnowledgeSourceReady<'_> {
    const NAME: &'static str = KNOWLEDGE_SOURCE_READY;

    fn example() -> Self {
        KnowledgeSourceReady {
            source_id: "src_8Kd2",
            chatbot_id: CHATBOT,
            kind: "url",
            title: "Pricing",
            url: Some(Some("https://example.com/pricing")),
            file_name: Some(None),
            chunk_count: 14,
            pages: Some(1),
            ready_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `knowledge.source.failed`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = KnowledgeSourceFailedEvent)]
pub struct KnowledgeSourceFailed<'a> {
    pub source_id: &'a str,
    pub chatbot_id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
    pub file_name: Option<&'a str>,
    pub error: Option<&'a str>,
    pub failed_at: String,
}

impl Event for KnowledgeSourceFailed<'_> {
    const NAME: &'static str = KNOWLEDGE_SOURCE_FAILED;

    fn example() -> Self {
        KnowledgeSourceFailed {
            source_id: "src_8Kd3",
            chatbot_id: CHATBOT,
            kind: "url",
            title: "https://example.com/gone",
            url: Some("https://example.com/gone"),
            file_name: None,
            error: Some("the page answered 404"),
            failed_at: EXAMPLE_TIME.to_owned(),
        }
    }
}

/// The `data` of `ping`, sent to one endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PingEvent)]
pub struct Ping<'a> {
    pub message: &'a str,
    pub endpoint_id: &'a str,
}

impl<'a> Ping<'a> {
    /// The test event for this endpoint.
    pub fn to(endpoint_id: &'a str) -> Ping<'a> {
        Ping { message: "This is a test event from Parlor.", endpoint_id }
    }
}

impl Event for Ping<'_> {
    const NAME: &'static str = PING;

    fn example() -> Self {
        Ping::to("whk_5Tq1")
    }
}
