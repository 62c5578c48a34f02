//! The developer docs' content, generated from Parlor's own definitions so that it cannot drift
//! from the code: the operations of the OpenAPI document with code samples in four languages,
//! the error catalogue, the scopes, the webhook signature guide, and the changelog parsed from
//! CHANGELOG.md. No HTTP and no portal code here: the portal renders what these functions return.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::keys::Scope;

/// The placeholder that samples show instead of an API key (keys are shown only once).
pub const KEY_PLACEHOLDER: &str = "YOUR_API_KEY";
/// The placeholder for a chatbot id when the reader has no chatbot yet.
pub const CHATBOT_PLACEHOLDER: &str = "YOUR_CHATBOT_ID";

/// A language that code samples are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Curl,
    JavaScript,
    Python,
    Rust,
}

impl Language {
    /// Every language, in the order the docs show them.
    pub const ALL: [Language; 4] = [Language::Curl, Language::JavaScript, Language::Python, Language::Rust];

    /// A short stable name, for ids and CSS classes.
    pub fn id(self) -> &'static str {
        match self {
            Language::Curl => "curl",
            Language::JavaScript => "javascript",
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }

    /// The name readers know.
    pub fn label(self) -> &'static str {
        match self {
            Language::Curl => "curl",
            Language::JavaScript => "JavaScript (fetch)",
            Language::Python => "Python (requests)",
            Language::Rust => "Rust (reqwest)",
        }
    }
}

/// What a request sends as its body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    /// A JSON document.
    Json(Value),
    /// A multipart form: text fields and file fields (`true`: a file, the value is its name).
    Multipart(Vec<(String, String, bool)>),
}

/// One API call, with every placeholder already chosen, from which samples are written.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    /// The full URL, with path parameters and query filled in.
    pub url: String,
    pub body: Body,
    /// Whether the call sends the API key.
    pub authenticated: bool,
    /// Whether the answer is a server-sent event stream whose `delta` events the sample prints.
    pub streams: bool,
}

/// The sample of `call` in `language`: a complete program (or shell command) to paste and run.
pub fn sample(language: Language, call: &Call) -> String {
    match language {
        Language::Curl => curl(call),
        Language::JavaScript => javascript(call),
        Language::Python => python(call),
        Language::Rust => rust(call),
    }
}

/// A string in single quotes for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .enumerate()
        .map(|(i, line)| if i == 0 { line.to_owned() } else { format!("{pad}{line}") })
        .collect::<Vec<_>>()
        .join("\n")
}

fn curl(call: &Call) -> String {
    let mut parts = vec![match (call.method.as_str(), call.streams) {
        ("GET", false) => format!("curl {}", shell_quote(&call.url)),
        ("GET", true) => format!("curl -N {}", shell_quote(&call.url)),
        (method, false) => format!("curl -X {method} {}", shell_quote(&call.url)),
        (method, true) => format!("curl -N -X {method} {}", shell_quote(&call.url)),
    }];
    if call.authenticated {
        parts.push(format!("-H {}", shell_quote(&format!("Authorization: Bearer {KEY_PLACEHOLDER}"))));
    }
    match &call.body {
        Body::None => {}
        Body::Json(value) => {
            parts.push("-H 'Content-Type: application/json'".to_owned());
            parts.push(format!("-d {}", shell_quote(&pretty(value))));
        }
        Body::Multipart(fields) => {
            for (name, value, file) in fields {
                let value = if *file { format!("@{value}") } else { value.clone() };
                parts.push(format!("-F {}", shell_quote(&format!("{name}={value}"))));
            }
        }
    }
    parts.join(" \\\n  ")
}

/// A JSON string as a JavaScript, Python or Rust string literal (JSON's escapes are valid in all three).
fn string_literal(text: &str) -> String {
    Value::from(text).to_string()
}

