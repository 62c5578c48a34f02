//! Leads: what a visitor submits through a chatbot's widget (an email address, perhaps a name, a
//! phone number and custom fields). Every lead creates or updates its contact
//! ([`crate::contacts`]) in the same transaction, and emits its webhook event there too.
//!
//! The contacts' items are re-exported here, so `leads::` paths to them keep working.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::chatbots::Chatbot;
pub use crate::contacts::{
    Attributes, Contact, ContactDetails, ContactPatch, Email, ImportOutcome, MAX_ATTRIBUTES, MAX_IMPORT_ROWS, Upserted,
    all_contacts, create_contact, get_contact, identify_contact, import_contacts, list_contacts, update_contact,
};
use crate::contacts::{MAX_VALUE, Overflow, check_key, parse_name, parse_phone, upsert_contact};
use crate::db::{Db, Listing, Page, newest_first};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms, rfc3339};
use crate::webhooks::{self, events};

const MAX_FIELDS: usize = 20;

/// Custom fields of a lead: at most 20, names up to 64 characters, values up to 1000.
fn parse_fields(fields: BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    if fields.len() > MAX_FIELDS {
        return Err(Error::Validation(format!("a lead may have at most {MAX_FIELDS} fields, not {}", fields.len())));
    }
    for (key, value) in &fields {
        check_key("field", key)?;
        if value.chars().count() > MAX_VALUE {
            return Err(Error::Validation(format!("field {key:?} must be at most {MAX_VALUE} characters")));
        }
    }
    Ok(fields)
}

/// A lead as a visitor submitted it, checked.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub conversation_id: Option<String>,
    pub name: Option<String>,
    pub email: Email,
    pub phone: Option<String>,
    pub fields: BTreeMap<String, String>,
}

impl NewLead {
    pub fn parse(
        conversation_id: Option<String>,
        name: Option<&str>,
        email: &str,
        phone: Option<&str>,
        fields: BTreeMap<String, String>,
    ) -> Result<NewLead> {
        Ok(NewLead {
            conversation_id: conversation_id.filter(|id| !id.is_empty()),
            name: parse_name(name)?,
            email: Email::parse(email)?,
            phone: parse_phone(phone)?,
            fields: parse_fields(fields)?,
        })
    }
}

/// A stored lead.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Lead {
    pub id: String,
    pub chatbot_id: String,
    pub conversation_id: Option<String>,
    pub contact_id: Option<String>,
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    /// The custom fields as a JSON object.
    pub fields: String,
    pub created_at: i64,
}

impl Lead {
    pub fn fields(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }
}

const LEAD_COLUMNS: &str = "id, chatbot_id, conversation_id, contact_id, name, email, phone, fields, created_at";

/// Stores a visitor's lead for `chatbot` and creates or updates its contact, emitting
/// `contact.created` or `contact.updated` and `lead.submitted` in the same transaction. The
/// caller signals the webhook dispatcher after it returns.
pub async fn submit_lead(db: &Db, chatbot: &Chatbot, new: NewLead) -> Result<Lead> {
    let mut tx = db.begin().await?;
    if let Some(conversation_id) = &new.conversation_id {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE id = $1 AND chatbot_id = $2")
            .bind(conversation_id)
            .bind(&chatbot.id)
            .fetch_one(&mut *tx)
            .await?;
        if found == 0 {
            return Err(Error::NotFound("conversation"));
        }
    }
    let details = ContactDetails {
        email: new.email.clone(),
        name: new.name.clone(),
        phone: new.phone.clone(),
        attributes: new.fields.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect(),
    };
    let (contact, _) = upsert_contact(&mut tx, &chatbot.workspace_id, &details, Overflow::Skip).await?;
    let lead = Lead {
        id: new_id("lead"),
        chatbot_id: chatbot.id.clone(),
        conversation_id: new.conversation_id,
        contact_id: Some(contact.id.clone()),
        name: new.name,
        email: new.email.as_str().to_owned(),
        phone: new.phone,
        fields: serde_json::to_string(&new.fields).map_err(anyhow::Error::from)?,
        created_at: now_ms(),
    };
    sqlx::query(&format!("INSERT INTO leads ({LEAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&lead.id)
        .bind(&lead.chatbot_id)
        .bind(&lead.conversation_id)
        .bind(&lead.contact_id)
        .bind(&lead.name)
        .bind(&lead.email)
        .bind(&lead.phone)
        .bind(&lead.fields)
        .bind(lead.created_at)
        .execute(&mut *tx)
        .await?;
    let event = events::LeadSubmitted {
        lead_id: &lead.id,
        chatbot_id: &lead.chatbot_id,
        conversation_id: lead.conversation_id.as_deref(),
        contact_id: lead.contact_id.as_deref(),
        email: &lead.email,
        name: lead.name.as_deref(),
        phone: lead.phone.as_deref(),
        fields: lead.fields(),
        created_at: rfc3339(lead.created_at),
    };
    webhooks::emit(&mut tx, &chatbot.workspace_id, &event).await?;
    tx.commit().await?;
    Ok(lead)
}

/// A chatbot's leads, newest first, continuing after the lead `after`. The caller has checked
/// that the chatbot belongs to its workspace.
pub async fn list_leads(db: &Db, chatbot_id: &str, limit: u32, after: Option<&str>) -> Result<Page<Lead>> {
    let select = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE chatbot_id = $1");
    let listing = Listing {
        select: &select,
        table: "leads",
        scope_column: "chatbot_id",
        prefix: "",
        what: "a lead of this chatbot",
    };
    newest_first(db, listing, chatbot_id, limit, after, |lead: &Lead| &lead.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_fields_are_limited_in_number_and_size() {
        let many: BTreeMap<String, String> = (0..21).map(|i| (format!("f{i}"), "v".into())).collect();
        assert!(parse_fields(many).is_err());
        let long_key = BTreeMap::from([("k".repeat(65), "v".to_owned())]);
        assert!(parse_fields(long_key).is_err());
        let long_value = BTreeMap::from([("k".to_owned(), "v".repeat(1001))]);
        assert!(parse_fields(long_value).is_err());
    }
}
