//! Leads from the widget and the contacts they make: validation, webhook events, pagination,
//! workspace privacy, scopes, and import and export as JSON and CSV.

use std::time::Duration;

use parlor_server::keys::Scope;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_backends;
use crate::webhooks::{Received, Receiver, fast_webhooks};

/// Runs each test body on SQLite and on PostgreSQL with fast webhooks to a loopback receiver.
macro_rules! on_both_with_webhooks {
    ($(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports, reason = "not every test uses every helper")]
            use super::*;

            async fn body($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = spawn_app_with(Backend::Sqlite, fast_webhooks).await;
                body(app.expect("sqlite is always available")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(app) = spawn_app_with(Backend::Postgres, fast_webhooks).await {
                    body(app).await;
                }
            }
        }
    )*};
}
pub(crate) use on_both_with_webhooks;

/// Chats once with `bot` and returns the conversation's id and the answer's id.
pub async fn chat(app: &TestApp, bot: &str) -> (String, String) {
    let response = app
        .post(&format!("/api/v2/chatbots/{bot}/chat"))
        .json(&json!({"message": "hi", "stream": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let reply: Value = response.json().await.unwrap();
    (reply["conversation_id"].as_str().unwrap().to_owned(), reply["message"]["id"].as_str().unwrap().to_owned())
}

/// Posts `body` to a widget endpoint of `bot` (`leads` or `feedback`), as a visitor's page would:
/// without a key.
pub async fn widget_post(app: &TestApp, bot: &str, what: &str, body: &Value) -> reqwest::Response {
    app.client.post(app.url(&format!("/widget/v1/chatbots/{bot}/{what}"))).json(body).send().await.unwrap()
}

/// Asserts the status of an error response and returns its code and message.
pub async fn expect_error(response: reqwest::Response, status: u16) -> (String, String) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    (body["error"]["code"].as_str().unwrap().to_owned(), body["error"]["message"].as_str().unwrap().to_owned())
}

/// Registers a webhook endpoint for every event at `receiver`.
pub async fn subscribe(app: &TestApp, receiver: &Receiver) {
    let response = app.post("/api/v2/webhooks").json(&json!({"url": receiver.url})).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// The bodies of the received deliveries of `event`.
pub fn bodies_of(received: &[Received], event: &str) -> Vec<Value> {
    received.iter().map(Received::json).filter(|body| body["event"] == event).collect()
}

/// Waits until the receiver has `count` deliveries of each event.
pub async fn wait_for_events(receiver: &Receiver, expected: &[(&str, usize)]) -> Vec<Received> {
    receiver
        .wait_for(Duration::from_secs(15), |received| {
            expected.iter().all(|(event, count)| bodies_of(received, event).len() >= *count)
        })
        .await
}

fn patch(app: &TestApp, key: &str, path: &str) -> reqwest::RequestBuilder {
    app.client.patch(app.url(path)).bearer_auth(key)
}

async fn get_json(app: &TestApp, key: &str, path: &str) -> Value {
    let response = app.client.get(app.url(path)).bearer_auth(key).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}: {}", response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn import(app: &TestApp, key: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v2/contacts/import"))
        .bearer_auth(key)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Contacts without what differs between two copies: ids and times.
fn comparable(contacts: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = contacts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"email": c["email"], "name": c["name"], "phone": c["phone"], "attributes": c["attributes"]}))
        .collect();
    out.sort_by_key(|c| c["email"].as_str().unwrap().to_owned());
    out
}