fn javascript(call: &Call) -> String {
    let mut headers = Vec::new();
    if call.authenticated {
        headers.push(format!("\"Authorization\": \"Bearer {KEY_PLACEHOLDER}\""));
    }
    let body = match &call.body {
        Body::None => None,
        Body::Json(value) => {
            headers.push("\"Content-Type\": \"application/json\"".to_owned());
            Some(format!("JSON.stringify({})", indent(&pretty(value), 2)))
        }
        Body::Multipart(_) => Some("form".to_owned()),
    };
    let mut out = String::new();
    if let Body::Multipart(fields) = &call.body {
        out.push_str("const form = new FormData();\n");
        for (name, value, file) in fields {
            if *file {
                out.push_str(&format!(
                    "// The file, such as one chosen in an <input type=\"file\">.\nconst file = document.querySelector('input[type=\"file\"]').files[0];\nform.append({}, file, {});\n",
                    string_literal(name),
                    string_literal(value)
                ));
            } else {
                out.push_str(&format!("form.append({}, {});\n", string_literal(name), string_literal(value)));
            }
        }
        out.push('\n');
    }
    out.push_str(&format!("const response = await fetch({}, {{\n", string_literal(&call.url)));
    out.push_str(&format!("  method: {},\n", string_literal(&call.method)));
    if !headers.is_empty() {
        out.push_str(&format!("  headers: {{\n    {},\n  }},\n", headers.join(",\n    ")));
    }
    if let Some(body) = body {
        out.push_str(&format!("  body: {body},\n"));
    }
    out.push_str("});\n");
    if call.streams {
        out.push_str(concat!(
            "if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);\n",
            "\n",
            "// Server-sent events: blocks separated by a blank line, with `event:` and `data:` lines.\n",
            "const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();\n",
            "let buffer = \"\";\n",
            "for (;;) {\n",
            "  const { value, done } = await reader.read();\n",
            "  if (done) break;\n",
            "  buffer += value.replaceAll(\"\\r\\n\", \"\\n\");\n",
            "  let end;\n",
            "  while ((end = buffer.indexOf(\"\\n\\n\")) !== -1) {\n",
            "    const block = buffer.slice(0, end);\n",
            "    buffer = buffer.slice(end + 2);\n",
            "    const event = block.match(/^event: ?(.*)$/m)?.[1];\n",
            "    const data = block.match(/^data: ?(.*)$/m)?.[1];\n",
            "    if (event === \"delta\") console.log(JSON.parse(data).text);\n",
            "    if (event === \"error\") throw new Error(JSON.parse(data).message);\n",
            "  }\n",
            "}\n",
        ));
    } else {
        out.push_str(concat!(
            "if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);\n",
            "console.log(response.status === 204 ? \"done\" : await response.json());\n",
        ));
    }
    out
}

/// A JSON value as a Python literal.
fn python_literal(value: &Value, depth: usize) -> String {
    let pad = "    ".repeat(depth + 1);
    let close = "    ".repeat(depth);
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_literal(s),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|v| format!("{pad}{},", python_literal(v, depth + 1))).collect();
            format!("[\n{}\n{close}]", inner.join("\n"))
        }
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{pad}{}: {},", string_literal(k), python_literal(v, depth + 1)))
                .collect();
            format!("{{\n{}\n{close}}}", inner.join("\n"))
        }
    }
}

fn python(call: &Call) -> String {
    let mut imports = vec!["import requests"];
    if call.streams {
        imports.insert(0, "import json");
    }
    let mut args = vec![string_literal(&call.url)];
    if call.authenticated {
        args.push(format!("headers={{\"Authorization\": \"Bearer {KEY_PLACEHOLDER}\"}}"));
    }
    match &call.body {
        Body::None => {}
        Body::Json(value) => args.push(format!("json={}", python_literal(value, 1))),
        Body::Multipart(fields) => {
            let files: Vec<String> = fields
                .iter()
                .filter(|(_, _, file)| *file)
                .map(|(name, value, _)| format!("{}: open({}, \"rb\")", string_literal(name), string_literal(value)))
                .collect();
            let data: Vec<String> = fields
                .iter()
                .filter(|(_, _, file)| !*file)
                .map(|(name, value, _)| format!("{}: {}", string_literal(name), string_literal(value)))
                .collect();
            if !data.is_empty() {
                args.push(format!("data={{{}}}", data.join(", ")));
            }
            if !files.is_empty() {
                args.push(format!("files={{{}}}", files.join(", ")));
            }
        }
    }
    if call.streams {
        args.push("stream=True".to_owned());
    }
    let function = call.method.to_lowercase();
    let request = format!("requests.{function}(\n    {},\n)", args.join(",\n    "));
    let mut out = format!("{}\n\n", imports.join("\n"));
    if call.streams {
        out.push_str(&format!("with {} as response:\n", indent(&request, 4).trim_end()));
        out.push_str(concat!(
            "    response.raise_for_status()\n",
            "    event = None\n",
            "    # Server-sent events: `event:` and `data:` lines, a blank line after each event.\n",
            "    for line in response.iter_lines(decode_unicode=True):\n",
            "        if line.startswith(\"event:\"):\n",
            "            event = line[len(\"event:\"):].strip()\n",
            "        elif line.startswith(\"data:\") and event == \"delta\":\n",
            "            print(json.loads(line[len(\"data:\"):])[\"text\"], end=\"\", flush=True)\n",
            "        elif line.startswith(\"data:\") and event == \"error\":\n",
            "            raise RuntimeError(json.loads(line[len(\"data:\"):])[\"message\"])\n",
            "print()\n",
        ));
    } else {
        out.push_str(&format!("response = {request}\n"));
        out.push_str("response.raise_for_status()\n");
        out.push_str("print(response.json() if response.status_code != 204 else \"done\")\n");
    }
    out
}

