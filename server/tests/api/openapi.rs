//! The OpenAPI document at `/api/openapi.json`: served without a key, equal to the committed
//! snapshot, valid OpenAPI 3.1 whose references all resolve, covering every route of the route
//! table, and with request examples that a real server accepts.

use std::collections::{BTreeMap, BTreeSet};

use parlor_server::config::Config;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, read_events, spawn_app};
use crate::on_both_backends;

/// The committed snapshot of the document.
const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

/// The route table, read as text: the drift guard compares it with the document.
const ROUTER: &str = include_str!("../../src/router.rs");

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn served_document(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_equals_the_committed_snapshot() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let document = served_document(&app).await;
    let text = format!("{}\n", serde_json::to_string_pretty(&document).unwrap());
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(std::path::Path::new(SNAPSHOT).parent().unwrap()).unwrap();
        std::fs::write(SNAPSHOT, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed == text,
        "GET /api/openapi.json differs from server/tests/snapshots/openapi.json. If the API change is \
         intended, rewrite the snapshot with `UPDATE_SNAPSHOTS=1 cargo test --release -p parlor-server --test api \
         openapi`, review its diff and commit it."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_needs_no_key_and_is_open_to_every_origin() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let response =
        app.client.get(app.url("/api/openapi.json")).header("origin", "https://docs.example.net").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

/// Every `$ref` value in the document.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => references(item, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// The operations of the document: path, method and the operation.
fn operations(document: &Value) -> Vec<(String, &'static str, &Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((path.clone(), method, operation));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let document = served_document(&app).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1."), "{}", document["openapi"]);
    assert!(document["info"]["title"].is_string() && document["info"]["version"].is_string());

    let mut refs = Vec::new();
    references(&document, &mut refs);
    assert!(refs.iter().any(|r| r == "#/components/schemas/Error"), "no operation uses the Error schema");
    for target in &refs {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target} is not a local reference"));
        assert!(document.pointer(pointer).is_some(), "{target} does not resolve");
    }

    let mut ids = BTreeSet::new();
    for (path, method, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        for field in ["summary", "description"] {
            let text = operation[field].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{method} {path} has no {field}");
        }
        assert_eq!(operation["tags"].as_array().map(Vec::len), Some(1), "{method} {path} needs one tag");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.keys().any(|status| status.starts_with('2')), "{method} {path} has no success response");
        let public = path.starts_with("/api/") && path != "/api/openapi.json";
        let expected = if public { serde_json::json!([{"ApiKey": []}]) } else { serde_json::json!([{}]) };
        assert_eq!(operation["security"], expected, "{method} {path}: a key on the public API only");
        if public || path.starts_with("/widget/") {
            assert!(responses.contains_key("500") && responses.contains_key("403"), "{method} {path}: errors");
        }
        if let Some(body) = operation["requestBody"]["content"].as_object() {
            for (media, content) in body {
                assert!(content.get("example").is_some(), "{method} {path} has no {media} example");
            }
        }
    }
    assert!(document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer");
}

/// The routes of `router.rs` under `/api`, `/widget/v1` and the health probes, with their
/// methods, read from the text of the route table.
fn routed_paths() -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut routes: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut rest = ROUTER;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let call = &rest[..end];
        let path = call.trim_start().strip_prefix('"').and_then(|p| p.split('"').next()).unwrap();
        let wanted =
            path.starts_with("/api/") || path.starts_with("/widget/v1/") || path == "/healthz" || path == "/readyz";
        if !wanted || path.contains("{*") {
            continue;
        }
        let methods: BTreeSet<&'static str> = METHODS
            .into_iter()
            .filter(|method| {
                call.match_indices(&format!("{method}(")).any(|(i, _)| {
                    call[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'))
                })
            })
            .collect();
        assert!(!methods.is_empty(), "no method found for {path} in router.rs");
        routes.entry(path.to_owned()).or_default().extend(methods);
    }
    routes
}

/// The names in a path's braces.
fn path_parameters(path: &str) -> BTreeSet<String> {
    path.split('{').skip(1).filter_map(|part| part.split('}').next()).map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_the_route_table_is_in_the_document_with_every_method() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let document = served_document(&app).await;
    let routes = routed_paths();
    assert!(routes.len() > 50, "the route table parser found only {} routes", routes.len());
    for (path, methods) in &routes {
        let item = &document["paths"][path];
        assert!(item.is_object(), "{path} is routed in router.rs but missing from the OpenAPI document");
        for method in methods {
            let operation = &item[*method];
            assert!(operation.is_object(), "{} {path} is routed but missing from the document", method.to_uppercase());
            let documented: BTreeSet<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(documented, path_parameters(path), "{} {path}: path parameters", method.to_uppercase());
        }
        let documented: BTreeSet<&str> = METHODS.into_iter().filter(|m| item.get(*m).is_some()).collect();
        let routed: BTreeSet<&str> = methods.iter().copied().collect();
        assert_eq!(documented, routed, "{path}: the document's methods differ from router.rs");
    }
    for path in document["paths"].as_object().unwrap().keys() {
        assert!(routes.contains_key(path), "{path} is in the document but not routed in router.rs");
    }
}

