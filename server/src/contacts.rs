//! Contacts: the people a workspace knows, one per lower-cased email address, with custom
//! attributes. Owners create, change, list, import and export them; every lead
//! ([`crate::leads`]) and every verified identity creates or updates one. Every change emits its
//! webhook event in the same transaction.

use serde_json::{Map, Value};

use crate::db::{Db, Listing, Page, newest_first};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms, rfc3339};
use crate::webhooks::{self, events};

/// A contact's custom attributes: a JSON object.
pub type Attributes = Map<String, Value>;

const MAX_EMAIL: usize = 254;
const MAX_NAME: usize = 200;
const MAX_PHONE: usize = 50;
const MAX_KEY: usize = 64;
pub(crate) const MAX_VALUE: usize = 1000;
/// The most attributes one contact keeps. Leads that would go beyond it keep their fields, but
/// the contact gains no new attributes, so that a visitor's submission never fails because of
/// what the owner stored.
pub const MAX_ATTRIBUTES: usize = 100;

/// An email address that looks deliverable, trimmed and lower-cased, which is how contacts are
/// keyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email> {
        let email = text.trim().to_lowercase();
        let invalid = |why: &str| Err(Error::Validation(format!("email {why}")));
        if email.is_empty() {
            return invalid("is required");
        }
        if email.chars().count() > MAX_EMAIL {
            return invalid(&format!("must be at most {MAX_EMAIL} characters"));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("must not contain spaces");
        }
        let mut parts = email.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return invalid(&format!("{email:?} must contain exactly one @"));
        };
        let labels: Vec<&str> = domain.split('.').collect();
        if local.is_empty() || labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
            return invalid(&format!("{email:?} is not an address such as dana@example.com"));
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Optional text, trimmed; blank is none.
fn optional_text(field: &str, text: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(Error::Validation(format!("{field} must be at most {max} characters")));
    }
    Ok(Some(text.to_owned()))
}

pub(crate) fn parse_name(text: Option<&str>) -> Result<Option<String>> {
    optional_text("name", text, MAX_NAME)
}

pub(crate) fn parse_phone(text: Option<&str>) -> Result<Option<String>> {
    let phone = optional_text("phone", text, MAX_PHONE)?;
    if let Some(phone) = &phone
        && (!phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
            || !phone.chars().any(|c| c.is_ascii_digit()))
    {
        return Err(Error::Validation(format!(
            "phone {phone:?} may contain only digits, spaces and + - ( ), such as +1 (555) 010-0199"
        )));
    }
    Ok(phone)
}

pub(crate) fn check_key(what: &str, key: &str) -> Result<()> {
    if key.trim().is_empty() || key.chars().count() > MAX_KEY {
        return Err(Error::Validation(format!("{what} names must be 1 to {MAX_KEY} characters, not {key:?}")));
    }
    Ok(())
}

/// Checks one attribute; `null` is accepted only where it removes one (`removable`).
fn check_attribute(key: &str, value: &Value, removable: bool) -> Result<()> {
    check_key("attribute", key)?;
    if value.is_null() && !removable {
        return Err(Error::Validation(format!("attribute {key:?} must not be null")));
    }
    if value.to_string().chars().count() > MAX_VALUE {
        return Err(Error::Validation(format!("attribute {key:?} must be at most {MAX_VALUE} characters as JSON")));
    }
    Ok(())
}

fn check_attribute_count(attributes: &Attributes) -> Result<()> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(Error::Validation(format!(
            "a contact may have at most {MAX_ATTRIBUTES} attributes, not {}",
            attributes.len()
        )));
    }
    Ok(())
}