fn rust(call: &Call) -> String {
    let method = call.method.to_lowercase();
    let mut builder = vec![format!("client\n        .{method}({})", string_literal(&call.url))];
    if call.authenticated {
        builder.push(format!(".bearer_auth(\"{KEY_PLACEHOLDER}\")"));
    }
    let mut prelude = String::new();
    match &call.body {
        Body::None => {}
        Body::Json(value) => builder.push(format!(".json(&serde_json::json!({}))", indent(&pretty(value), 8))),
        Body::Multipart(fields) => {
            prelude.push_str("    let form = reqwest::multipart::Form::new()");
            for (name, value, file) in fields {
                if *file {
                    prelude.push_str(&format!(
                        "\n        .part({}, reqwest::multipart::Part::bytes(std::fs::read({})?).file_name({}))",
                        string_literal(name),
                        string_literal(value),
                        string_literal(value)
                    ));
                } else {
                    prelude.push_str(&format!("\n        .text({}, {})", string_literal(name), string_literal(value)));
                }
            }
            prelude.push_str(";\n");
            builder.push(".multipart(form)".to_owned());
        }
    }
    builder.extend([".send()".to_owned(), ".await?".to_owned(), ".error_for_status()?;".to_owned()]);
    let request = builder.join("\n        ");
    let mut out = String::new();
    if call.streams {
        out.push_str(
            "// Cargo.toml: reqwest (features \"json\", \"stream\"), serde_json, futures-util, tokio (\"full\")\n",
        );
        out.push_str("use futures_util::StreamExt;\n\n");
    } else if matches!(call.body, Body::Multipart(_)) {
        out.push_str("// Cargo.toml: reqwest (features \"json\", \"multipart\"), serde_json, tokio (\"full\")\n");
    } else {
        out.push_str("// Cargo.toml: reqwest (feature \"json\"), serde_json, tokio (\"full\")\n");
    }
    out.push_str("#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {\n");
    out.push_str("    let client = reqwest::Client::new();\n");
    out.push_str(&prelude);
    out.push_str(&format!("    let response = {request}\n"));
    if call.streams {
        out.push_str(concat!(
            "    // Server-sent events: `event:` and `data:` lines, a blank line after each event.\n",
            "    let mut stream = response.bytes_stream();\n",
            "    let mut buffer: Vec<u8> = Vec::new();\n",
            "    let mut event = String::new();\n",
            "    while let Some(chunk) = stream.next().await {\n",
            "        buffer.extend_from_slice(&chunk?);\n",
            "        while let Some(end) = buffer.iter().position(|&b| b == b'\\n') {\n",
            "            let line: Vec<u8> = buffer.drain(..=end).collect();\n",
            "            let line = String::from_utf8_lossy(&line);\n",
            "            let line = line.trim_end_matches(['\\r', '\\n']);\n",
            "            if let Some(name) = line.strip_prefix(\"event:\") {\n",
            "                event = name.trim().to_owned();\n",
            "            } else if let Some(data) = line.strip_prefix(\"data:\") {\n",
            "                let data: serde_json::Value = serde_json::from_str(data.trim())?;\n",
            "                match event.as_str() {\n",
            "                    \"delta\" => print!(\"{}\", data[\"text\"].as_str().unwrap_or_default()),\n",
            "                    \"error\" => return Err(data[\"message\"].to_string().into()),\n",
            "                    _ => {}\n",
            "                }\n",
            "            }\n",
            "        }\n",
            "    }\n",
            "    println!();\n",
        ));
    } else {
        out.push_str(concat!(
            "    if response.status() == reqwest::StatusCode::NO_CONTENT {\n",
            "        println!(\"done\");\n",
            "    } else {\n",
            "        let body: serde_json::Value = response.json().await?;\n",
            "        println!(\"{body:#}\");\n",
            "    }\n",
        ));
    }
    out.push_str("    Ok(())\n}\n");
    out
}

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
    let is_chatbot = matches!(name, "chatbot_id" | "chatbotId") || (name == "id" && parent == "chatbots");
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