on_both_with_webhooks! {
    async fn a_lead_becomes_a_contact_and_a_second_lead_updates_it(app) {
        let receiver = Receiver::start().await;
        subscribe(&app, &receiver).await;
        let bot = app.create_chatbot("Sales").await;
        let (conversation, _) = chat(&app, &bot).await;

        let response = widget_post(&app, &bot, "leads", &json!({
            "conversationId": conversation, "name": " Dana ", "email": "Dana@Example.COM",
            "fields": {"company": "Acme", "plan": "free"}
        })).await;
        assert_eq!(response.status(), 201);
        let first: Value = response.json().await.unwrap();
        assert_eq!(first["object"], "lead");
        assert!(first["id"].as_str().unwrap().starts_with("lead_"));
        assert_eq!(first["chatbot_id"], bot.as_str());
        assert_eq!(first["conversation_id"], conversation.as_str());
        assert_eq!(first["email"], "dana@example.com");
        assert_eq!(first["name"], "Dana");
        assert_eq!(first["phone"], Value::Null);
        assert_eq!(first["fields"], json!({"company": "Acme", "plan": "free"}));
        assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
        let contact_id = first["contact_id"].as_str().unwrap().to_owned();
        assert!(contact_id.starts_with("ct_"));

        let contact = get_json(&app, &app.key, &format!("/api/v2/contacts/{contact_id}")).await;
        assert_eq!(contact["object"], "contact");
        assert_eq!(contact["email"], "dana@example.com");
        assert_eq!(contact["name"], "Dana");
        assert_eq!(contact["attributes"], json!({"company": "Acme", "plan": "free"}));

        // The same person again, with another case, a phone and a changed field: no new contact.
        let response = widget_post(&app, &bot, "leads", &json!({
            "email": "DANA@example.com", "phone": "+1 (555) 010-0199", "fields": {"plan": "pro", "seats": "5"}
        })).await;
        assert_eq!(response.status(), 201);
        let second: Value = response.json().await.unwrap();
        assert_eq!(second["contact_id"], contact_id.as_str());
        assert_eq!(second["conversation_id"], Value::Null);
        let contacts = get_json(&app, &app.key, "/api/v2/contacts").await;
        assert_eq!(contacts["data"].as_array().unwrap().len(), 1);
        let contact = &contacts["data"][0];
        assert_eq!(contact["name"], "Dana", "a lead without a name keeps the contact's");
        assert_eq!(contact["phone"], "+1 (555) 010-0199");
        assert_eq!(contact["attributes"], json!({"company": "Acme", "plan": "pro", "seats": "5"}));

        let leads = get_json(&app, &app.key, &format!("/api/v2/chatbots/{bot}/leads")).await;
        let ids: Vec<&Value> = leads["data"].as_array().unwrap().iter().map(|l| &l["id"]).collect();
        assert_eq!(ids, vec![&second["id"], &first["id"]], "newest first");

        let received = wait_for_events(&receiver, &[
            ("lead.submitted", 2), ("contact.created", 1), ("contact.updated", 1),
        ]).await;
        let submitted = bodies_of(&received, "lead.submitted");
        let data = &submitted.iter().find(|b| b["data"]["leadId"] == first["id"]).unwrap()["data"];
        assert_eq!(data["chatbotId"], bot.as_str());
        assert_eq!(data["conversationId"], conversation.as_str());
        assert_eq!(data["contactId"], contact_id.as_str());
        assert_eq!(data["email"], "dana@example.com");
        assert_eq!(data["name"], "Dana");
        assert_eq!(data["fields"]["company"], "Acme");
        let created = &bodies_of(&received, "contact.created")[0]["data"];
        assert_eq!(created["contactId"], contact_id.as_str());
        assert_eq!(created["attributes"], json!({"company": "Acme", "plan": "free"}));
        let updated = &bodies_of(&received, "contact.updated")[0]["data"];
        assert_eq!(updated["contactId"], contact_id.as_str());
        assert_eq!(updated["phone"], "+1 (555) 010-0199");
        assert_eq!(updated["attributes"]["plan"], "pro");
        assert_eq!(bodies_of(&received, "contact.created").len(), 1, "the second lead creates no contact");
    }

    async fn creating_and_patching_contacts_emits_their_events(app) {
        let receiver = Receiver::start().await;
        subscribe(&app, &receiver).await;
        let response = app.post("/api/v2/contacts")
            .json(&json!({"email": "lee@example.com", "name": "Lee", "attributes": {"plan": "free", "vip": true}}))
            .send().await.unwrap();
        assert_eq!(response.status(), 201);
        let contact: Value = response.json().await.unwrap();
        let id = contact["id"].as_str().unwrap();
        let response = patch(&app, &app.key, &format!("/api/v2/contacts/{id}"))
            .json(&json!({"phone": "555 0100", "attributes": {"plan": "pro", "vip": null}}))
            .send().await.unwrap();
        assert_eq!(response.status(), 200);
        let received = wait_for_events(&receiver, &[("contact.created", 1), ("contact.updated", 1)]).await;
        assert_eq!(bodies_of(&received, "contact.created")[0]["data"]["attributes"], json!({"plan": "free", "vip": true}));
        let updated = &bodies_of(&received, "contact.updated")[0]["data"];
        assert_eq!(updated["contactId"], id);
        assert_eq!(updated["attributes"], json!({"plan": "pro"}));
        assert_eq!(updated["phone"], "555 0100");
    }
}