/// A stored contact.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contact {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The attributes as a JSON object.
    pub attributes: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Contact {
    pub fn attributes(&self) -> Attributes {
        serde_json::from_str(&self.attributes).unwrap_or_default()
    }

    /// The data of `contact.created` and `contact.updated`.
    fn event_data(&self) -> events::ContactData<'_> {
        events::ContactData {
            contact_id: &self.id,
            email: &self.email,
            name: self.name.as_deref(),
            phone: self.phone.as_deref(),
            attributes: self.attributes(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

const CONTACT_COLUMNS: &str = "id, workspace_id, email, name, phone, attributes, created_at, updated_at";

/// Creates or updates the workspace's contact for a visitor whose identity the site proved
/// (`Parlor.identify` with a matching hash): the name when given, and the site's user id as the
/// `user_id` attribute, with `contact.created` or `contact.updated` in the same transaction. The
/// caller signals the webhook dispatcher after it returns.
pub async fn identify_contact(
    db: &Db,
    workspace_id: &str,
    email: &str,
    name: Option<&str>,
    user_id: &str,
) -> Result<Contact> {
    let mut attributes = Attributes::new();
    attributes.insert("user_id".to_owned(), Value::String(user_id.to_owned()));
    let details =
        ContactDetails { email: Email::parse(email)?, name: name.map(str::to_owned), phone: None, attributes };
    let mut tx = db.begin().await?;
    let (contact, _) = upsert_contact(&mut tx, workspace_id, &details, Overflow::Skip).await?;
    tx.commit().await?;
    Ok(contact)
}

/// A contact's details as an owner gives them (to create one, or in an import), checked.
#[derive(Debug, Clone)]
pub struct ContactDetails {
    pub email: Email,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub attributes: Attributes,
}

impl ContactDetails {
    pub fn parse(
        email: &str,
        name: Option<&str>,
        phone: Option<&str>,
        attributes: Attributes,
    ) -> Result<ContactDetails> {
        for (key, value) in &attributes {
            check_attribute(key, value, false)?;
        }
        check_attribute_count(&attributes)?;
        Ok(ContactDetails {
            email: Email::parse(email)?,
            name: parse_name(name)?,
            phone: parse_phone(phone)?,
            attributes,
        })
    }
}

/// A change to a contact: `Some("")` clears the name or phone; attributes are merged, and a
/// `null` attribute is removed.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    name: Option<Option<String>>,
    phone: Option<Option<String>>,
    attributes: Attributes,
}

impl ContactPatch {
    pub fn parse(name: Option<&str>, phone: Option<&str>, attributes: Option<Attributes>) -> Result<ContactPatch> {
        let attributes = attributes.unwrap_or_default();
        for (key, value) in &attributes {
            check_attribute(key, value, true)?;
        }
        Ok(ContactPatch {
            name: name.map(|n| parse_name(Some(n))).transpose()?,
            phone: phone.map(|p| parse_phone(Some(p))).transpose()?,
            attributes,
        })
    }
}

/// What an upsert did to the contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

/// What to do with new attributes beyond [`MAX_ATTRIBUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Refuse the change (an owner's request).
    Refuse,
    /// Keep the attributes the contact has and add no new ones (a visitor's lead).
    Skip,
}

/// Merges `changes` into `attributes` (a `null` removes); whether anything changed.
fn merge_attributes(attributes: &mut Attributes, changes: &Attributes, overflow: Overflow) -> Result<bool> {
    let mut changed = false;
    for (key, value) in changes {
        if value.is_null() {
            changed |= attributes.remove(key).is_some();
        } else if attributes.get(key) != Some(value) {
            if !attributes.contains_key(key) && attributes.len() >= MAX_ATTRIBUTES {
                match overflow {
                    Overflow::Skip => continue,
                    Overflow::Refuse => {
                        return Err(Error::Validation(format!(
                            "a contact may have at most {MAX_ATTRIBUTES} attributes"
                        )));
                    }
                }
            }
            attributes.insert(key.clone(), value.clone());
            changed = true;
        }
    }
    Ok(changed)
}

fn attributes_text(attributes: &Attributes) -> Result<String> {
    Ok(serde_json::to_string(attributes).map_err(anyhow::Error::from)?)
}

/// Creates the contact with `details.email`, or updates it: the name and phone when given, and
/// the attributes merged. Emits `contact.created` or `contact.updated` (nothing when nothing
/// changed).
pub(crate) async fn upsert_contact(
    tx: &mut crate::db::Tx,
    workspace_id: &str,
    details: &ContactDetails,
    overflow: Overflow,
) -> Result<(Contact, Upserted)> {
    if let Some(contact) = insert_contact(tx, workspace_id, details).await? {
        return Ok((contact, Upserted::Created));
    }
    // Another transaction may be changing the same contact: this no-op update takes the row's
    // lock on PostgreSQL (SQLite's immediate transaction holds the database's), so the read
    // below sees the latest attributes and no merge is lost.
    sqlx::query("UPDATE contacts SET updated_at = updated_at WHERE workspace_id = $1 AND email = $2")
        .bind(workspace_id)
        .bind(details.email.as_str())
        .execute(&mut **tx)
        .await?;
    let mut contact: Contact =
        sqlx::query_as(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = $1 AND email = $2"))
            .bind(workspace_id)
            .bind(details.email.as_str())
            .fetch_one(&mut **tx)
            .await?;
    let mut changed = false;
    if details.name.is_some() && contact.name != details.name {
        contact.name.clone_from(&details.name);
        changed = true;
    }
    if details.phone.is_some() && contact.phone != details.phone {
        contact.phone.clone_from(&details.phone);
        changed = true;
    }
    let mut attributes = contact.attributes();
    changed |= merge_attributes(&mut attributes, &details.attributes, overflow)?;
    if !changed {
        return Ok((contact, Upserted::Unchanged));
    }
    contact.attributes = attributes_text(&attributes)?;
    save_contact(tx, &mut contact).await?;
    Ok((contact, Upserted::Updated))
}

/// Inserts a new contact and emits `contact.created`; `None` when the email is taken.
async fn insert_contact(
    tx: &mut crate::db::Tx,
    workspace_id: &str,
    details: &ContactDetails,
) -> Result<Option<Contact>> {
    let now = now_ms();
    let contact = Contact {
        id: new_id("ct"),
        workspace_id: workspace_id.to_owned(),
        email: details.email.as_str().to_owned(),
        name: details.name.clone(),
        phone: details.phone.clone(),
        attributes: attributes_text(&details.attributes)?,
        created_at: now,
        updated_at: now,
    };
    let inserted = sqlx::query(&format!(
        "INSERT INTO contacts ({CONTACT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (workspace_id, email) DO NOTHING"
    ))
    .bind(&contact.id)
    .bind(&contact.workspace_id)
    .bind(&contact.email)
    .bind(&contact.name)
    .bind(&contact.phone)
    .bind(&contact.attributes)
    .bind(contact.created_at)
    .bind(contact.updated_at)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    webhooks::emit(tx, workspace_id, &events::ContactCreated(contact.event_data())).await?;
    Ok(Some(contact))
}

/// Stores a changed contact and emits `contact.updated`.
async fn save_contact(tx: &mut crate::db::Tx, contact: &mut Contact) -> Result<()> {
    contact.updated_at = now_ms().max(contact.updated_at);
    sqlx::query(
        "UPDATE contacts SET name = $1, phone = $2, attributes = $3, updated_at = $4
         WHERE id = $5 AND workspace_id = $6",
    )
    .bind(&contact.name)
    .bind(&contact.phone)
    .bind(&contact.attributes)
    .bind(contact.updated_at)
    .bind(&contact.id)
    .bind(&contact.workspace_id)
    .execute(&mut **tx)
    .await?;
    webhooks::emit(tx, &contact.workspace_id, &events::ContactUpdated(contact.event_data())).await?;
    Ok(())
}

/// Creates a contact; `Conflict` when the workspace has one with this email.
pub async fn create_contact(db: &Db, workspace_id: &str, details: &ContactDetails) -> Result<Contact> {
    let mut tx = db.begin().await?;
    let contact = insert_contact(&mut tx, workspace_id, details).await?.ok_or_else(|| {
        Error::Conflict(format!("a contact with the email {} already exists", details.email.as_str()))
    })?;
    tx.commit().await?;
    Ok(contact)
}

/// One of the workspace's contacts.
pub async fn get_contact(db: &Db, workspace_id: &str, id: &str) -> Result<Contact> {
    sqlx::query_as(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1 AND workspace_id = $2"))
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound("contact"))
}

/// Changes a contact; emits `contact.updated` when something changed.
pub async fn update_contact(db: &Db, workspace_id: &str, id: &str, patch: &ContactPatch) -> Result<Contact> {
    let mut tx = db.begin().await?;
    // This no-op update takes the row's lock on PostgreSQL before the read (SQLite's immediate
    // transaction already excludes other writers), so no concurrent change is lost.
    let found = sqlx::query("UPDATE contacts SET updated_at = updated_at WHERE id = $1 AND workspace_id = $2")
        .bind(id)
        .bind(workspace_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if found == 0 {
        return Err(Error::NotFound("contact"));
    }
    let mut contact: Contact =
        sqlx::query_as(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1 AND workspace_id = $2"))
            .bind(id)
            .bind(workspace_id)
            .fetch_one(&mut *tx)
            .await?;
    let mut changed = false;
    if let Some(name) = &patch.name
        && &contact.name != name
    {
        contact.name.clone_from(name);
        changed = true;
    }
    if let Some(phone) = &patch.phone
        && &contact.phone != phone
    {
        contact.phone.clone_from(phone);
        changed = true;
    }
    let mut attributes = contact.attributes();
    changed |= merge_attributes(&mut attributes, &patch.attributes, Overflow::Refuse)?;
    if changed {
        contact.attributes = attributes_text(&attributes)?;
        save_contact(&mut tx, &mut contact).await?;
    }
    tx.commit().await?;
    Ok(contact)
}

/// The workspace's contacts, newest first, continuing after the contact `after`; only the one
/// with `email` when given.
pub async fn list_contacts(
    db: &Db,
    workspace_id: &str,
    email: Option<&str>,
    limit: u32,
    after: Option<&str>,
) -> Result<Page<Contact>> {
    // An email filter matches at most one contact, so it needs no cursor.
    if let Some(email) = email {
        let email = email.trim().to_lowercase();
        let items: Vec<Contact> =
            sqlx::query_as(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = $1 AND email = $2"))
                .bind(workspace_id)
                .bind(email)
                .fetch_all(db.pool())
                .await?;
        return Ok(Page { items, next_cursor: None });
    }
    let select = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = $1");
    let listing = Listing {
        select: &select,
        table: "contacts",
        scope_column: "workspace_id",
        prefix: "",
        what: "a contact of this workspace",
    };
    newest_first(db, listing, workspace_id, limit, after, |contact: &Contact| &contact.id).await
}

/// Every contact of the workspace, oldest first, for an export.
pub async fn all_contacts(db: &Db, workspace_id: &str) -> Result<Vec<Contact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = $1 ORDER BY created_at, id"
    ))
    .bind(workspace_id)
    .fetch_all(db.pool())
    .await?)
}

/// The most contacts one import may hold.
pub const MAX_IMPORT_ROWS: usize = 10_000;

/// What an import did, with the rows it refused and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// `(row, message)`.
    pub errors: Vec<(u64, String)>,
}

