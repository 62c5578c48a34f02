use crate::helpers::{answer_text, read_events};
use crate::on_both_backends;

on_both_backends! {
    async fn the_widget_reads_its_chatbot_without_a_key_from_any_origin(app) {
        let bot = app.create_chatbot("Widget Bot").await;
        let response = app
            .client
            .get(app.url(&format!("/widget/v1/chatbots/{bot}")))
            .header("origin", "http://customer.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["name"], "Widget Bot");
        assert_eq!(body["welcome_message"], "Hi! How can I help you today?");
    }

    async fn the_widget_chat_answers_a_cors_preflight_and_streams(app) {
        let bot = app.create_chatbot("Widget Bot").await;
        let path = format!("/widget/v1/chatbots/{bot}/chat");
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(&path))
            .header("origin", "http://customer.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success());
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        assert!(preflight.headers()["access-control-allow-headers"].to_str().unwrap().contains("content-type"));

        let response = app
            .client
            .post(app.url(&path))
            .header("origin", "http://customer.example")
            .json(&serde_json::json!({"message": "Hello", "visitorId": "vis_1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let events = read_events(response).await;
        assert!(answer_text(&events).starts_with("Hello! I'm Widget Bot."));
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE visitor_id = $1", "vis_1").await, 1);
    }

    async fn the_widget_gets_404_for_an_unknown_chatbot(app) {
        let response = app.client.get(app.url("/widget/v1/chatbots/bot_nope")).send().await.unwrap();
        assert_eq!(response.status(), 404);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "NOT_FOUND");
    }
}

on_both_backends! {
    async fn a_chatbot_with_allowed_origins_refuses_other_pages(app) {
        let bot = app.create_chatbot("Picky").await;
        let response = app
            .client
            .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
            .bearer_auth(&app.key)
            .json(&serde_json::json!({"allowed_origins": ["https://shop.example.com"], "theme": "dark"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let from = |origin: &'static str| {
            app.client.get(app.url(&format!("/widget/v1/chatbots/{bot}"))).header("origin", origin).send()
        };
        let allowed = from("https://shop.example.com").await.unwrap();
        assert_eq!(allowed.status(), 200);
        let config: serde_json::Value = allowed.json().await.unwrap();
        assert_eq!(config["theme"], "dark");
        let refused = from("https://copycat.example").await.unwrap();
        assert_eq!(refused.status(), 403);
        assert!(refused.headers().get("access-control-allow-origin").is_none());
        let chat = app
            .client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
            .header("origin", "https://copycat.example")
            .json(&serde_json::json!({"message": "Hello"}))
            .send()
            .await
            .unwrap();
        assert_eq!(chat.status(), 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE chatbot_id = $1", &bot).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_assets_are_served_compressed_with_cache_headers() {
    let assets = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(assets.path().join("w")).unwrap();
    // A stand-in for the WASM: large and repetitive, as compiled code is.
    let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(assets.path().join("w/parlor-widget.wasm"), &wasm).unwrap();
    let dir = assets.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |config| config.widget_dir = dir)
        .await
        .unwrap();
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    for (accept, encoding) in [("br", "br"), ("gzip", "gzip")] {
        let response =
            client.get(app.url("/w/parlor-widget.wasm")).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
        assert_eq!(response.headers()["cache-control"], "public, max-age=300", "unversioned: a short cache");
        let body = response.bytes().await.unwrap();
        assert!(body.len() < wasm.len() / 5, "{accept}: {} bytes", body.len());
    }
    let plain = client.get(app.url("/w/parlor-widget.wasm")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().len(), wasm.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_versioned_bundle_is_sent_compressed_at_the_best_setting_once_packed() {
    let assets = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(assets.path().join("w")).unwrap();
    // Compiled code stands in: varied enough that brotli's quality shows.
    let wasm: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 & 0x3f).collect();
    std::fs::write(assets.path().join("w/parlor-widget.wasm"), &wasm).unwrap();
    std::fs::write(assets.path().join("w/parlor-widget.js"), "export function mount() {}\n".repeat(200)).unwrap();
    std::fs::write(assets.path().join("w/parlor-widget.css"), ".parlor { color: red }\n".repeat(200)).unwrap();
    std::fs::write(assets.path().join("widget.js"), r#"import(o+"/w/parlor-widget.js")"#).unwrap();
    let dir = assets.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |config| {
        config.widget_dir = dir.clone();
        config.site_dir = dir;
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    // The bundle's versioned path, as a browser learns it: from the loader.
    let loader = client.get(app.url("/widget.js")).send().await.unwrap().text().await.unwrap();
    let version = loader.split("/w/").nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_owned();
    assert_eq!(version.len(), 12, "{loader}");
    let url = app.url(&format!("/w/{version}/parlor-widget.wasm"));
    let fetch = |accept: &'static str| client.get(&url).header("accept-encoding", accept).send();
    // The first request is compressed on the fly and starts the packing.
    let on_the_fly = fetch("gzip, deflate, br").await.unwrap();
    assert_eq!(on_the_fly.headers()["content-encoding"], "br");
    let on_the_fly = on_the_fly.bytes().await.unwrap().len();
    let mut packed = None;
    for _ in 0..100 {
        let response = fetch("gzip, deflate, br").await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], "br");
        assert_eq!(response.headers()["content-type"], "application/wasm");
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
        let body = response.bytes().await.unwrap();
        if body.len() < on_the_fly {
            packed = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let packed = packed.expect("the packed WASM, smaller than the one compressed on the fly");
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut packed.as_ref(), &mut unpacked).unwrap();
    assert_eq!(unpacked, wasm, "the packed file is the file");
    let gzip = fetch("gzip").await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzip.bytes().await.unwrap().as_ref()), &mut unpacked)
        .unwrap();
    assert_eq!(unpacked, wasm);
    let plain = client.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none(), "nothing the client did not ask for");
    assert_eq!(plain.bytes().await.unwrap().len(), wasm.len());
    let css = client.get(app.url(&format!("/w/{version}/parlor-widget.css"))).header("accept-encoding", "br").send();
    assert!(css.await.unwrap().headers()["content-type"].to_str().unwrap().starts_with("text/css"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portals_bundle_is_served_compressed_and_revalidated_rather_than_downloaded_again() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    let wasm: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(site.path().join("pkg/parlor.wasm"), &wasm).unwrap();
    let site_dir = site.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, move |config| config.site_dir = site_dir)
        .await
        .unwrap();
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    for (accept, encoding) in [("br", "br"), ("gzip", "gzip")] {
        let response = client.get(app.url("/pkg/parlor.wasm")).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response.bytes().await.unwrap().len() < wasm.len() / 5, "{accept}");
    }
    let first = client.get(app.url("/pkg/parlor.wasm")).send().await.unwrap();
    let modified = first.headers()["last-modified"].clone();
    assert_eq!(first.bytes().await.unwrap().len(), wasm.len());
    let again = client.get(app.url("/pkg/parlor.wasm")).header("if-modified-since", modified).send().await.unwrap();
    assert_eq!(again.status(), 304, "an unchanged bundle is not sent again");
    let missing = client.get(app.url("/pkg/nothing.wasm")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("cache-control").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loader_names_a_versioned_bundle_that_is_cached_for_a_year() {
    let site = tempfile::tempdir().unwrap();
    let widget = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(widget.path().join("w")).unwrap();
    std::fs::write(widget.path().join("w/parlor-widget.wasm"), b"\0asm build one").unwrap();
    std::fs::write(widget.path().join("w/parlor-widget.js"), b"export default function(){}").unwrap();
    std::fs::write(
        site.path().join("widget.js"),
        r#"import(o+"/w/parlor-widget.js");f(o+"/w/parlor-widget.wasm");fetch(o+"/w/parlor-widget.css")"#,
    )
    .unwrap();
    let (site_dir, widget_dir) = (site.path().to_path_buf(), widget.path().to_path_buf());
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, move |config| {
        config.site_dir = site_dir;
        config.widget_dir = widget_dir;
    })
    .await
    .unwrap();

    let loader = app.client.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(loader.status(), 200);
    assert_eq!(loader.headers()["cache-control"], "public, max-age=300");
    assert!(loader.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    let source = loader.text().await.unwrap();
    let start = source.find("/w/").unwrap() + 3;
    let version = &source[start..start + 12];
    assert!(version.bytes().all(|b| b.is_ascii_hexdigit()), "{source}");
    assert_eq!(source.matches(&format!("/w/{version}/parlor-widget.")).count(), 3, "{source}");

    let wasm = app.client.get(app.url(&format!("/w/{version}/parlor-widget.wasm"))).send().await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"\0asm build one");
    // A loader cached before an upgrade asks for an old version: it gets today's files, briefly cached.
    let old = app.client.get(app.url("/w/000000000000/parlor-widget.wasm")).send().await.unwrap();
    assert_eq!(old.status(), 200);
    assert_eq!(old.headers()["cache-control"], "public, max-age=300");
    for path in [format!("/w/{version}/missing.js"), format!("/w/{version}/..%2Fsecret"), "/w/nothing".to_owned()] {
        let missing = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(missing.status(), 404, "{path}");
        assert!(missing.headers().get("cache-control").is_none(), "{path}: errors are not cached");
    }
}

on_both_backends! {
    async fn an_identity_with_the_right_hash_is_verified_and_attached_to_the_visitors_conversation(app) {
        let bot = app.create_chatbot("Known").await;
        let created = app.post(&format!("/api/v2/chatbots/{bot}/identity-secret")).send().await.unwrap();
        assert_eq!(created.status(), 201);
        let secret = created.json::<serde_json::Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("pis_"));
        let chat = app
            .client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
            .json(&serde_json::json!({"message": "Hello", "visitor_id": "vis_id1"}))
            .send()
            .await
            .unwrap();
        let conversation = read_events(chat).await[0].data.clone();
        let conversation: serde_json::Value = serde_json::from_str(&conversation).unwrap();
        let conversation = conversation["conversation_id"].as_str().unwrap().to_owned();
        let identify = |hash: String| {
            app.client.post(app.url(&format!("/widget/v1/chatbots/{bot}/identify"))).json(&serde_json::json!({
                "visitor_id": "vis_id1",
                "conversation_id": conversation,
                "id": "user-42",
                "name": "Ada",
                "email": "ada@example.com",
                "hash": hash,
            }))
        };

        let wrong = identify(parlor_server::identity::expected_hash("pis_guess", "user-42")).send().await.unwrap();
        assert_eq!(wrong.status(), 403);
        let body: serde_json::Value = wrong.json().await.unwrap();
        assert_eq!(body["error"]["code"], "IDENTITY_NOT_VERIFIED");
        assert!(body["error"]["message"].as_str().unwrap().contains("does not match"));
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE user_id IS NOT NULL AND chatbot_id = $1", &bot).await, 0);

        let right = identify(parlor_server::identity::expected_hash(&secret, "user-42")).send().await.unwrap();
        assert_eq!(right.status(), 200);
        assert_eq!(right.json::<serde_json::Value>().await.unwrap()["verified"], true);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM conversations WHERE user_id = 'user-42' AND user_verified = 1 AND user_email = 'ada@example.com' AND id = $1", &conversation).await,
            1
        );
        // The proven person is the workspace's contact, known by the site's user id.
        let contacts: serde_json::Value = app.get("/api/v2/contacts").send().await.unwrap().json().await.unwrap();
        let ada = contacts["data"].as_array().unwrap().iter().find(|c| c["email"] == "ada@example.com").unwrap();
        assert_eq!(ada["name"], "Ada");
        assert_eq!(ada["attributes"]["user_id"], "user-42");
        // A later unverified identify (a script on the page) does not replace the proven one, and
        // makes no contact: anyone can claim an email.
        let unverified = app
            .client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/identify")))
            .json(&serde_json::json!({"visitor_id": "vis_id1", "conversation_id": conversation, "id": "mallory", "email": "mallory@example.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(unverified.json::<serde_json::Value>().await.unwrap()["verified"], false);
        assert_eq!(app.count("SELECT COUNT(*) FROM conversations WHERE user_id = 'user-42' AND id = $1", &conversation).await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM contacts WHERE email = $1", "mallory@example.com").await, 0);

        // Rotating makes the old secret's hashes fail; another visitor cannot touch the conversation.
        let rotated = app.post(&format!("/api/v2/chatbots/{bot}/identity-secret")).send().await.unwrap();
        let rotated = rotated.json::<serde_json::Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        assert_ne!(rotated, secret);
        assert_eq!(identify(parlor_server::identity::expected_hash(&secret, "user-42")).send().await.unwrap().status(), 403);
        let stranger = app
            .client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/identify")))
            .json(&serde_json::json!({"visitor_id": "vis_other", "conversation_id": conversation, "id": "user-42"}))
            .send()
            .await
            .unwrap();
        assert_eq!(stranger.status(), 404);
        assert_eq!(app.client.delete(app.url(&format!("/api/v2/chatbots/{bot}/identity-secret"))).bearer_auth(&app.key).send().await.unwrap().status(), 204);
        let without_secret = identify(parlor_server::identity::expected_hash(&rotated, "user-42")).send().await.unwrap();
        assert_eq!(without_secret.status(), 403);
        assert!(without_secret.json::<serde_json::Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("no identity secret"));
    }

    async fn a_visitor_reads_back_their_own_conversation_and_nobody_else_can(app) {
        let bot = app.create_chatbot("Memory").await;
        let chat = app
            .client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
            .header("origin", "http://customer.example")
            .json(&serde_json::json!({"message": "Remember me", "visitor_id": "vis_mine"}))
            .send()
            .await
            .unwrap();
        let events = read_events(chat).await;
        let started: serde_json::Value = serde_json::from_str(&events[0].data).unwrap();
        let conversation = started["conversation_id"].as_str().unwrap();
        let path = |visitor: &str| format!("/widget/v1/chatbots/{bot}/conversations/{conversation}/messages?visitor_id={visitor}");
        let mine = app.client.get(app.url(&path("vis_mine"))).header("origin", "http://customer.example").send().await.unwrap();
        assert_eq!(mine.status(), 200);
        assert_eq!(mine.headers()["access-control-allow-origin"], "*");
        let page: serde_json::Value = mine.json().await.unwrap();
        let roles: Vec<&str> = page["data"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["user", "assistant"]);
        assert_eq!(page["data"][0]["content"], "Remember me");
        assert_eq!(page["data"][1]["content"].as_str().unwrap(), answer_text(&events));
        for other in ["vis_other", ""] {
            let theirs = app.client.get(app.url(&path(other))).send().await.unwrap();
            assert_eq!(theirs.status(), 404, "{other:?}");
        }
        let missing = app.client.get(app.url(&format!("/widget/v1/chatbots/{bot}/conversations/{conversation}/messages"))).send().await.unwrap();
        assert_eq!(missing.status(), 400);
        assert_eq!(missing.json::<serde_json::Value>().await.unwrap()["error"]["code"], "BAD_REQUEST");
    }

    async fn the_widget_suggests_completions_and_says_when_to_ask_for_a_lead(app) {
        let bot = app.create_chatbot("Helpful").await;
        app.post("/api/knowledge")
            .json(&serde_json::json!({"chatbotId": bot, "type": "qa", "source": "Do you ship to Canada?", "content": "Yes."}))
            .send()
            .await
            .unwrap();
        let found: serde_json::Value = app
            .client
            .get(app.url(&format!("/widget/v1/chatbots/{bot}/suggestions?q=do%20you%20sh")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found["data"][0]["text"], "Do you ship to Canada?");
        let config: serde_json::Value =
            app.client.get(app.url(&format!("/widget/v1/chatbots/{bot}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(config["lead_capture"], "off");
        app.client
            .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
            .bearer_auth(&app.key)
            .json(&serde_json::json!({"lead_capture": "before_chat"}))
            .send()
            .await
            .unwrap();
        let config: serde_json::Value =
            app.client.get(app.url(&format!("/widget/v1/chatbots/{bot}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(config["lead_capture"], "before_chat");
    }

    async fn the_frame_page_boots_the_loader_inline_under_parlors_own_policy(app) {
        let bot = app.create_chatbot("Framed").await;
        let response = app
            .client
            .get(app.url(&format!("/widget-frame/{bot}?theme=dark&language=de&accent=%22%3E%3Cscript%3E")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors *"), "{policy}");
        let page = response.text().await.unwrap();
        assert!(page.contains(&format!("data-chatbot-id=\"{bot}\"")));
        assert!(page.contains("data-mode=\"inline\"") && page.contains("data-frame=\"true\"") && page.contains("data-language=\"de\""));
        assert!(!page.contains("<script>"), "an attribute must not open a tag: {page}");
        // A frame the host page shows inline is told so: it then has no close button.
        let inline = app.client.get(app.url(&format!("/widget-frame/{bot}?inline=true"))).send().await.unwrap();
        assert!(inline.text().await.unwrap().contains("data-frame=\"inline\""));
    }

    async fn a_restricted_chatbots_frame_may_be_framed_only_by_its_sites_and_works_there(app) {
        let bot = app.create_chatbot("Framed and restricted").await;
        let patched = app
            .client
            .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
            .bearer_auth(&app.key)
            .json(&serde_json::json!({"allowed_origins": ["https://shop.example.com"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(patched.status(), 200);
        let response = app.client.get(app.url(&format!("/widget-frame/{bot}"))).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.ends_with("frame-ancestors 'self' https://shop.example.com"), "{policy}");

        // Inside the frame the widget calls Parlor from Parlor's own origin: accepted.
        let framed = app
            .client
            .get(app.url(&format!("/widget/v1/chatbots/{bot}")))
            .header("origin", app.base.as_str())
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(framed.status(), 200);
        // Another site is still refused, even if it claims to be same-site.
        let other = app
            .client
            .get(app.url(&format!("/widget/v1/chatbots/{bot}")))
            .header("origin", "https://elsewhere.example")
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 403);

        // Opened on its own (not in a frame), the restricted frame would be a way around the list.
        let framed_page =
            app.client.get(app.url(&format!("/widget-frame/{bot}"))).header("sec-fetch-dest", "iframe").send().await.unwrap();
        assert_eq!(framed_page.status(), 200);
        let top_level =
            app.client.get(app.url(&format!("/widget-frame/{bot}"))).header("sec-fetch-dest", "document").send().await.unwrap();
        assert_eq!(top_level.status(), 403);

        let unknown = app.client.get(app.url("/widget-frame/bot_unknown")).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
    }
}