/// One API error code, as the errors guide lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub status: u16,
    pub code: &'static str,
    pub meaning: &'static str,
}

/// Every error code the API answers with. A unit test ties this list to [`crate::Error`]'s
/// variants and to every `unauthorized`/`forbidden` code in the server's sources.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode {
        status: 400,
        code: "BAD_REQUEST",
        meaning: "The request is malformed, such as JSON that does not parse or a query that does not fit.",
    },
    ErrorCode { status: 401, code: "MISSING_API_KEY", meaning: "No API key: send `Authorization: Bearer <key>`." },
    ErrorCode {
        status: 401,
        code: "MALFORMED_API_KEY",
        meaning: "The Authorization header or the key is not well-formed (its checksum catches typos).",
    },
    ErrorCode { status: 401, code: "INVALID_API_KEY", meaning: "No such key." },
    ErrorCode {
        status: 401,
        code: "REVOKED_API_KEY",
        meaning: "The key was revoked (or rolled, and its overlap is over).",
    },
    ErrorCode { status: 401, code: "EXPIRED_API_KEY", meaning: "The key's expiry time has passed." },
    ErrorCode {
        status: 403,
        code: "MISSING_SCOPE",
        meaning: "The key does not hold the scope this endpoint needs; the message names it.",
    },
    ErrorCode {
        status: 403,
        code: crate::error::ORIGIN_NOT_ALLOWED,
        meaning: "The request's `Origin` is not one the key (or the chatbot's widget) allows.",
    },
    ErrorCode {
        status: 403,
        code: crate::identity::IDENTITY_NOT_VERIFIED,
        meaning: "A visitor identity's hash does not match the chatbot's identity secret.",
    },
    ErrorCode {
        status: 404,
        code: "NOT_FOUND",
        meaning: "No such resource in your workspace (another workspace's resources look the same).",
    },
    ErrorCode {
        status: 405,
        code: "METHOD_NOT_ALLOWED",
        meaning: "The path exists but not with this HTTP method; `Allow` lists the methods.",
    },
    ErrorCode { status: 409, code: "CONFLICT", meaning: "The request conflicts with the resource's current state." },
    ErrorCode {
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
        meaning: "The body (or the uploaded file) is larger than allowed.",
    },
    ErrorCode {
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        meaning: "The body's content type (or the file's format) is not accepted here.",
    },
    ErrorCode {
        status: 422,
        code: "VALIDATION_FAILED",
        meaning: "The request is well-formed but a value is not acceptable; the message says which.",
    },
    ErrorCode { status: 429, code: "RATE_LIMITED", meaning: "A rate limit was reached; wait `Retry-After` seconds." },
    ErrorCode {
        status: 500,
        code: "INTERNAL",
        meaning: "Parlor failed; the request id finds the cause in the server's log.",
    },
];

/// Codes of the portal's sign-in and team pages, which the API never sends.
pub const PORTAL_ONLY_CODES: &[&str] = &["INVALID_CREDENTIALS", "OWNER_ONLY"];

