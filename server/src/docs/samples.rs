//! Code samples: one API call written as a curl command or a JavaScript, Python or Rust program.

use serde_json::Value;

/// The placeholder that samples show instead of an API key (keys are shown only once).
pub const KEY_PLACEHOLDER: &str = "YOUR_API_KEY";

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