on_both_backends! {
    async fn lead_submissions_are_validated_with_clear_messages(app) {
        let bot = app.create_chatbot("Strict").await;
        let many: serde_json::Map<String, Value> = (0..21).map(|i| (format!("f{i}"), json!("v"))).collect();
        let cases = [
            (json!({"name": "Dana"}), "email"),
            (json!({"email": "dana"}), "exactly one @"),
            (json!({"email": "dana@example"}), "not an address"),
            (json!({"email": format!("{}@example.com", "a".repeat(250))}), "at most 254"),
            (json!({"email": "d@example.com", "name": "n".repeat(201)}), "name must be at most 200"),
            (json!({"email": "d@example.com", "phone": "call me maybe"}), "phone"),
            (json!({"email": "d@example.com", "phone": "1".repeat(51)}), "phone must be at most 50"),
            (json!({"email": "d@example.com", "fields": many}), "at most 20 fields"),
            (json!({"email": "d@example.com", "fields": {"k".repeat(65): "v"}}), "1 to 64"),
            (json!({"email": "d@example.com", "fields": {"k": "v".repeat(1001)}}), "at most 1000"),
            (json!({"email": "d@example.com", "fields": {"k": 5}}), "fields"),
            (json!({"email": "d@example.com", "company": "Acme"}), "unknown field"),
        ];
        for (body, expected) in cases {
            let (code, message) = expect_error(widget_post(&app, &bot, "leads", &body).await, 422).await;
            assert_eq!(code, "VALIDATION_FAILED", "{body}");
            assert!(message.contains(expected), "{body}: {message:?} should mention {expected:?}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM leads WHERE chatbot_id = $1", &bot).await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM contacts WHERE workspace_id = $1", &app.workspace_id).await, 0);
    }

    async fn a_lead_for_an_unknown_chatbot_or_another_chatbots_conversation_is_not_found(app) {
        let bot = app.create_chatbot("Mine").await;
        let other = app.create_chatbot("Other").await;
        let (conversation, _) = chat(&app, &other).await;
        let body = json!({"email": "dana@example.com"});
        let (_, message) = expect_error(widget_post(&app, "bot_doesnotexist00000000", "leads", &body).await, 404).await;
        assert!(message.contains("chatbot"), "{message}");
        let body = json!({"email": "dana@example.com", "conversation_id": conversation});
        let (_, message) = expect_error(widget_post(&app, &bot, "leads", &body).await, 404).await;
        assert!(message.contains("conversation"), "{message}");
        let body = json!({"email": "dana@example.com", "conversation_id": "conv_nope"});
        expect_error(widget_post(&app, &bot, "leads", &body).await, 404).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM leads WHERE chatbot_id = $1", &bot).await, 0);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM contacts WHERE workspace_id = $1", &app.workspace_id).await,
            0,
            "a refused lead makes no contact"
        );
    }

    async fn a_chatbot_that_lists_allowed_origins_refuses_leads_from_other_pages(app) {
        let bot = app.create_chatbot("Picky").await;
        let response = patch(&app, &app.key, &format!("/api/v2/chatbots/{bot}"))
            .json(&json!({"allowed_origins": ["https://shop.example.com"]}))
            .send().await.unwrap();
        assert_eq!(response.status(), 200);
        let url = app.url(&format!("/widget/v1/chatbots/{bot}/leads"));
        let body = json!({"email": "dana@example.com"});
        let response = app.client.post(&url).header("origin", "https://evil.example").json(&body).send().await.unwrap();
        let (code, _) = expect_error(response, 403).await;
        assert_eq!(code, "ORIGIN_NOT_ALLOWED");
        let response = app.client.post(&url).header("origin", "https://shop.example.com").json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201);
    }

    async fn leads_are_listed_newest_first_with_a_cursor_and_only_to_their_workspace(app) {
        let bot = app.create_chatbot("Busy").await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let response = widget_post(&app, &bot, "leads", &json!({"email": format!("v{i}@example.com")})).await;
            assert_eq!(response.status(), 201);
            ids.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        let first = get_json(&app, &app.key, &format!("/api/v2/chatbots/{bot}/leads?limit=2")).await;
        assert_eq!(first["object"], "list");
        assert_eq!(first["has_more"], true);
        let cursor = first["next_cursor"].as_str().unwrap();
        let rest = get_json(&app, &app.key, &format!("/api/v2/chatbots/{bot}/leads?limit=2&cursor={cursor}")).await;
        assert_eq!(rest["has_more"], false);
        let seen: Vec<&str> = first["data"].as_array().unwrap().iter().chain(rest["data"].as_array().unwrap())
            .map(|l| l["id"].as_str().unwrap()).collect();
        let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
        assert_eq!(seen, newest_first);

        let stranger = app.key_with(None, &Scope::ALL).await;
        let response = app.client.get(app.url(&format!("/api/v2/chatbots/{bot}/leads"))).bearer_auth(&stranger).send().await.unwrap();
        expect_error(response, 404).await;
        let contacts = get_json(&app, &stranger, "/api/v2/contacts").await;
        assert_eq!(contacts["data"], json!([]), "another workspace sees none of the contacts");

        let no_scope = app.key_with(Some(&app.workspace_id), &[Scope::ChatbotsRead, Scope::ContactsRead]).await;
        let response = app.client.get(app.url(&format!("/api/v2/chatbots/{bot}/leads"))).bearer_auth(&no_scope).send().await.unwrap();
        let (code, message) = expect_error(response, 403).await;
        assert_eq!(code, "MISSING_SCOPE");
        assert!(message.contains("leads:read"), "{message}");
        let response = app.get(&format!("/api/v2/chatbots/{bot}/leads?cursor=lead_unknown")).send().await.unwrap();
        expect_error(response, 422).await;
    }

    async fn contacts_are_created_read_patched_and_private_to_their_workspace(app) {
        let response = app.post("/api/v2/contacts")
            .json(&json!({"email": "Kim@Example.com", "name": "Kim", "phone": "555 0100", "attributes": {"plan": "free", "seats": 3}}))
            .send().await.unwrap();
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["email"], "kim@example.com");
        assert_eq!(created["attributes"], json!({"plan": "free", "seats": 3}));

        let response = app.post("/api/v2/contacts").json(&json!({"email": "KIM@example.com"})).send().await.unwrap();
        let (code, message) = expect_error(response, 409).await;
        assert_eq!(code, "CONFLICT");
        assert!(message.contains("kim@example.com"), "{message}");

        let response = patch(&app, &app.key, &format!("/api/v2/contacts/{id}"))
            .json(&json!({"name": "Kim Lee", "phone": "", "attributes": {"plan": "pro", "seats": null, "team": "ops"}}))
            .send().await.unwrap();
        assert_eq!(response.status(), 200);
        let patched: Value = response.json().await.unwrap();
        assert_eq!(patched["name"], "Kim Lee");
        assert_eq!(patched["phone"], Value::Null, "an empty string clears the phone");
        assert_eq!(patched["attributes"], json!({"plan": "pro", "team": "ops"}), "null removes an attribute");
        assert_eq!(get_json(&app, &app.key, &format!("/api/v2/contacts/{id}")).await, patched);

        let found = get_json(&app, &app.key, "/api/v2/contacts?email=KIM@example.com").await;
        assert_eq!(found["data"][0]["id"], id.as_str());
        let missing = get_json(&app, &app.key, "/api/v2/contacts?email=nobody@example.com").await;
        assert_eq!(missing["data"], json!([]));

        let stranger = app.key_with(None, &Scope::ALL).await;
        let response = app.client.get(app.url(&format!("/api/v2/contacts/{id}"))).bearer_auth(&stranger).send().await.unwrap();
        expect_error(response, 404).await;
        let response = patch(&app, &stranger, &format!("/api/v2/contacts/{id}")).json(&json!({"name": "Mallory"})).send().await.unwrap();
        expect_error(response, 404).await;
        assert_eq!(get_json(&app, &stranger, "/api/v2/contacts?email=kim@example.com").await["data"], json!([]));
        assert_eq!(get_json(&app, &stranger, "/api/v2/contacts/export").await, json!([]));
        // The same email in another workspace is another contact.
        let response = app.client.post(app.url("/api/v2/contacts")).bearer_auth(&stranger)
            .json(&json!({"email": "kim@example.com"})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(get_json(&app, &app.key, &format!("/api/v2/contacts/{id}")).await["name"], "Kim Lee");

        let reader = app.key_with(Some(&app.workspace_id), &[Scope::ContactsRead]).await;
        let response = app.client.post(app.url("/api/v2/contacts")).bearer_auth(&reader)
            .json(&json!({"email": "new@example.com"})).send().await.unwrap();
        let (code, message) = expect_error(response, 403).await;
        assert_eq!(code, "MISSING_SCOPE");
        assert!(message.contains("contacts:write"), "{message}");
        let response = patch(&app, &reader, &format!("/api/v2/contacts/{id}")).json(&json!({"name": "X"})).send().await.unwrap();
        expect_error(response, 403).await;
        let response = import(&app, &reader, "text/csv", "email\nx@example.com\n").await;
        expect_error(response, 403).await;
        let writer = app.key_with(Some(&app.workspace_id), &[Scope::ContactsWrite]).await;
        for path in ["/api/v2/contacts", "/api/v2/contacts/export", &format!("/api/v2/contacts/{id}")] {
            let response = app.client.get(app.url(path)).bearer_auth(&writer).send().await.unwrap();
            let (_, message) = expect_error(response, 403).await;
            assert!(message.contains("contacts:read"), "{path}: {message}");
        }
    }

    async fn contact_requests_are_validated_with_clear_messages(app) {
        let cases = [
            (json!({"name": "No email"}), "email"),
            (json!({"email": "not-an-email"}), "exactly one @"),
            (json!({"email": "a@example.com", "phone": "abc"}), "phone"),
            (json!({"email": "a@example.com", "attributes": {"plan": null}}), "must not be null"),
            (json!({"email": "a@example.com", "attributes": {"": 1}}), "1 to 64"),
            (json!({"email": "a@example.com", "attributes": {"notes": "x".repeat(1001)}}), "at most 1000"),
            (json!({"email": "a@example.com", "attributes": []}), "attributes"),
            (json!({"email": "a@example.com", "company": "Acme"}), "unknown field"),
        ];
        for (body, expected) in cases {
            let response = app.post("/api/v2/contacts").json(&body).send().await.unwrap();
            let (_, message) = expect_error(response, 422).await;
            assert!(message.contains(expected), "{body}: {message:?} should mention {expected:?}");
        }
        let response = app.post("/api/v2/contacts").json(&json!({"email": "a@example.com"})).send().await.unwrap();
        let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let response = patch(&app, &app.key, &format!("/api/v2/contacts/{id}")).json(&json!({"email": "b@example.com"})).send().await.unwrap();
        let (_, message) = expect_error(response, 422).await;
        assert!(message.contains("unknown field"), "{message}");
        let full: serde_json::Map<String, Value> = (0..101).map(|i| (format!("a{i}"), json!(i))).collect();
        let response = patch(&app, &app.key, &format!("/api/v2/contacts/{id}")).json(&json!({"attributes": full})).send().await.unwrap();
        let (_, message) = expect_error(response, 422).await;
        assert!(message.contains("at most 100 attributes"), "{message}");
        let response = app.get("/api/v2/contacts/ct_doesnotexist").send().await.unwrap();
        expect_error(response, 404).await;
        let response = app.get("/api/v2/contacts/export?format=xlsx").send().await.unwrap();
        let (_, message) = expect_error(response, 422).await;
        assert!(message.contains("json or csv"), "{message}");
    }

    async fn a_csv_import_keeps_good_rows_reports_bad_ones_and_the_export_guards_formulas(app) {
        let response = app.post("/api/v2/contacts").json(&json!({"email": "old@example.com", "name": "Old"})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let csv = "email,name,phone,plan,\n\
                   ana@example.com,Ana,+1 555 0100,pro,\n\
                   not-an-email,Bad,,,\n\
                   eve@example.com,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",,@SUM(A1),\n\
                   OLD@example.com,,,free,\n\
                   bob@example.com,Bob,call me,,\n";
        let response = import(&app, &app.key, "text/csv; charset=utf-8", csv).await;
        assert_eq!(response.status(), 200);
        let result: Value = response.json().await.unwrap();
        assert_eq!(result["object"], "import");
        assert_eq!(result["created"], 2);
        assert_eq!(result["updated"], 1);
        let errors = result["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0]["row"], 2);
        assert!(errors[0]["message"].as_str().unwrap().contains("email"));
        assert_eq!(errors[1]["row"], 5);
        assert!(errors[1]["message"].as_str().unwrap().contains("phone"));

        let old = get_json(&app, &app.key, "/api/v2/contacts?email=old@example.com").await;
        assert_eq!(old["data"][0]["name"], "Old", "an empty cell keeps the name");
        assert_eq!(old["data"][0]["attributes"], json!({"plan": "free"}));
        let eve = get_json(&app, &app.key, "/api/v2/contacts?email=eve@example.com").await;
        assert_eq!(eve["data"][0]["name"], "=HYPERLINK(\"http://evil.example\",\"click\")", "stored as given");

        let response = app.get("/api/v2/contacts/export?format=csv").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"contacts.csv\"");
        let exported = response.bytes().await.unwrap();
        let mut reader = csv::Reader::from_reader(exported.as_ref());
        assert_eq!(reader.headers().unwrap(), vec!["email", "name", "phone", "attributes"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        let cells = |email: &str| rows.iter().find(|r| &r[0] == email).unwrap().clone();
        let eve = cells("eve@example.com");
        assert_eq!(&eve[1], "'=HYPERLINK(\"http://evil.example\",\"click\")");
        assert_eq!(serde_json::from_str::<Value>(&eve[3]).unwrap(), json!({"plan": "@SUM(A1)"}));
        let ana = cells("ana@example.com");
        assert_eq!(&ana[2], "'+1 555 0100", "a phone starting with + is guarded too");
        assert_eq!(serde_json::from_str::<Value>(&ana[3]).unwrap(), json!({"plan": "pro"}));
        for row in &rows {
            for cell in row {
                assert!(!cell.starts_with(['=', '+', '-', '@']), "unguarded cell {cell:?}");
            }
        }

        // The export imports into another workspace as the same contacts.
        let elsewhere = app.key_with(None, &[Scope::ContactsRead, Scope::ContactsWrite]).await;
        let response = import(&app, &elsewhere, "text/csv", exported.clone()).await;
        assert_eq!(response.status(), 200);
        let result: Value = response.json().await.unwrap();
        assert_eq!((result["created"].as_u64(), result["errors"].as_array().unwrap().len()), (Some(3), 0), "{result}");
        let original = get_json(&app, &app.key, "/api/v2/contacts/export").await;
        let copy = get_json(&app, &elsewhere, "/api/v2/contacts/export").await;
        assert_eq!(comparable(&copy), comparable(&original));
        let response = import(&app, &elsewhere, "text/csv", exported).await;
        let again: Value = response.json().await.unwrap();
        assert_eq!((again["created"].as_u64(), again["updated"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(0), Some(3)));
    }

    async fn a_json_import_upserts_by_email_and_a_json_export_imports_again(app) {
        let body = json!([
            {"email": "ana@example.com", "name": "Ana", "attributes": {"plan": "pro"}},
            {"name": "No email"},
            {"email": "bo@example.com", "company": "Acme"},
            "not an object",
            {"email": "ANA@example.com", "phone": "555 0100"},
        ]);
        let response = import(&app, &app.key, "application/json", body.to_string()).await;
        assert_eq!(response.status(), 200);
        let result: Value = response.json().await.unwrap();
        assert_eq!(result["created"], 1);
        assert_eq!(result["updated"], 1, "a later row with the same email updates the earlier one");
        let rows: Vec<u64> = result["errors"].as_array().unwrap().iter().map(|e| e["row"].as_u64().unwrap()).collect();
        assert_eq!(rows, vec![2, 3, 4]);
        assert!(result["errors"][1]["message"].as_str().unwrap().contains("unknown field"));

        let exported = get_json(&app, &app.key, "/api/v2/contacts/export?format=json").await;
        assert_eq!(comparable(&exported), vec![json!({
            "email": "ana@example.com", "name": "Ana", "phone": "555 0100", "attributes": {"plan": "pro"}
        })]);
        let response = import(&app, &app.key, "application/json", exported.to_string()).await;
        let again: Value = response.json().await.unwrap();
        assert_eq!(again["unchanged"], 1, "{again}");
        assert_eq!(again["errors"], json!([]));

        let response = import(&app, &app.key, "application/json", r#"{"email": "a@example.com"}"#).await;
        let (_, message) = expect_error(response, 422).await;
        assert!(message.contains("JSON array"), "{message}");
        let response = import(&app, &app.key, "application/json", "[{").await;
        expect_error(response, 400).await;
        let response = import(&app, &app.key, "text/plain", "email\na@example.com\n").await;
        expect_error(response, 415).await;
        let response = import(&app, &app.key, "text/csv", "name,phone\nAna,1\n").await;
        let (_, message) = expect_error(response, 422).await;
        assert!(message.contains("email column"), "{message}");
    }

    async fn an_import_of_more_than_ten_thousand_contacts_is_refused_whole(app) {
        let mut csv = String::from("email\n");
        for i in 0..10_001 {
            csv.push_str(&format!("p{i}@example.com\n"));
        }
        let response = import(&app, &app.key, "text/csv", csv).await;
        let (_, message) = expect_error(response, 413).await;
        assert!(message.contains("10000"), "{message}");
        let rows: Vec<Value> = (0..10_001).map(|i| json!({"email": format!("p{i}@example.com")})).collect();
        let response = import(&app, &app.key, "application/json", Value::from(rows).to_string()).await;
        expect_error(response, 413).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM contacts WHERE workspace_id = $1", &app.workspace_id).await, 0);

        let mut csv = String::from("email,name\n");
        for i in 0..10_000 {
            csv.push_str(&format!("p{i}@example.com,P{i}\n"));
        }
        let response = import(&app, &app.key, "text/csv", csv).await;
        assert_eq!(response.status(), 200);
        let result: Value = response.json().await.unwrap();
        assert_eq!(result["created"], 10_000);
        assert_eq!(app.count("SELECT COUNT(*) FROM contacts WHERE workspace_id = $1", &app.workspace_id).await, 10_000);
    }
}
