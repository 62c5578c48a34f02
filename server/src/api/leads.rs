//! Leads (what visitors submit in the widget) and contacts (the people a workspace knows):
//! `POST /widget/v1/chatbots/{id}/leads`, `GET /api/v2/chatbots/{id}/leads` and
//! `/api/v2/contacts`, with import and export as JSON or CSV.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parlor_protocol::wire;
use serde::Deserialize;
use serde_json::Value;

use super::chatbots::ListParams;
use super::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::chatbots;
use crate::error::Error;
use crate::ids::rfc3339;
use crate::keys::Scope;
use crate::leads::{self, Attributes, Contact, ContactDetails, ContactPatch, Lead, MAX_IMPORT_ROWS, NewLead};
use crate::spreadsheet;
use crate::state::AppState;
use crate::web::origin::PublicChatbot;

/// The API shape of a lead.
pub fn lead_json(lead: &Lead) -> wire::Lead {
    wire::Lead {
        id: lead.id.clone(),
        object: "lead".into(),
        chatbot_id: lead.chatbot_id.clone(),
        conversation_id: lead.conversation_id.clone(),
        contact_id: lead.contact_id.clone(),
        name: lead.name.clone(),
        email: lead.email.clone(),
        phone: lead.phone.clone(),
        fields: lead.fields(),
        created_at: rfc3339(lead.created_at),
    }
}

/// The API shape of a contact.
pub fn contact_json(contact: &Contact) -> wire::Contact {
    wire::Contact {
        id: contact.id.clone(),
        object: "contact".into(),
        email: contact.email.clone(),
        name: contact.name.clone(),
        phone: contact.phone.clone(),
        attributes: contact.attributes(),
        created_at: rfc3339(contact.created_at),
        updated_at: rfc3339(contact.updated_at),
    }
}

fn page<T, U>(items: &[T], next_cursor: Option<String>, shape: impl Fn(&T) -> U) -> wire::Page<U> {
    wire::Page::new(items.iter().map(shape).collect(), next_cursor)
}

/// Submit a lead
///
/// The contact details a visitor gives in the widget's lead form. The lead is stored with the
/// conversation it came from, the workspace's contact with that email is created or updated,
/// and the `lead.submitted` webhook event is sent. Shares the per-IP rate limit of the widget's
/// chat.
#[utoipa::path(
    post,
    path = "/widget/v1/chatbots/{id}/leads",
    tag = "Widget",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD")),
    request_body(
        content = wire::CreateLead,
        example = json!({
            "conversation_id": "conv_7PqR2sT9uV4wX1yZ3aBc",
            "name": "Dana Scully",
            "email": "dana@example.com",
            "phone": "+1 555 0100",
            "fields": {"company": "Example Corp"}
        })
    ),
    responses((status = 201, description = "The stored lead.", body = wire::Lead)),
)]
pub async fn create_widget_lead(
    State(state): State<AppState>,
    chatbot: Result<PublicChatbot, Error>,
    AppJson(body): AppJson<wire::CreateLead>,
) -> Result<(StatusCode, Json<wire::Lead>), Error> {
    let PublicChatbot(chatbot) = chatbot?;
    let new =
        NewLead::parse(body.conversation_id, body.name.as_deref(), &body.email, body.phone.as_deref(), body.fields)?;
    let lead = leads::submit_lead(&state.db, &chatbot, new).await?;
    tracing::info!(lead_id = %lead.id, chatbot_id = %chatbot.id, "lead submitted");
    Ok((StatusCode::CREATED, Json(lead_json(&lead))))
}

/// List a chatbot's leads
///
/// The leads visitors submitted through the chatbot's widget, newest first, a page at a time.
/// Needs the `leads:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/chatbots/{id}/leads",
    tag = "Leads & contacts",
    params(("id" = String, Path, description = "The chatbot's id.", example = "bot_4kQ2x9TbLm7Yw1Rz8HcD"), ListParams),
    responses((status = 200, description = "A page of leads.", body = wire::Page<wire::Lead>)),
)]
pub async fn list_leads(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Json<wire::Page<wire::Lead>>, Error> {
    caller.require(Scope::LeadsRead)?;
    let chatbot = chatbots::get_chatbot(&state.db, &caller.workspace_id, &id).await?;
    let found = leads::list_leads(&state.db, &chatbot.id, params.limit()?, params.cursor()).await?;
    Ok(Json(page(&found.items, found.next_cursor, lead_json)))
}

/// `limit`, `cursor` and `email` (only the contact with this address).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactListParams {
    /// How many contacts a page holds: 1 to 100, 20 by default.
    #[param(minimum = 1, maximum = 100, example = 20)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    cursor: Option<String>,
    /// Only the contact with this email address (compared case-insensitively).
    #[param(example = "dana@example.com")]
    email: Option<String>,
}

