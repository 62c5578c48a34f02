//! The docs pages and the changelog, fetched as HTML from a running server with no JavaScript:
//! every operation of the OpenAPI document, every webhook event, every configured plan and
//! every section of CHANGELOG.md is on them, and the quick start's commands work.

use parlor_server::docs::{self, Body};
use parlor_server::webhooks::events::EVENTS;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> String {
    let mut request = app.client.get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// The text of the `<pre>` with this test id, unescaped.
fn pre_with_testid(html: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {testid} in the page"));
    let code = &html[start..];
    let open = code.find("<code>").unwrap() + "<code>".len();
    let close = code.find("</code>").unwrap();
    code[open..close]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_docs_section_or_portal_page_answers_404_with_a_page_to_read() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for path in ["/docs/no-such-section", "/no-such-page"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>") && html.contains("ot found"), "{path}: {html}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_shows_every_operation_of_the_openapi_document() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let html = page(&app, "/docs/reference", None).await;
    let document = parlor_server::api::openapi::document();
    let paths = document["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    for (path, item) in paths {
        assert!(html.contains(&format!("<code>{path}</code>")), "{path} is missing from the reference");
        for method in
            item.as_object().unwrap().keys().filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
        {
            let operation = docs::operations(&document)
                .into_iter()
                .find(|op| &op.path == path && op.method.eq_ignore_ascii_case(method))
                .unwrap();
            assert!(
                html.contains(&format!("id=\"{}\"", docs::anchor_of(&operation.operation_id)))
                    || html.contains(&docs::anchor_of(&format!(
                        "{} {} {}",
                        operation.operation_id, operation.method, operation.path
                    ))),
                "{method} {path}"
            );
        }
    }
    for language in ["curl", "JavaScript (fetch)", "Python (requests)", "Rust (reqwest)"] {
        assert!(html.contains(language), "no {language} samples");
    }
    assert!(html.contains("YOUR_API_KEY"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhooks_guide_lists_every_event_and_a_signed_example() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let html = page(&app, "/docs/webhooks", None).await;
    for event in EVENTS {
        assert!(html.contains(&format!("<code>{}</code>", event.name)), "{} is missing", event.name);
    }
    let example = docs::signed_example();
    assert!(html.contains(&example.standard), "the worked example's signature is shown");
    assert!(html.contains(&example.simple));
    for header in ["webhook-id", "webhook-timestamp", "webhook-signature", "X-Parlor-Signature"] {
        assert!(html.contains(header), "{header}");
    }
}

fn other_plans(config: &mut parlor_server::Config) {
    config.plans = "starter=30/5/1000,scale=600/60/unlimited".to_owned();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_table_shows_the_plans_the_server_was_configured_with() {
    let app = spawn_app_with(Backend::Sqlite, other_plans).await.unwrap();
    let html = page(&app, "/docs/rate-limits", None).await;
    let table = &html[html.find("data-testid=\"rate-limit-plans\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    for plan in parlor_server::ratelimit::parse_plans(&app.config.plans).unwrap() {
        assert!(table.contains(&format!("<strong>{}</strong>", plan.name)), "{} is missing", plan.name);
    }
    assert!(!table.contains("enterprise"), "the default plans are not the configured ones");
    assert!(table.contains("1000") && table.contains("600") && table.contains("no limit"));
    for header in ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"] {
        assert!(html.contains(header), "{header}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_errors_guide_lists_every_code_and_the_auth_guide_every_scope() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let html = page(&app, "/docs/errors", None).await;
    for code in docs::ERROR_CODES {
        assert!(html.contains(&format!("<code>{}</code>", code.code)), "{}", code.code);
    }
    let html = page(&app, "/docs/authentication", None).await;
    for scope in parlor_server::keys::Scope::ALL {
        assert!(html.contains(&format!("<code>{}</code>", scope.as_str())), "{}", scope.as_str());
    }
    assert!(html.contains("ORIGIN_NOT_ALLOWED"));
    let html = page(&app, "/docs/pagination", None).await;
    assert!(html.contains("next_cursor") && html.contains("cursor=NEXT_CURSOR"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_changelog_page_shows_every_version_and_section_of_changelog_md() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let html = page(&app, "/changelog", None).await;
    let markdown = include_str!("../../../CHANGELOG.md");
    let mut sections = 0;
    for line in markdown.lines() {
        if let Some(section) = line.strip_prefix("### ") {
            assert!(html.contains(&format!("<h3>{}</h3>", section.trim())), "section {section}");
            sections += 1;
        } else if let Some(version) = line.strip_prefix("## ") {
            let name = version.split(" - ").next().unwrap().trim().trim_start_matches('[').trim_end_matches(']');
            assert!(html.contains(name), "version {name}");
        }
    }
    assert!(sections > 0);
    assert_eq!(html.matches("data-testid=\"changelog-version\"").count(), docs::changelog().len());
    // An item's Markdown became HTML: inline code is a <code> element.
    assert!(html.contains("<code>window.Parlor</code>"));
}

on_both_backends! {
    async fn the_quick_start_fills_in_the_readers_first_chatbot_and_its_commands_work(app) {
        let signed_out = page(&app, "/docs", None).await;
        assert!(pre_with_testid(&signed_out, "quickstart-chat").contains("YOUR_CHATBOT_ID"));
        assert!(pre_with_testid(&signed_out, "quickstart-create").starts_with("curl -X POST"));

        let cookie = app.portal_sign_up("docs@example.com").await;
        let created = app.portal_call_json("create_chatbot", json!({"chatbot": {"name": "Docs Bot"}}), &cookie).await;
        assert_eq!(created.status(), 200);
        let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let signed_in = page(&app, "/docs", Some(&cookie)).await;
        let chat = pre_with_testid(&signed_in, "quickstart-chat");
        assert!(chat.contains(&format!("/api/v2/chatbots/{id}/chat")), "{chat}");
        assert!(pre_with_testid(&signed_in, "quickstart-knowledge").contains(&id));
        assert!(signed_in.contains("Docs Bot"));
        let reference = page(&app, "/docs/reference", Some(&cookie)).await;
        assert!(reference.contains(&format!("/api/v2/chatbots/{id}")), "the samples use the reader's chatbot");

        // The same calls, sent as the quick start's commands send them, succeed.
        let [create, knowledge, chat] = docs::quick_start_calls(&app.base, None);
        let created: Value = send(&app, &create, 201).await;
        let bot = created["id"].as_str().unwrap().to_owned();
        let [_, knowledge_for_bot, chat_for_bot] = docs::quick_start_calls(&app.base, Some(&bot));
        assert_ne!(knowledge, knowledge_for_bot);
        assert_ne!(chat, chat_for_bot);
        send(&app, &knowledge_for_bot, 201).await;
        let answer: Value = send(&app, &chat_for_bot, 200).await;
        assert!(answer.to_string().contains("30 days"), "the answer uses the Q&A pair: {answer}");
    }
}

async fn send(app: &TestApp, call: &docs::Call, expected: u16) -> Value {
    let mut request = app.client.request(call.method.parse().unwrap(), &call.url).bearer_auth(&app.key);
    if let Body::Json(body) = &call.body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, expected, "{} {}: {text}", call.method, call.url);
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_loads_the_portals_wasm_exactly_when_it_has_islands_to_hydrate() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let cookie = app.portal_sign_up("pages@example.com").await;
    let created = app
        .portal_call_json(
            "create_chatbot",
            json!({"chatbot": {"name": "Pages Bot", "website": "https://shop.example"}}),
            &cookie,
        )
        .await;
    assert_eq!(created.status(), 200);
    let bot = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // Every route of the table without parameters, and the parameterised ones filled in.
    let mut paths: Vec<String> = leptos_axum::generate_route_list(parlor_app::App)
        .iter()
        .map(|route| route.path().to_owned())
        .filter(|path| !path.contains(['{', ':', '*']))
        .collect();
    assert!(paths.len() >= 12, "the route table: {paths:?}");
    for section in ["reference", "webhooks", "rate-limits", "errors"] {
        paths.push(format!("/docs/{section}"));
    }
    paths.push(format!("/chatbots/{bot}"));

    let mut text_pages = 0;
    for path in &paths {
        let response = app.client.get(app.url(path)).header("cookie", cookie.clone()).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        // A signed-in visitor of the sign-in page, say, is sent on: judge the page they get.
        let path = response.url().path().to_owned();
        let html = response.text().await.unwrap();
        let islands = html.contains("<leptos-island");
        let wasm = html.contains(r#"rel="modulepreload""#);
        assert_eq!(wasm, islands, "{path}: loads the WASM {wasm}, has islands {islands}");
        assert_eq!(wasm, parlor_app::page_hydrates(&path), "{path}");
        assert_eq!(!wasm, html.contains("<html lang=\"en\" data-hydrated"), "{path}: marked hydrated from the start");
        assert!(html.contains("button[data-copy]"), "{path}: the copy buttons' script is in every page");
        text_pages += usize::from(!wasm);
    }
    assert!(text_pages >= 6, "the home page, dashboard, changelog and docs load no WASM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_pages_are_sent_compressed_to_a_browser_that_accepts_it() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let plain = app.client.get(app.url("/docs/reference")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none(), "no compression unless asked for");
    let plain = plain.bytes().await.unwrap().len();
    for encoding in ["gzip", "br"] {
        let packed =
            app.client.get(app.url("/docs/reference")).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(packed.status(), 200);
        assert_eq!(packed.headers()["content-encoding"], encoding);
        let packed = packed.bytes().await.unwrap().len();
        assert!(packed * 5 < plain, "{encoding}: {packed} B of {plain} B");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_sends_an_islands_forms_inert_so_nothing_is_typed_before_they_can_keep_it() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let cookie = app.portal_sign_up("inert@example.com").await;
    for (path, form) in [
        ("/keys", r#"data-testid="create-key-form""#),
        ("/chatbots", r#"data-testid="create-chatbot-form""#),
        ("/webhooks", r#"data-testid="create-webhook-form""#),
        ("/docs/widget", r#"class="sdk-fields""#),
    ] {
        let html = page(&app, path, Some(&cookie)).await;
        let at = html.find(form).unwrap_or_else(|| panic!("{path}: no form {form}"));
        let tag = &html[html[..at].rfind("<form").unwrap()..at];
        assert!(tag.contains("inert"), "{path}: {tag}");
    }
    // Forms that work without script (they post to the server) are not made to wait.
    let html = page(&app, "/sign-in", None).await;
    assert!(!html.contains("<form inert"), "the sign-in form posts without script");
}

/// The command shown for one request of a dialect's page, unescaped.
fn dialect_command(html: &str, request: &str) -> String {
    let marker = format!("data-request=\"{request}\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {request} on the page"));
    let block = &html[start..];
    let pre = block.find("<pre").unwrap();
    pre_with_testid(&block[pre..].replacen("<pre", "<pre data-testid=\"command\"", 1), "command")
}

on_both_backends! {
    async fn the_platform_api_page_shows_a_command_per_request_and_each_command_works(app) {
        let html = page(&app, "/docs/platform-api", None).await;
        assert!(html.contains("Coming from a platform API"));
        let base = pre_free_text(&html, "platform-base");
        let server = base.strip_suffix(docs::PLATFORM_API_BASE).unwrap_or_else(|| panic!("{base}"));
        let document: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        let operations = docs::operations(&document);
        let platform: Vec<&docs::Operation> = docs::dialect_operations(&operations, docs::PLATFORM_API_BASE).collect();
        assert_eq!(platform.len(), 9, "the seed's nine requests");
        for op in &platform {
            let path = &op.path[docs::PLATFORM_API_BASE.len()..];
            let shown = dialect_command(&html, &format!("{} {path}", op.method));
            assert_eq!(shown, docs::sample(docs::Language::Curl, &docs::call_for(op, server, None)), "{} {path}", op.method);
        }

        // The same commands, sent with a real bot and conversation, succeed: deletes last.
        let bot = app.create_chatbot("Docs Bot").await;
        let reply: Value = app
            .post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": "Hello", "stream": false}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let conversation = reply["conversation_id"].as_str().unwrap();
        let mut ordered = platform.clone();
        ordered.sort_by_key(|op| (op.method == "DELETE", op.path.contains("/bots/")));
        for op in ordered {
            let mut call = docs::call_for(op, &app.base, Some(&bot));
            call.url = call.url.replace("YOUR_CONVERSATION_ID", conversation);
            assert!(!call.url.contains("YOUR_"), "{}", call.url);
            send(&app, &call, if op.method == "POST" { 201 } else { 200 }).await;
        }
        assert_eq!(app.get(&format!("/api/v2/chatbots/{bot}")).send().await.unwrap().status(), 404);
    }
}

/// The text of the element with this test id.
fn pre_free_text(html: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {testid} in the page"));
    let text = &html[start..];
    let open = text.find('>').unwrap() + 1;
    let close = text.find('<').unwrap();
    text[open..close].to_owned()
}