/// What a scope allows, as the authentication guide lists it.
pub fn scope_description(scope: Scope) -> &'static str {
    match scope {
        Scope::ChatbotsRead => "List and read chatbots and their settings.",
        Scope::ChatbotsWrite => "Create, change and delete chatbots, and manage their identity secrets.",
        Scope::ChatWrite => "Send chat messages and read or stop answers (the only scope of publishable keys).",
        Scope::ConversationsRead => "List and read conversations and their messages, and export them.",
        Scope::ConversationsWrite => "Reply as an agent, end, tag and delete conversations.",
        Scope::KnowledgeRead => "List knowledge sources, their pages and their progress.",
        Scope::KnowledgeWrite => "Add, refresh and delete knowledge: Q&A pairs, texts, pages, crawls and uploads.",
        Scope::LeadsRead => "List and export leads.",
        Scope::ContactsRead => "List and read contacts.",
        Scope::ContactsWrite => "Create, change, import and delete contacts.",
        Scope::WebhooksRead => "List webhook endpoints, events and deliveries.",
        Scope::WebhooksWrite => "Create, change, test, rotate and delete webhook endpoints, and redeliver events.",
        Scope::UsageRead => "Read usage reports.",
        Scope::KeysWrite => "Create, list, roll and revoke API keys (never with more scopes than the key itself).",
    }
}

/// A delivery signed with a made-up secret, computed by [`crate::webhooks::signing`], so
/// readers can check their verification code against it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedExample {
    pub secret: String,
    pub id: String,
    pub timestamp: i64,
    pub body: String,
    /// The `webhook-signature` header.
    pub standard: String,
    /// The `X-Parlor-Signature` header.
    pub simple: String,
}

/// The worked example of the webhook verification guide.
pub fn signed_example() -> SignedExample {
    use crate::webhooks::{events, signing};
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
    let id = "wdl_2mC8pQz7Hd2kLm".to_owned();
    let timestamp = 1_776_004_200;
    let body = events::body(events::PING, "2026-04-12T14:30:00Z", &events::example_data(events::PING), false);
    let body = body.to_string();
    SignedExample {
        standard: signing::standard_signature(&[&secret], &id, timestamp, body.as_bytes()),
        simple: signing::simple_signature(&[&secret], body.as_bytes()),
        secret,
        id,
        timestamp,
        body,
    }
}

/// Receivers' code that verifies a delivery's Standard Webhooks signature, per language (curl
/// has none).
pub fn verification_snippets() -> Vec<(Language, &'static str)> {
    vec![(Language::JavaScript, VERIFY_JS), (Language::Python, VERIFY_PYTHON), (Language::Rust, VERIFY_RUST)]
}

const VERIFY_JS: &str = r#"import crypto from "node:crypto";