/// List contacts
///
/// The workspace's contacts, newest first, a page at a time; `email` finds one contact by its
/// address. Needs the `contacts:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/contacts",
    tag = "Leads & contacts",
    params(ContactListParams),
    responses((status = 200, description = "A page of contacts.", body = wire::Page<wire::Contact>)),
)]
pub async fn list_contacts(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ContactListParams>,
) -> Result<Json<wire::Page<wire::Contact>>, Error> {
    caller.require(Scope::ContactsRead)?;
    let email = params.email.filter(|e| !e.trim().is_empty());
    let list = ListParams::new(params.limit, params.cursor);
    let found =
        leads::list_contacts(&state.db, &caller.workspace_id, email.as_deref(), list.limit()?, list.cursor()).await?;
    Ok(Json(page(&found.items, found.next_cursor, contact_json)))
}

/// Create a contact
///
/// Adds a person to the workspace's contacts, one per email address (stored lower-cased);
/// `attributes` hold any JSON values. Sends the `contact.created` webhook event. Needs the
/// `contacts:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/contacts",
    tag = "Leads & contacts",
    request_body(
        content = wire::CreateContact,
        example = json!({
            "email": "dana@example.com",
            "name": "Dana Scully",
            "phone": "+1 555 0100",
            "attributes": {"plan": "pro", "seats": 12}
        })
    ),
    responses(
        (status = 201, description = "The new contact.", body = wire::Contact),
        (status = 409, description = "A contact with this email already exists.", body = wire::ErrorBody),
    ),
)]
pub async fn create_contact(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppJson(body): AppJson<wire::CreateContact>,
) -> Result<(StatusCode, Json<wire::Contact>), Error> {
    caller.require(Scope::ContactsWrite)?;
    let details = ContactDetails::parse(&body.email, body.name.as_deref(), body.phone.as_deref(), body.attributes)?;
    let contact = leads::create_contact(&state.db, &caller.workspace_id, &details).await?;
    Ok((StatusCode::CREATED, Json(contact_json(&contact))))
}

/// Get a contact
///
/// Needs the `contacts:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/contacts/{id}",
    tag = "Leads & contacts",
    params(("id" = String, Path, description = "The contact's id.", example = "ct_5Gh7Jk9Lz2Xc4Vb6Nm8Q")),
    responses((status = 200, description = "The contact.", body = wire::Contact)),
)]
pub async fn get_contact(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
) -> Result<Json<wire::Contact>, Error> {
    caller.require(Scope::ContactsRead)?;
    let contact = leads::get_contact(&state.db, &caller.workspace_id, &id).await?;
    Ok(Json(contact_json(&contact)))
}

/// Update a contact
///
/// Changes the name or phone (an empty string clears it) and merges `attributes` into the
/// contact's: an attribute set to `null` is removed. The email cannot change. Sends the
/// `contact.updated` webhook event. Needs the `contacts:write` scope.
#[utoipa::path(
    patch,
    path = "/api/v2/contacts/{id}",
    tag = "Leads & contacts",
    params(("id" = String, Path, description = "The contact's id.", example = "ct_5Gh7Jk9Lz2Xc4Vb6Nm8Q")),
    request_body(
        content = wire::UpdateContact,
        example = json!({"phone": "+1 555 0199", "attributes": {"plan": "enterprise", "trial": null}})
    ),
    responses((status = 200, description = "The contact after the change.", body = wire::Contact)),
)]
pub async fn update_contact(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<wire::UpdateContact>,
) -> Result<Json<wire::Contact>, Error> {
    caller.require(Scope::ContactsWrite)?;
    let patch = ContactPatch::parse(body.name.as_deref(), body.phone.as_deref(), body.attributes)?;
    let contact = leads::update_contact(&state.db, &caller.workspace_id, &id, &patch).await?;
    Ok(Json(contact_json(&contact)))
}

