//! The OpenAPI document resolved for reading: its operations, parameters, bodies and responses,
//! and the calls that the samples make from them.

use serde_json::{Map, Value};

use super::samples::{Body, Call};

/// The placeholder for a chatbot id when the reader has no chatbot yet.
pub const CHATBOT_PLACEHOLDER: &str = "YOUR_CHATBOT_ID";

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    pub required: bool,
    pub kind: String,
    pub description: String,
}

/// One field of a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

/// One documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: String,
    pub description: String,
    /// The media types of its body, such as `application/json` or `text/event-stream`.
    pub content_types: Vec<String>,
}

/// One operation of the OpenAPI document, resolved for reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The first tag, or `Other`.
    pub tag: String,
    /// Upper case, such as `POST`.
    pub method: String,
    pub path: String,
    pub operation_id: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    /// The request body's media type, when there is a body.
    pub body_type: Option<String>,
    pub body_fields: Vec<Field>,
    /// The request body's example, as the document gives it.
    pub body_example: Option<Value>,
    pub responses: Vec<Response>,
    /// Whether the operation sends the API key (from its security requirement).
    pub authenticated: bool,
    /// Whether one of its answers is a server-sent event stream.
    pub streams: bool,
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Follows `$ref`s (`#/components/...`) until a value that is not one.
fn resolve<'a>(document: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#').and_then(|pointer| document.pointer(pointer)) {
                Some(target) => value = target,
                None => return value,
            },
            None => return value,
        }
    }
    value
}

/// A short description of a schema's type: `string`, `integer | null`, `array of Citation`.
fn type_label(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    for combiner in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(combiner).and_then(Value::as_array) {
            return options.iter().map(type_label).collect::<Vec<_>>().join(" | ");
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array)
        && let Some(first) = all.first()
    {
        return type_label(first);
    }
    let base = match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "any".to_owned(),
    };
    let base = match schema.get("items") {
        Some(items) if base.contains("array") => base.replace("array", &format!("array of {}", type_label(items))),
        _ => base,
    };
    match schema.get("enum").and_then(Value::as_array) {
        Some(values) => {
            let values: Vec<String> = values.iter().filter(|v| !v.is_null()).map(Value::to_string).collect();
            format!("{base}: {}", values.join(", "))
        }
        None => match schema.get("format").and_then(Value::as_str) {
            Some(format) if format != "binary" || base == "string" => format!("{base} ({format})"),
            _ => base,
        },
    }
}

/// The properties of an object schema (merging `allOf`), with whether each is required.
fn fields_of(document: &Value, schema: &Value) -> Vec<Field> {
    let schema = resolve(document, schema);
    let mut fields = Vec::new();
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            fields.extend(fields_of(document, part));
        }
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let described = resolve(document, property);
            fields.push(Field {
                name: name.clone(),
                kind: type_label(property),
                required: required.contains(&name.as_str()),
                description: text_of(property).or_else(|| text_of(described)).unwrap_or_default(),
            });
        }
    }
    fields
}

fn text_of(value: &Value) -> Option<String> {
    value.get("description").and_then(Value::as_str).map(str::to_owned)
}