/// Lets the examples' URLs (webhook endpoints, crawls) point at this machine.
fn allow_loopback(config: &mut Config) {
    config.outbound_allow = "127.0.0.1/32".into();
}

/// The ids of the objects a test made, in place of the examples' ids.
#[derive(Default)]
struct Ids {
    chatbot: String,
    conversation: String,
    message: String,
    contact: String,
    key: String,
    webhook: String,
    source: String,
}

impl Ids {
    /// The example's text with the ids of real objects and URLs that reach this machine.
    fn substitute(&self, text: &str) -> String {
        text.replace("bot_4kQ2x9TbLm7Yw1Rz8HcD", &self.chatbot)
            .replace("conv_7PqR2sT9uV4wX1yZ3aBc", &self.conversation)
            .replace("msg_9aB3cD5eF7gH1iJ2kL4m", &self.message)
            .replace("https://hooks.example.com/parlor", "http://127.0.0.1:9/parlor")
            .replace("https://docs.example.com/sitemap.xml", "http://127.0.0.1:9/sitemap.xml")
    }

    /// The path with each parameter replaced by the id of the object it names.
    fn path(&self, path: &str) -> String {
        let mut out = path.replace("{conversation_id}", &self.conversation).replace("{message_id}", &self.message);
        let id = [
            ("/chatbots/{id}", &self.chatbot),
            ("/bots/{id}", &self.chatbot),
            ("/conversations/{id}", &self.conversation),
            ("/messages/{id}", &self.message),
            ("/contacts/{id}", &self.contact),
            ("/keys/{id}", &self.key),
            ("/webhooks/{id}", &self.webhook),
            ("/knowledge/{id}", &self.source),
        ]
        .into_iter()
        .find(|(part, _)| out.contains(part));
        if let Some((_, value)) = id {
            out = out.replace("{id}", value);
        }
        out
    }
}

/// Sends an operation's example for `media` and checks that the answer is one of the
/// operation's success statuses; returns the answer's body.
async fn send_example(app: &TestApp, ids: &Ids, path: &str, method: &str, operation: &Value, media: &str) -> String {
    let example = &operation["requestBody"]["content"][media]["example"];
    let body = match example {
        Value::String(text) if media != "application/json" => ids.substitute(text),
        other => ids.substitute(&other.to_string()),
    };
    let url = app.url(&ids.path(path));
    let request = match method {
        "post" => app.client.post(url),
        "patch" => app.client.patch(url),
        other => panic!("no example expected for {other}"),
    };
    let response = request.bearer_auth(&app.key).header("content-type", media).body(body.clone()).send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let documented = operation["responses"].as_object().unwrap();
    assert!(
        status.is_success() && documented.contains_key(status.as_str()),
        "{} {path} refused its own {media} example {body}: {status} {text}",
        method.to_uppercase()
    );
    text
}

on_both_backends! {
    configured by allow_loopback;

    async fn every_request_example_is_accepted_by_a_real_server(app) {
        let document = served_document(&app).await;
        let operation = |path: &str, method: &str| document["paths"][path][method].clone();
        let mut ids = Ids::default();
        let mut done = BTreeSet::new();

        // First the examples that make the objects the others name.
        let created = send_example(&app, &ids, "/api/v2/chatbots", "post", &operation("/api/v2/chatbots", "post"), "application/json").await;
        ids.chatbot = serde_json::from_str::<Value>(&created).unwrap()["id"].as_str().unwrap().to_owned();
        done.insert(("/api/v2/chatbots".to_owned(), "post"));

        let chat = "/api/v2/chatbots/{id}/chat";
        let url = app.url(&ids.path(chat));
        let example = operation(chat, "post")["requestBody"]["content"]["application/json"]["example"].clone();
        let response = app.client.post(url).bearer_auth(&app.key).json(&example).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        let events = read_events(response).await;
        let start: Value = serde_json::from_str(&events[0].data).unwrap();
        assert_eq!(events[0].event, "start");
        assert_eq!(events.last().unwrap().event, "done");
        ids.conversation = start["conversation_id"].as_str().unwrap().to_owned();
        ids.message = start["message_id"].as_str().unwrap().to_owned();
        done.insert((chat.to_owned(), "post"));

        for (path, field) in [("/api/v2/contacts", "contact"), ("/api/v2/keys", "key"), ("/api/v2/webhooks", "webhook"), ("/api/v2/knowledge", "source")] {
            let created = send_example(&app, &ids, path, "post", &operation(path, "post"), "application/json").await;
            let id = serde_json::from_str::<Value>(&created).unwrap()["id"].as_str().unwrap().to_owned();
            match field {
                "contact" => ids.contact = id,
                "key" => ids.key = id,
                "webhook" => ids.webhook = id,
                _ => ids.source = id,
            }
            done.insert((path.to_owned(), "post"));
        }

        // Then every other example, in the document's order.
        let mut sent = done.len();
        for (path, method, operation) in operations(&document) {
            let Some(content) = operation["requestBody"]["content"].as_object() else { continue };
            if done.contains(&(path.clone(), method)) {
                continue;
            }
            for media in content.keys().filter(|media| *media != "multipart/form-data") {
                send_example(&app, &ids, &path, method, operation, media).await;
                sent += 1;
            }
        }
        assert!(sent >= 20, "only {sent} examples were sent");
    }
}