/// Import contacts
///
/// Creates or updates one contact per row, matched by email: a JSON array of contacts (a JSON
/// export imports again as it is), or CSV with `Content-Type: text/csv` and a header row naming
/// `email` and optionally `name`, `phone`, `attributes` (a JSON object) and any other column as
/// an attribute of that name. Rows that cannot be stored are reported in `errors`; the others are
/// kept. At most 10,000 rows. Needs the `contacts:write` scope.
#[utoipa::path(
    post,
    path = "/api/v2/contacts/import",
    tag = "Leads & contacts",
    request_body(
        description = "The contacts, as a JSON array or as CSV.",
        content(
            (Vec<wire::CreateContact> = "application/json", example = json!([
                {"email": "dana@example.com", "name": "Dana Scully", "attributes": {"plan": "pro"}},
                {"email": "fox@example.com", "phone": "+1 555 0101"}
            ])),
            (String = "text/csv", example = json!("email,name,phone,plan\ndana@example.com,Dana Scully,,pro\n")),
        )
    ),
    responses((status = 200, description = "What the import did.", body = wire::ImportResult)),
)]
pub async fn import_contacts(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<wire::ImportResult>, Error> {
    caller.require(Scope::ContactsWrite)?;
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge("the request body is too large".into()),
        _ => Error::BadRequest(rejection.body_text()),
    })?;
    let parsed = match import_format(&headers)? {
        ImportFormat::Csv => read_csv(&body)?,
        ImportFormat::Json => read_json(&body)?,
    };
    let mut rows = Vec::with_capacity(parsed.len());
    let mut errors = Vec::new();
    for (row, result) in parsed {
        match result {
            Ok(details) => rows.push((row, details)),
            Err(message) => errors.push((row, message)),
        }
    }
    let outcome = leads::import_contacts(&state.db, &caller.workspace_id, &rows).await?;
    errors.extend(outcome.errors);
    errors.sort_by_key(|(row, _)| *row);
    tracing::info!(
        workspace_id = %caller.workspace_id, created = outcome.created, updated = outcome.updated,
        refused = errors.len(), "contacts imported"
    );
    Ok(Json(wire::ImportResult {
        object: "import".into(),
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        errors: errors.into_iter().map(|(row, message)| wire::ImportError { row, message }).collect(),
    }))
}

enum ImportFormat {
    Csv,
    Json,
}

fn import_format(headers: &HeaderMap) -> Result<ImportFormat, Error> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" => Ok(ImportFormat::Csv),
        "application/json" => Ok(ImportFormat::Json),
        _ => Err(Error::UnsupportedMediaType(
            "send the contacts as a JSON array (Content-Type: application/json) or as CSV (Content-Type: text/csv)"
                .into(),
        )),
    }
}

/// One row of an import: its number and its checked details, or why it was refused.
type ImportRow = (u64, Result<ContactDetails, String>);

fn too_many_rows() -> Error {
    Error::PayloadTooLarge(format!("an import may hold at most {MAX_IMPORT_ROWS} contacts"))
}

fn validation_message(err: Error) -> String {
    match err {
        Error::Validation(message) => message,
        other => other.to_string(),
    }
}

/// Reads a JSON array of contacts. An exported contact's read-only fields are ignored, so that
/// a JSON export imports again as it is.
fn read_json(body: &[u8]) -> Result<Vec<ImportRow>, Error> {
    let value: Value = serde_json::from_slice(body).map_err(|err| match err.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            Error::BadRequest(format!("malformed JSON: {err}"))
        }
        _ => Error::Validation(err.to_string()),
    })?;
    let Value::Array(items) = value else {
        return Err(Error::Validation("the body must be a JSON array of contacts".into()));
    };
    if items.len() > MAX_IMPORT_ROWS {
        return Err(too_many_rows());
    }
    Ok(items
        .into_iter()
        .zip(1..)
        .map(|(mut item, row)| {
            if let Some(object) = item.as_object_mut() {
                for read_only in ["id", "object", "created_at", "updated_at"] {
                    object.remove(read_only);
                }
            }
            let details =
                serde_json::from_value::<wire::CreateContact>(item).map_err(|err| err.to_string()).and_then(|c| {
                    ContactDetails::parse(&c.email, c.name.as_deref(), c.phone.as_deref(), c.attributes)
                        .map_err(validation_message)
                });
            (row, details)
        })
        .collect())
}

/// What a CSV column holds.
#[derive(Clone, PartialEq)]
enum Column {
    Email,
    Name,
    Phone,
    /// A JSON object of attributes, as the export writes it.
    Attributes,
    /// One attribute, named by the header.
    Attribute(String),
    /// A column without a header, skipped.
    Unnamed,
}

/// Reads CSV with a header row: `email`, `name`, `phone`, `attributes` (a JSON object) and any
/// other column as an attribute of that name.
fn read_csv(body: &[u8]) -> Result<Vec<ImportRow>, Error> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body);
    let header =
        reader.headers().map_err(|err| Error::Validation(format!("the CSV header row is unreadable: {err}")))?;
    let mut columns = Vec::with_capacity(header.len());
    for name in header {
        let column = match name.trim().to_lowercase().as_str() {
            "email" => Column::Email,
            "name" => Column::Name,
            "phone" => Column::Phone,
            "attributes" => Column::Attributes,
            "" => Column::Unnamed,
            _ => Column::Attribute(name.trim().to_owned()),
        };
        if column != Column::Unnamed && columns.contains(&column) {
            return Err(Error::Validation(format!("the CSV header names the column {:?} twice", name.trim())));
        }
        columns.push(column);
    }
    if !columns.contains(&Column::Email) {
        return Err(Error::Validation(
            "the CSV header row must name an email column, such as: email,name,phone,plan".into(),
        ));
    }
    let mut rows = Vec::new();
    for (result, row) in reader.records().zip(1..) {
        if rows.len() >= MAX_IMPORT_ROWS {
            return Err(too_many_rows());
        }
        let details = match result {
            Ok(record) if record.len() > columns.len() => {
                Err(format!("the row has {} cells but the header has {}", record.len(), columns.len()))
            }
            Ok(record) => csv_contact(&columns, &record),
            Err(err) => Err(format!("the row is unreadable: {err}")),
        };
        rows.push((row, details));
    }
    Ok(rows)
}