/// Every operation of an OpenAPI 3.1 document, in the document's order of paths and methods.
pub fn operations(document: &Value) -> Vec<Operation> {
    let Some(paths) = document.get("paths").and_then(Value::as_object) else { return Vec::new() };
    let global_security = document.get("security");
    let mut out = Vec::new();
    for (path, item) in paths {
        let item = resolve(document, item);
        let shared_parameters = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            let mut parameters: Vec<Parameter> = Vec::new();
            let own = operation.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            for parameter in shared_parameters.iter().chain(own.iter()) {
                let parameter = resolve(document, parameter);
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                let location = parameter.get("in").and_then(Value::as_str).unwrap_or("query").to_owned();
                parameters.retain(|p| !(p.name == name && p.location == location));
                parameters.push(Parameter {
                    required: parameter.get("required").and_then(Value::as_bool).unwrap_or(location == "path"),
                    kind: parameter.get("schema").map_or_else(|| "string".to_owned(), type_label),
                    description: text_of(parameter).unwrap_or_default(),
                    name,
                    location,
                });
            }
            let body = operation.get("requestBody").map(|body| resolve(document, body));
            let content = body.and_then(|body| body.get("content")).and_then(Value::as_object);
            let (body_type, media) = match content {
                Some(content) => {
                    let chosen = content.get_key_value("application/json").or_else(|| content.iter().next());
                    (chosen.map(|(kind, _)| kind.clone()), chosen.map(|(_, media)| media))
                }
                None => (None, None),
            };
            let schema = media.and_then(|media| media.get("schema"));
            let body_example = media.and_then(|media| {
                media.get("example").cloned().or_else(|| {
                    media.get("examples").and_then(Value::as_object).and_then(|examples| {
                        examples.values().next().map(|e| resolve(document, e)).and_then(|e| e.get("value").cloned())
                    })
                })
            });
            let body_example =
                body_example.or_else(|| schema.map(|s| resolve(document, s)).and_then(|s| s.get("example").cloned()));
            let mut responses = Vec::new();
            if let Some(listed) = operation.get("responses").and_then(Value::as_object) {
                for (status, response) in listed {
                    let response = resolve(document, response);
                    responses.push(Response {
                        status: status.clone(),
                        description: text_of(response).unwrap_or_default(),
                        content_types: response
                            .get("content")
                            .and_then(Value::as_object)
                            .map(|c| c.keys().cloned().collect())
                            .unwrap_or_default(),
                    });
                }
            }
            let streams = responses.iter().any(|r| r.content_types.iter().any(|c| c == "text/event-stream"));
            let security = operation.get("security").or(global_security);
            let authenticated = match security.and_then(Value::as_array) {
                Some(requirements) => requirements.iter().any(|r| r.as_object().is_some_and(|r| !r.is_empty())),
                None => path.starts_with("/api/") && path != "/api/openapi.json",
            };
            out.push(Operation {
                tag: operation
                    .get("tags")
                    .and_then(Value::as_array)
                    .and_then(|tags| tags.first())
                    .and_then(Value::as_str)
                    .unwrap_or("Other")
                    .to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                operation_id: operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{method}-{path}"), str::to_owned),
                summary: operation.get("summary").and_then(Value::as_str).unwrap_or_default().to_owned(),
                description: text_of(operation).unwrap_or_default(),
                parameters,
                body_fields: schema.map(|s| fields_of(document, s)).unwrap_or_default(),
                body_type,
                body_example,
                responses,
                authenticated,
                streams,
            });
        }
    }
    out
}

/// The placeholder of a path parameter: the chatbot's id for a chatbot, `YOUR_<THING>_ID` otherwise.
fn path_value(path: &str, name: &str, chatbot_id: Option<&str>) -> String {
    let before = path.split(&format!("{{{name}}}")).next().unwrap_or_default();
    let parent = before.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    // The platform API (seed 003) calls chatbots bots.
    let is_chatbot = matches!(name, "chatbot_id" | "chatbotId" | "bot_id")
        || (name == "id" && matches!(parent, "chatbots" | "bots"));
    if is_chatbot {
        return chatbot_id.unwrap_or(CHATBOT_PLACEHOLDER).to_owned();
    }
    let thing = if name == "id" {
        let singular = parent
            .strip_suffix("ies")
            .map(|s| format!("{s}y"))
            .unwrap_or_else(|| parent.trim_end_matches('s').to_owned());
        format!("{singular}_id")
    } else {
        name.to_owned()
    };
    format!("YOUR_{}", thing.replace('-', "_").to_uppercase())
}

/// Puts the chatbot's id into every `chatbot_id` of a body example.
fn fill_chatbot_ids(value: &mut Value, chatbot_id: &str) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if matches!(key.as_str(), "chatbot_id" | "chatbotId") && field.is_string() {
                    *field = Value::from(chatbot_id);
                } else {
                    fill_chatbot_ids(field, chatbot_id);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| fill_chatbot_ids(item, chatbot_id)),
        _ => {}
    }
}