/// Creates or updates a contact for each of `rows` (numbered and checked already), in one
/// transaction, with their events. A later row with the same email updates what an earlier one
/// stored. A row that would give a contact too many attributes is refused; the others are kept.
pub async fn import_contacts(db: &Db, workspace_id: &str, rows: &[(u64, ContactDetails)]) -> Result<ImportOutcome> {
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(Error::PayloadTooLarge(format!("an import may hold at most {MAX_IMPORT_ROWS} contacts")));
    }
    let mut outcome = ImportOutcome::default();
    if rows.is_empty() {
        return Ok(outcome);
    }
    let mut tx = db.begin().await?;
    for (row, details) in rows {
        // A validation error comes from merging, before the row writes anything.
        match upsert_contact(&mut tx, workspace_id, details, Overflow::Refuse).await {
            Ok((_, Upserted::Created)) => outcome.created += 1,
            Ok((_, Upserted::Updated)) => outcome.updated += 1,
            Ok((_, Upserted::Unchanged)) => outcome.unchanged += 1,
            Err(Error::Validation(message)) => outcome.errors.push((*row, message)),
            Err(err) => return Err(err),
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_must_look_deliverable() {
        assert_eq!(Email::parse("  Dana@Example.COM ").unwrap().as_str(), "dana@example.com");
        for bad in ["", "dana", "dana@", "@example.com", "dana@example", "a@b@c.com", "dana @x.com", "dana@x..com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn phones_allow_only_digits_spaces_and_punctuation() {
        assert_eq!(parse_phone(Some(" +1 (555) 010-0199 ")).unwrap().as_deref(), Some("+1 (555) 010-0199"));
        assert!(parse_phone(Some("call me")).is_err());
        assert!(parse_phone(Some("+-()")).is_err());
        assert!(parse_phone(Some(&"1".repeat(51))).is_err());
        assert_eq!(parse_phone(Some("  ")).unwrap(), None);
    }

    #[test]
    fn merging_attributes_adds_replaces_and_removes_with_null() {
        let mut attributes: Attributes = json!({"plan": "free", "seats": 3}).as_object().cloned().unwrap();
        let changes: Attributes = json!({"plan": "pro", "seats": null, "team": "ops"}).as_object().cloned().unwrap();
        assert!(merge_attributes(&mut attributes, &changes, Overflow::Refuse).unwrap());
        assert_eq!(Value::Object(attributes.clone()), json!({"plan": "pro", "team": "ops"}));
        assert!(!merge_attributes(&mut attributes, &changes, Overflow::Refuse).unwrap());
    }

    #[test]
    fn a_full_contact_skips_a_visitors_new_attributes_but_refuses_an_owners() {
        let mut attributes: Attributes = (0..MAX_ATTRIBUTES).map(|i| (format!("a{i}"), json!(i))).collect();
        let changes: Attributes = json!({"new": "x", "a0": "changed"}).as_object().cloned().unwrap();
        assert!(merge_attributes(&mut attributes.clone(), &changes, Overflow::Refuse).is_err());
        assert!(merge_attributes(&mut attributes, &changes, Overflow::Skip).unwrap());
        assert_eq!(attributes.len(), MAX_ATTRIBUTES);
        assert_eq!(attributes["a0"], "changed");
    }
}