fn csv_contact(columns: &[Column], record: &csv::StringRecord) -> Result<ContactDetails, String> {
    let (mut email, mut name, mut phone) = ("", None, None);
    let mut attributes = Attributes::new();
    let mut extra = Attributes::new();
    for (column, cell) in columns.iter().zip(record.iter()) {
        let cell = spreadsheet::restore(cell);
        match column {
            Column::Email => email = cell,
            Column::Name => name = Some(cell),
            Column::Phone => phone = Some(cell),
            Column::Attributes if cell.trim().is_empty() => {}
            Column::Attributes => match serde_json::from_str::<Value>(cell) {
                Ok(Value::Object(object)) => attributes.extend(object),
                _ => return Err("attributes must be a JSON object such as {\"plan\": \"pro\"}".into()),
            },
            // An empty cell says nothing about the attribute.
            Column::Attribute(_) if cell.is_empty() => {}
            Column::Attribute(key) => {
                extra.insert(key.clone(), Value::String(cell.to_owned()));
            }
            Column::Unnamed => {}
        }
    }
    attributes.extend(extra);
    ContactDetails::parse(email, name, phone, attributes).map_err(validation_message)
}

/// `format`: `json` (the default) or `csv`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (the default) or `csv`.
    #[param(example = "csv")]
    format: Option<String>,
}

/// Export contacts
///
/// Every contact of the workspace, oldest first: a JSON array of contacts, or CSV with the
/// columns `email,name,phone,attributes` (cells that a spreadsheet would run as formulas are
/// made inert). Both import again unchanged. Needs the `contacts:read` scope.
#[utoipa::path(
    get,
    path = "/api/v2/contacts/export",
    tag = "Leads & contacts",
    params(ExportParams),
    responses((
        status = 200,
        description = "Every contact, in the format asked for.",
        content((Vec<wire::Contact> = "application/json"), (String = "text/csv")),
    )),
)]
pub async fn export_contacts(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppQuery(params): AppQuery<ExportParams>,
) -> Result<Response, Error> {
    caller.require(Scope::ContactsRead)?;
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(Error::Validation(format!("format must be json or csv, not {other:?}"))),
    };
    let contacts = leads::all_contacts(&state.db, &caller.workspace_id).await?;
    if !csv {
        return Ok(Json(contacts.iter().map(contact_json).collect::<Vec<_>>()).into_response());
    }
    let body = write_csv(&contacts)?;
    Ok((
        [(CONTENT_TYPE, "text/csv; charset=utf-8"), (CONTENT_DISPOSITION, "attachment; filename=\"contacts.csv\"")],
        body,
    )
        .into_response())
}

fn write_csv(contacts: &[Contact]) -> Result<Vec<u8>, Error> {
    let failed = |err: csv::Error| Error::Internal(anyhow::Error::new(err).context("writing the contacts CSV"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["email", "name", "phone", "attributes"]).map_err(failed)?;
    for contact in contacts {
        let attributes = Value::Object(contact.attributes()).to_string();
        let cells = [
            contact.email.as_str(),
            contact.name.as_deref().unwrap_or_default(),
            contact.phone.as_deref().unwrap_or_default(),
            attributes.as_str(),
        ];
        writer.write_record(cells.map(|cell| spreadsheet::inert(cell).into_owned())).map_err(failed)?;
    }
    writer.into_inner().map_err(|err| Error::Internal(anyhow::anyhow!("writing the contacts CSV: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_contacts_with_extra_columns_as_attributes() {
        let csv = "email,name,phone,plan,\nDana@Example.com,Dana,,pro,\nnot-an-email,X,,,\n";
        let rows = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        let (row, first) = &rows[0];
        assert_eq!(*row, 1);
        let first = first.as_ref().unwrap();
        assert_eq!(first.email.as_str(), "dana@example.com");
        assert_eq!(first.phone, None);
        assert_eq!(first.attributes["plan"], "pro");
        assert!(rows[1].1.is_err());
    }

    #[test]
    fn a_csv_without_an_email_column_is_refused() {
        assert!(read_csv(b"name,phone\nDana,1\n").is_err());
    }
}