/// The call that an operation's samples make from `base_url`, with the reader's chatbot (or a
/// placeholder) in its path and body. Streaming operations ask for the stream.
pub fn call_for(operation: &Operation, base_url: &str, chatbot_id: Option<&str>) -> Call {
    let mut path = operation.path.clone();
    for parameter in operation.parameters.iter().filter(|p| p.location == "path") {
        path =
            path.replace(&format!("{{{}}}", parameter.name), &path_value(&operation.path, &parameter.name, chatbot_id));
    }
    let query: Vec<String> = operation
        .parameters
        .iter()
        .filter(|p| p.location == "query" && p.required)
        .map(|p| format!("{}=YOUR_{}", p.name, p.name.to_uppercase()))
        .collect();
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let chatbot = chatbot_id.unwrap_or(CHATBOT_PLACEHOLDER);
    let body = match (&operation.body_type, &operation.body_example) {
        (Some(kind), example) if kind.starts_with("multipart/") => {
            let example = example.as_ref().and_then(Value::as_object);
            Body::Multipart(
                operation
                    .body_fields
                    .iter()
                    .map(|field| {
                        let file = field.kind.contains("binary") || field.name == "file";
                        let value = match example.and_then(|e| e.get(&field.name)) {
                            // curl's `@file` notation is added by the curl sample itself.
                            Some(Value::String(text)) => text.trim_start_matches('@').to_owned(),
                            Some(other) => other.to_string(),
                            None if file => "handbook.pdf".to_owned(),
                            None if matches!(field.name.as_str(), "chatbot_id" | "chatbotId") => chatbot.to_owned(),
                            None => format!("YOUR_{}", field.name.to_uppercase()),
                        };
                        let value = if matches!(field.name.as_str(), "chatbot_id" | "chatbotId") {
                            chatbot.to_owned()
                        } else {
                            value
                        };
                        (field.name.clone(), value, file)
                    })
                    .collect(),
            )
        }
        (_, Some(example)) => {
            let mut example = example.clone();
            fill_chatbot_ids(&mut example, chatbot);
            if operation.streams
                && let Some(stream) = example.as_object_mut().and_then(|o| o.get_mut("stream"))
            {
                *stream = Value::Bool(true);
            }
            Body::Json(example)
        }
        (Some(_), None) => Body::Json(Value::Object(Map::new())),
        (None, None) => Body::None,
    };
    Call {
        method: operation.method.clone(),
        url: format!("{}{path}", base_url.trim_end_matches('/')),
        body,
        authenticated: operation.authenticated,
        streams: operation.streams,
    }
}

/// Where the platform API of seed 003 starts (`router.rs` routes it there).
pub const PLATFORM_API_BASE: &str = "/api/platform/v1";

/// The operations of the dialect whose paths start at `base`, in the document's order.
pub fn dialect_operations<'a>(operations: &'a [Operation], base: &'a str) -> impl Iterator<Item = &'a Operation> {
    operations.iter().filter(move |op| op.path.strip_prefix(base).is_some_and(|rest| rest.starts_with('/')))
}