// `rawBody`: the request body exactly as received (a string or Buffer, before JSON parsing).
export function verifyParlorWebhook(rawBody, headers, secret, toleranceSeconds = 300) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = crypto.createHmac("sha256", key).update(`${id}.${timestamp}.`).update(rawBody).digest();
  // During a secret rotation the header holds one `v1,<signature>` per secret.
  return headers["webhook-signature"].split(" ").some((entry) => {
    if (!entry.startsWith("v1,")) return false;
    const given = Buffer.from(entry.slice(3), "base64");
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

// The simpler header: the hex HMAC-SHA256 of the body, keyed by the whole secret string.
export function verifyParlorSignature(rawBody, header, secret) {
  const expected = Buffer.from(crypto.createHmac("sha256", secret).update(rawBody).digest("hex"));
  return header.split(",").some((value) => {
    const given = Buffer.from(value.trim());
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}
"#;

const VERIFY_PYTHON: &str = r#"import base64
import hashlib
import hmac
import time


def verify_parlor_webhook(raw_body: bytes, headers, secret: str, tolerance_seconds: int = 300) -> bool:
    """`raw_body`: the request body exactly as received, before JSON parsing."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_seconds:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # During a secret rotation the header holds one `v1,<signature>` per secret.
    return any(
        hmac.compare_digest(entry[3:], expected)
        for entry in headers["webhook-signature"].split(" ")
        if entry.startswith("v1,")
    )


def verify_parlor_signature(raw_body: bytes, header: str, secret: str) -> bool:
    """The simpler header: the hex HMAC-SHA256 of the body, keyed by the whole secret string."""
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(value.strip(), expected) for value in header.split(","))
"#;

const VERIFY_RUST: &str = r#"// Cargo.toml: hmac, sha2, base64
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `raw_body`: the request body exactly as received; `now`: Unix seconds.
fn verify_parlor_webhook(raw_body: &[u8], id: &str, timestamp: &str, signatures: &str, secret: &str, now: i64) -> bool {
    let Ok(sent) = timestamp.parse::<i64>() else { return false };
    if (now - sent).abs() > 300 {
        return false;
    }
    let Ok(key) = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)) else { return false };
    // During a secret rotation the header holds one `v1,<signature>` per secret.
    signatures.split(' ').filter_map(|entry| entry.strip_prefix("v1,")).any(|signature| {
        let Ok(given) = STANDARD.decode(signature) else { return false };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return false };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(raw_body);
        // verify_slice compares in constant time.
        mac.verify_slice(&given).is_ok()
    })
}
"#;

/// One release in the changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// `Unreleased` or a version number such as `0.2.0`.
    pub name: String,
    /// `YYYY-MM-DD`, when released.
    pub date: Option<String>,
    /// An HTML id for links to it.
    pub anchor: String,
    pub sections: Vec<Section>,
}

/// A group of changes: `Added`, `Changed`, `Fixed`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Each item as safe HTML: text escaped, no raw HTML, links to http(s) only.
    pub items: Vec<String>,
}

/// The changelog of this build, parsed once from CHANGELOG.md.
pub fn changelog() -> &'static [Version] {
    static PARSED: LazyLock<Vec<Version>> = LazyLock::new(|| parse_changelog(include_str!("../../CHANGELOG.md")));
    &PARSED
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// An HTML id for a heading: lower case letters, digits and dashes, never starting with a digit.
pub fn anchor_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_owned();
    if slug.starts_with(|c: char| c.is_ascii_digit()) { format!("v{slug}") } else { slug }
}

/// Splits `[0.2.0] - 2026-01-05` (brackets already gone) into a name and a date.
fn version_heading(text: &str) -> (String, Option<String>) {
    let text = text.trim();
    let (name, date) = match text.split_once(" - ").or_else(|| text.split_once(" – ")) {
        Some((name, date)) => (name, Some(date.trim().to_owned())),
        None => (text, None),
    };
    (name.trim().trim_start_matches('[').trim_end_matches(']').trim().to_owned(), date.filter(|d| !d.is_empty()))
}

/// Parses a changelog in Keep a Changelog form: `## [version] - date` headings, `### Added`
/// (and the like) sections, and list items, rendered as safe HTML. Text before the first
/// version is the file's introduction and is left out.
pub fn parse_changelog(markdown: &str) -> Vec<Version> {
    use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

    #[derive(PartialEq)]
    enum Heading {
        None,
        Version,
        Section,
        Other,
    }

    let mut versions: Vec<Version> = Vec::new();
    let mut heading = Heading::None;
    let mut heading_text = String::new();
    // The item being written: its HTML, and how deep in lists we are (1: a section's item).
    let mut item = String::new();
    let mut list_depth = 0usize;
    let mut item_depth = 0usize;
    // Links whose scheme is refused are written as their text only.
    let mut open_links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;

    for event in Parser::new(markdown) {
        // Headings: collect their text.
        if heading != Heading::None {
            match event {
                Event::End(TagEnd::Heading(_)) => {
                    match heading {
                        Heading::Version => {
                            let (name, date) = version_heading(&heading_text);
                            versions.push(Version { anchor: anchor_of(&name), name, date, sections: Vec::new() });
                        }
                        Heading::Section => {
                            if let Some(version) = versions.last_mut() {
                                version
                                    .sections
                                    .push(Section { name: heading_text.trim().to_owned(), items: Vec::new() });
                            }
                        }
                        Heading::Other | Heading::None => {}
                    }
                    heading = Heading::None;
                }
                Event::Text(text) | Event::Code(text) => heading_text.push_str(&text),
                _ => {}
            }
            continue;
        }
        let section = versions.last_mut().and_then(|v| v.sections.last_mut());
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading_text.clear();
                heading = match level {
                    HeadingLevel::H2 => Heading::Version,
                    HeadingLevel::H3 => Heading::Section,
                    _ => Heading::Other,
                };
            }
            Event::Start(Tag::List(_)) => {
                if item_depth > 0 {
                    item.push_str("<ul>");
                }
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if item_depth > 0 {
                    item.push_str("</ul>");
                }
            }
            Event::Start(Tag::Item) => {
                item_depth += 1;
                if item_depth > 1 {
                    item.push_str("<li>");
                }
            }
            Event::End(TagEnd::Item) => {
                item_depth = item_depth.saturating_sub(1);
                if item_depth == 0 {
                    if let Some(section) = section {
                        section.items.push(std::mem::take(&mut item).trim().to_owned());
                    }
                    item.clear();
                } else {
                    item.push_str("</li>");
                }
            }
            _ if item_depth == 0 || list_depth == 0 => {}
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
                if !item.is_empty() && !item.ends_with(' ') =>
            {
                item.push(' ');
            }
            Event::Text(text) => item.push_str(&escape_html(&text)),
            Event::Code(code) => {
                item.push_str("<code>");
                item.push_str(&escape_html(&code));
                item.push_str("</code>");
            }
            Event::SoftBreak => item.push(' '),
            Event::HardBreak => item.push_str("<br>"),
            Event::Start(Tag::Emphasis) => item.push_str("<em>"),
            Event::End(TagEnd::Emphasis) => item.push_str("</em>"),
            Event::Start(Tag::Strong) => item.push_str("<strong>"),
            Event::End(TagEnd::Strong) => item.push_str("</strong>"),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let safe = in_image == 0 && (dest_url.starts_with("https://") || dest_url.starts_with("http://"));
                if safe {
                    item.push_str(&format!("<a href=\"{}\" rel=\"noopener\">", escape_html(&dest_url)));
                }
                open_links.push(safe);
            }
            Event::End(TagEnd::Link) if open_links.pop() == Some(true) => item.push_str("</a>"),
            // An image shows as its alt text: the changelog loads nothing.
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            // Raw HTML is dropped, never passed through.
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    versions
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::Error;

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

    /// One error of each variant. The match below stops compiling when a variant is added, so
    /// the catalogue cannot miss it.
    fn one_of_each_variant() -> Vec<Error> {
        let all = vec![
            Error::BadRequest("x".into()),
            Error::unauthorized("MISSING_API_KEY", "x"),
            Error::forbidden("MISSING_SCOPE", "x"),
            Error::NotFound("thing"),
            Error::Conflict("x".into()),
            Error::PayloadTooLarge("x".into()),
            Error::UnsupportedMediaType("x".into()),
            Error::Validation("x".into()),
            Error::MethodNotAllowed("x".into()),
            Error::RateLimited { message: "x".into(), retry_after_secs: 1 },
            Error::Database(sqlx::Error::PoolTimedOut),
            Error::Internal(anyhow::anyhow!("x")),
        ];
        for error in &all {
            match error {
                Error::BadRequest(_)
                | Error::Unauthorized { .. }
                | Error::Forbidden { .. }
                | Error::NotFound(_)
                | Error::Conflict(_)
                | Error::PayloadTooLarge(_)
                | Error::UnsupportedMediaType(_)
                | Error::Validation(_)
                | Error::MethodNotAllowed(_)
                | Error::RateLimited { .. }
                | Error::Database(_)
                | Error::Internal(_) => {}
            }
        }
        all
    }

    #[tokio::test]
    async fn the_error_catalogue_lists_every_variant_with_the_status_and_code_the_api_sends() {
        use axum::response::IntoResponse;
        for error in one_of_each_variant() {
            let label = format!("{error:?}");
            let response = error.into_response();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            let code = body["error"]["code"].as_str().unwrap().to_owned();
            assert!(
                ERROR_CODES.iter().any(|entry| entry.code == code && entry.status == status),
                "{label} answers {status} {code}, which the catalogue does not list"
            );
        }
    }

    /// The first argument of each `unauthorized(`/`forbidden(` call in the server's sources: a
    /// string literal, or a constant whose value is found in the sources.
    fn codes_in_sources() -> Vec<String> {
        fn walk(dir: &std::path::Path, files: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, files);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("docs.rs") {
                    files.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut files = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let constant = |name: &str| {
            let needle = format!("pub const {name}: &str = \"");
            files.iter().find_map(|text| {
                let start = text.find(&needle)? + needle.len();
                text[start..].split('"').next().map(str::to_owned)
            })
        };
        let mut codes = Vec::new();
        for text in &files {
            for call in ["unauthorized(", "forbidden("] {
                for (at, _) in text.match_indices(call) {
                    let rest = text[at + call.len()..].trim_start();
                    if let Some(literal) = rest.strip_prefix('"') {
                        codes.push(literal.split('"').next().unwrap().to_owned());
                    } else {
                        let path: String =
                            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
                        let name = path.rsplit("::").next().unwrap_or_default();
                        if !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                            codes.push(constant(name).unwrap_or_else(|| panic!("the constant {name} is not found")));
                        }
                    }
                }
            }
        }
        codes
    }

    #[test]
    fn every_unauthorized_and_forbidden_code_in_the_sources_is_in_the_catalogue() {
        let codes = codes_in_sources();
        assert!(codes.iter().any(|c| c == "REVOKED_API_KEY") && codes.iter().any(|c| c == "ORIGIN_NOT_ALLOWED"));
        for code in codes {
            assert!(
                ERROR_CODES.iter().any(|entry| entry.code == code) || PORTAL_ONLY_CODES.contains(&code.as_str()),
                "{code} is sent by the server but missing from docs::ERROR_CODES"
            );
        }
    }

    #[test]
    fn the_worked_webhook_example_verifies_as_a_receiver_checks_it() {
        let example = signed_example();
        let checked = crate::webhooks::signing::verify_standard(
            &example.secret,
            &example.id,
            example.timestamp,
            &example.standard,
            example.body.as_bytes(),
            example.timestamp,
            300,
        );
        assert_eq!(checked, Ok(()));
        assert_eq!(example.simple.len(), 64);
        assert!(example.body.contains("\"event\":\"ping\""));
        for (_, snippet) in verification_snippets() {
            assert!(snippet.contains("webhook-signature") || snippet.contains("signatures"), "{snippet}");
            assert!(snippet.contains("whsec_"));
        }
    }

    const CHANGELOG: &str = "# Changelog\n\nIntro text.\n\n## [Unreleased]\n\n### Added\n- A *new* `thing`, see\n  [the docs](https://example.com/docs).\n- Nested:\n  - one\n  - two\n\n### Fixed\n- Raw <script>alert(1)</script>HTML is dropped; [bad](javascript:alert(1)) links keep their text.\n\n## [0.2.0] - 2026-01-05\n\n### Changed\n- Old & <b>bold</b> news.\n";

    #[test]
    fn the_changelog_parser_reads_versions_dates_sections_and_items() {
        let versions = parse_changelog(CHANGELOG);
        assert_eq!(versions.len(), 2);
        assert_eq!(
            (versions[0].name.as_str(), versions[0].date.as_deref(), versions[0].anchor.as_str()),
            ("Unreleased", None, "unreleased")
        );
        assert_eq!(
            (versions[1].name.as_str(), versions[1].date.as_deref(), versions[1].anchor.as_str()),
            ("0.2.0", Some("2026-01-05"), "v0-2-0")
        );
        let names: Vec<&str> = versions[0].sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Added", "Fixed"]);
        let added = &versions[0].sections[0].items;
        assert_eq!(
            added[0],
            "A <em>new</em> <code>thing</code>, see <a href=\"https://example.com/docs\" rel=\"noopener\">the docs</a>."
        );
        assert_eq!(added[1], "Nested:<ul><li>one</li><li>two</li></ul>");
    }

    #[test]
    fn changelog_items_drop_raw_html_and_links_that_are_not_http() {
        let versions = parse_changelog(CHANGELOG);
        let fixed = &versions[0].sections[1].items[0];
        assert!(!fixed.contains("<script") && !fixed.contains("javascript:"), "{fixed}");
        assert!(fixed.contains("links keep their text"), "{fixed}");
        assert!(fixed.contains("bad"), "{fixed}");
        let changed = &versions[1].sections[0].items[0];
        assert!(changed.starts_with("Old &amp; "), "{changed}");
        assert!(!changed.contains("<b>"), "{changed}");
    }

    #[test]
    fn the_built_in_changelog_is_this_repositorys() {
        let versions = changelog();
        assert!(!versions.is_empty());
        assert!(versions.iter().all(|v| !v.sections.is_empty()));
        assert!(versions[0].sections.iter().any(|s| s.name == "Added" && !s.items.is_empty()));
    }
}