/// The three commands of the quick start: create a chatbot, add a Q&A pair, chat without
/// streaming. Their bodies are the API's own request types, so they stay valid.
pub fn quick_start_calls(base_url: &str, chatbot_id: Option<&str>) -> [Call; 3] {
    use parlor_protocol::wire::{ChatRequest, CreateChatbot, CreateKnowledge};
    let base = base_url.trim_end_matches('/');
    let chatbot = chatbot_id.unwrap_or(CHATBOT_PLACEHOLDER);
    let json = |value: Result<Value, serde_json::Error>| Body::Json(value.unwrap_or(Value::Null));
    let create = CreateChatbot {
        name: "Support Assistant".to_owned(),
        website: Some("https://example.com".to_owned()),
        welcome_message: Some("Hi! How can I help?".to_owned()),
    };
    let knowledge = CreateKnowledge {
        chatbot_id: chatbot.to_owned(),
        kind: "qa".to_owned(),
        source: Some("What is your refund policy?".to_owned()),
        content: Some("You can ask for a full refund within 30 days of purchase.".to_owned()),
    };
    let chat = ChatRequest {
        message: "What is your refund policy?".to_owned(),
        conversation_id: None,
        visitor_id: None,
        language: None,
        stream: false,
    };
    let call =
        |url: String, body: Body| Call { method: "POST".to_owned(), url, body, authenticated: true, streams: false };
    [
        call(format!("{base}/api/v2/chatbots"), json(serde_json::to_value(create))),
        call(format!("{base}/api/knowledge"), json(serde_json::to_value(knowledge))),
        call(format!("{base}/api/v2/chatbots/{chatbot}/chat"), json(serde_json::to_value(chat))),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::docs::samples::{Language, sample};

    fn document() -> Value {
        json!({
            "openapi": "3.1.0",
            "paths": {
                "/api/v2/chatbots/{id}": {
                    "get": {
                        "operationId": "get_chatbot", "summary": "Read a chatbot", "tags": ["Chatbots"],
                        "parameters": [{ "$ref": "#/components/parameters/ChatbotId" }],
                        "responses": { "200": { "description": "The chatbot",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Chatbot" } } } } },
                        "security": [{ "ApiKey": [] }]
                    }
                },
                "/api/v2/chatbots": {
                    "post": {
                        "operationId": "create_chatbot", "summary": "Create a chatbot", "tags": ["Chatbots"],
                        "requestBody": { "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/CreateChatbot" },
                            "example": { "name": "It's my bot", "website": null, "starter": [true] } } } },
                        "responses": { "201": { "description": "Created" } },
                        "security": [{ "ApiKey": [] }]
                    }
                },
                "/api/v2/chatbots/{id}/chat": {
                    "post": {
                        "operationId": "chat", "summary": "Chat", "tags": ["Chat"],
                        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                        "requestBody": { "content": { "application/json": {
                            "example": { "message": "Hello", "stream": false } } } },
                        "responses": { "200": { "description": "The answer", "content": {
                            "application/json": {}, "text/event-stream": {} } } },
                        "security": [{ "ApiKey": [] }]
                    }
                },
                "/widget/v1/chatbots/{id}": {
                    "get": { "operationId": "widget_config", "tags": ["Widget"], "security": [],
                        "parameters": [{ "name": "id", "in": "path", "required": true }],
                        "responses": { "200": { "description": "Config" } } }
                },
                "/api/v2/conversations/{id}/messages/{message_id}": {
                    "get": { "operationId": "get_message", "tags": ["Conversations"],
                        "parameters": [{ "name": "id", "in": "path" }, { "name": "message_id", "in": "path" }],
                        "responses": { "200": { "description": "A message" } } }
                }
            },
            "components": {
                "parameters": { "ChatbotId": { "name": "id", "in": "path", "required": true,
                    "description": "The chatbot's id.", "schema": { "type": "string" } } },
                "schemas": {
                    "CreateChatbot": { "type": "object", "required": ["name"], "properties": {
                        "name": { "type": "string", "description": "Shown to visitors." },
                        "website": { "type": ["string", "null"] },
                        "tags": { "type": "array", "items": { "$ref": "#/components/schemas/Tag" } } } },
                    "Chatbot": { "type": "object" },
                    "Tag": { "type": "string" }
                }
            }
        })
    }

    fn operation(id: &str) -> Operation {
        operations(&document()).into_iter().find(|op| op.operation_id == id).unwrap()
    }

    fn samples(id: &str, chatbot: Option<&str>) -> Vec<(Language, String)> {
        let call = call_for(&operation(id), "https://parlor.example/", chatbot);
        Language::ALL.iter().map(|&language| (language, sample(language, &call))).collect()
    }

    #[test]
    fn operations_resolve_references_to_parameters_and_body_schemas() {
        let get = operation("get_chatbot");
        assert_eq!(
            (get.method.as_str(), get.path.as_str(), get.tag.as_str()),
            ("GET", "/api/v2/chatbots/{id}", "Chatbots")
        );
        assert_eq!(get.parameters[0].description, "The chatbot's id.");
        assert!(get.authenticated && !get.streams);
        let create = operation("create_chatbot");
        let names: Vec<(&str, &str, bool)> =
            create.body_fields.iter().map(|f| (f.name.as_str(), f.kind.as_str(), f.required)).collect();
        assert!(names.contains(&("name", "string", true)));
        assert!(names.contains(&("website", "string | null", false)));
        assert!(names.contains(&("tags", "array of Tag", false)));
        assert_eq!(create.body_fields.iter().find(|f| f.name == "name").unwrap().description, "Shown to visitors.");
        assert!(operation("chat").streams);
        assert!(!operation("widget_config").authenticated, "an empty security list means no key");
    }

    #[test]
    fn samples_for_a_get_with_a_path_parameter_use_the_readers_chatbot_and_the_key_placeholder() {
        for (language, code) in samples("get_chatbot", Some("bot_123")) {
            assert!(code.contains("https://parlor.example/api/v2/chatbots/bot_123"), "{language:?}: {code}");
            assert!(code.contains("YOUR_API_KEY"), "{language:?}: {code}");
            assert!(!code.contains("{id}"), "{language:?}: {code}");
        }
        let by_language: Vec<String> = samples("get_chatbot", None).into_iter().map(|(_, code)| code).collect();
        assert_eq!(
            by_language[0],
            "curl 'https://parlor.example/api/v2/chatbots/YOUR_CHATBOT_ID' \\\n  -H 'Authorization: Bearer YOUR_API_KEY'"
        );
        assert!(by_language[1].contains("await fetch(\"https://parlor.example/api/v2/chatbots/YOUR_CHATBOT_ID\""));
        assert!(by_language[1].contains("method: \"GET\""));
        assert!(
            by_language[2].contains("requests.get(\n    \"https://parlor.example/api/v2/chatbots/YOUR_CHATBOT_ID\"")
        );
        assert!(by_language[3].contains(".get(\"https://parlor.example/api/v2/chatbots/YOUR_CHATBOT_ID\")"));
        assert!(by_language[3].contains(".bearer_auth(\"YOUR_API_KEY\")"));
    }

    #[test]
    fn path_parameters_other_than_a_chatbot_get_named_placeholders_and_the_widget_sends_no_key() {
        let call = call_for(&operation("get_message"), "http://localhost:3000", Some("bot_1"));
        assert_eq!(
            call.url,
            "http://localhost:3000/api/v2/conversations/YOUR_CONVERSATION_ID/messages/YOUR_MESSAGE_ID"
        );
        let widget = sample(Language::Curl, &call_for(&operation("widget_config"), "http://h", Some("bot_1")));
        assert_eq!(widget, "curl 'http://h/widget/v1/chatbots/bot_1'");
    }

    #[test]
    fn samples_for_a_post_send_the_json_example_in_each_language() {
        let all = samples("create_chatbot", None);
        let curl = &all[0].1;
        assert!(curl.starts_with("curl -X POST 'https://parlor.example/api/v2/chatbots' \\\n"), "{curl}");
        assert!(curl.contains("-H 'Content-Type: application/json'"));
        // The apostrophe in the example survives shell quoting.
        assert!(curl.contains(r#""name": "It'\''s my bot""#), "{curl}");
        let javascript = &all[1].1;
        assert!(javascript.contains("method: \"POST\""));
        assert!(javascript.contains("body: JSON.stringify({\n    \"name\": \"It's my bot\""), "{javascript}");
        assert!(javascript.contains("await response.json()"));
        let python = &all[2].1;
        assert!(python.contains("requests.post("), "{python}");
        assert!(python.contains("json={\n        \"name\": \"It's my bot\",\n"), "{python}");
        assert!(python.contains("        \"website\": None,\n"), "JSON null is Python's None: {python}");
        assert!(python.contains("True"), "JSON true is Python's True: {python}");
        let rust = &all[3].1;
        assert!(rust.contains(".post(\"https://parlor.example/api/v2/chatbots\")"), "{rust}");
        assert!(rust.contains(".json(&serde_json::json!({"), "{rust}");
        assert!(rust.contains("\"website\": null"), "{rust}");
        assert!(rust.contains("#[tokio::main]"));
    }

    #[test]
    fn chat_samples_ask_for_the_event_stream_and_print_each_delta() {
        let all = samples("chat", Some("bot_9"));
        for (language, code) in &all {
            assert!(code.contains("https://parlor.example/api/v2/chatbots/bot_9/chat"), "{language:?}");
            assert!(code.contains("\"stream\": true") || code.contains("\"stream\": True"), "{language:?}: {code}");
        }
        assert!(all[0].1.starts_with("curl -N -X POST"), "curl does not buffer the stream");
        let javascript = &all[1].1;
        assert!(javascript.contains("response.body.pipeThrough(new TextDecoderStream()).getReader()"));
        assert!(javascript.contains("if (event === \"delta\") console.log(JSON.parse(data).text);"));
        let python = &all[2].1;
        assert!(python.contains("stream=True"), "{python}");
        assert!(python.contains("response.iter_lines(decode_unicode=True)"));
        assert!(python.contains("event == \"delta\""));
        assert!(python.starts_with("import json\nimport requests\n"));
        let rust = &all[3].1;
        assert!(rust.contains("response.bytes_stream()"));
        assert!(rust.contains("\"delta\" => print!"));
        assert!(rust.contains("use futures_util::StreamExt;"));
    }

    #[test]
    fn upload_samples_send_a_multipart_form_with_the_file() {
        let operation = Operation {
            tag: "Knowledge".into(),
            method: "POST".into(),
            path: "/api/v2/knowledge/upload".into(),
            operation_id: "upload".into(),
            summary: String::new(),
            description: String::new(),
            parameters: Vec::new(),
            body_type: Some("multipart/form-data".into()),
            body_fields: vec![
                Field { name: "chatbot_id".into(), kind: "string".into(), required: true, description: String::new() },
                Field {
                    name: "file".into(),
                    kind: "string (binary)".into(),
                    required: true,
                    description: String::new(),
                },
            ],
            body_example: Some(json!({"chatbot_id": "bot_x", "file": "@handbook.pdf"})),
            responses: Vec::new(),
            authenticated: true,
            streams: false,
        };
        let call = call_for(&operation, "http://h", Some("bot_5"));
        let curl = sample(Language::Curl, &call);
        assert!(curl.contains("-F 'chatbot_id=bot_5'") && curl.contains("-F 'file=@handbook.pdf'"), "{curl}");
        assert!(sample(Language::JavaScript, &call).contains("form.append(\"file\", file, \"handbook.pdf\")"));
        assert!(sample(Language::Python, &call).contains("files={\"file\": open(\"handbook.pdf\", \"rb\")}"));
        assert!(sample(Language::Rust, &call).contains(".multipart(form)"));
    }

    #[test]
    fn quick_start_commands_are_curl_commands_with_the_chatbot_filled_in() {
        let [create, knowledge, chat] = quick_start_calls("http://localhost:3000/", Some("bot_7"));
        let create = sample(Language::Curl, &create);
        assert!(create.starts_with("curl -X POST 'http://localhost:3000/api/v2/chatbots'"), "{create}");
        let knowledge = sample(Language::Curl, &knowledge);
        assert!(knowledge.contains("\"chatbot_id\": \"bot_7\""), "{knowledge}");
        assert!(knowledge.contains("\"type\": \"qa\""), "{knowledge}");
        let chat = sample(Language::Curl, &chat);
        assert!(chat.contains("/api/v2/chatbots/bot_7/chat"));
        assert!(chat.contains("\"stream\": false"), "{chat}");
        let [_, without, _] = quick_start_calls("http://h", None);
        assert!(sample(Language::Curl, &without).contains(CHATBOT_PLACEHOLDER));
    }
}
