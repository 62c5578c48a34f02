//! The platform API of seed 003 (`/api/platform/v1`): each documented request sent as the seed
//! writes it, with this server's host and a Parlor key, and checked for the seed's status codes,
//! the documented shapes, numbered pages, authentication, rate limits and tenant isolation.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

const BASE: &str = "/api/platform/v1";

/// Sends a request the way the seed shows it: `Authorization: Bearer <key>`, JSON bodies.
async fn call(app: &TestApp, key: Option<&str>, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(&format!("{BASE}{path}")));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    assert_eq!(content_type.as_deref(), Some("application/json"), "{status}: {text}");
    (status, serde_json::from_str(&text).unwrap())
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    call(app, Some(&app.key), Method::GET, path, None).await
}

/// A chat turn through the v2 chat API; the conversation's id.
async fn converse(app: &TestApp, bot: &str, message: &str, conversation: Option<&str>) -> String {
    let mut body = json!({"message": message, "stream": false});
    if let Some(id) = conversation {
        body["conversation_id"] = json!(id);
    }
    let response = app.post(&format!("/api/v2/chatbots/{bot}/chat")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    reply["conversation_id"].as_str().unwrap().to_owned()
}

fn ids(page: &Value) -> Vec<String> {
    page["data"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect()
}

/// A plan of three requests a second, to reach the limit.
fn three_a_second(config: &mut parlor_server::Config) {
    config.plans = "free=60/3/5000".into();
}

on_both_backends! {
    async fn the_seeds_bot_requests_answer_with_its_status_codes_and_parlors_chatbot_shape(app) {
        let key = Some(app.key.as_str());
        let (status, empty) = call(&app, key, Method::GET, "/bots", None).await;
        assert_eq!(status, 200);
        assert_eq!(empty, json!({"data": [], "meta": {"page": 1, "per_page": 20, "total": 0, "has_more": false}}));

        let (status, bot) = call(&app, key, Method::POST, "/bots", Some(json!({"name": "Support Bot"}))).await;
        assert_eq!(status, 201, "{bot}");
        let id = bot["id"].as_str().unwrap().to_owned();
        assert_eq!((bot["object"].as_str(), bot["name"].as_str()), (Some("chatbot"), Some("Support Bot")));
        let v2: Value = app.get(&format!("/api/v2/chatbots/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(get(&app, &format!("/bots/{id}")).await, (200, v2.clone()), "a bot is shown as the v2 API shows it");
        assert_eq!(v2["id"], id.as_str());

        let (status, list) = call(&app, key, Method::GET, "/bots", None).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&list), vec![id.clone()]);
        assert_eq!(list["meta"]["total"], 1);

        let (status, updated) =
            call(&app, key, Method::PATCH, &format!("/bots/{id}"), Some(json!({"name": "Order help", "temperature": 0.2}))).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!((updated["name"].as_str(), updated["settings"]["temperature"].as_f64()), (Some("Order help"), Some(0.2)));

        // The v2 PATCH's validation applies as it is: a value out of range, an unknown field.
        for body in [json!({"temperature": 5}), json!({"nmae": "typo"}), json!({"name": ""})] {
            let (status, error) = call(&app, key, Method::PATCH, &format!("/bots/{id}"), Some(body.clone())).await;
            assert_eq!((status, error["error"]["code"].as_str()), (422, Some("VALIDATION_FAILED")), "{body}: {error}");
            let v2 = app.client.patch(app.url(&format!("/api/v2/chatbots/{id}"))).bearer_auth(&app.key).json(&body).send().await.unwrap();
            assert_eq!(v2.status(), 422, "{body}");
        }
        let (status, error) = call(&app, key, Method::POST, "/bots", Some(json!({}))).await;
        assert_eq!((status, error["error"]["code"].as_str()), (422, Some("VALIDATION_FAILED")), "{error}");

        // Malformed JSON is a clear JSON error, not HTML or text.
        let response = app
            .client
            .post(app.url(&format!("{BASE}/bots")))
            .header("Authorization", format!("Bearer {}", app.key))
            .header("Content-Type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "BAD_REQUEST");
        assert!(error["error"]["message"].as_str().unwrap().contains("malformed JSON"), "{error}");

        // A key without the write scope may read but not create.
        let reader = app.key_with(Some(&app.workspace_id), &[parlor_server::keys::Scope::ChatbotsRead]).await;
        assert_eq!(call(&app, Some(&reader), Method::GET, &format!("/bots/{id}"), None).await.0, 200);
        let (status, error) = call(&app, Some(&reader), Method::POST, "/bots", Some(json!({"name": "No"}))).await;
        assert_eq!((status, error["error"]["code"].as_str()), (403, Some("MISSING_SCOPE")));

        let (status, gone) = call(&app, key, Method::DELETE, &format!("/bots/{id}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(gone, json!({"id": id, "object": "chatbot", "deleted": true}));
        let (status, error) = get(&app, &format!("/bots/{id}")).await;
        assert_eq!((status, error["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
        assert_eq!(call(&app, key, Method::DELETE, &format!("/bots/{id}"), None).await.0, 404);
        assert_eq!(get(&app, "/bots").await.1["meta"]["total"], 0);
    }

    async fn bot_lists_are_numbered_pages_of_twenty_by_default_and_at_most_a_hundred(app) {
        let mut made = Vec::new();
        for n in 0..23 {
            let (status, bot) = call(&app, Some(&app.key), Method::POST, "/bots", Some(json!({"name": format!("Bot {n}")}))).await;
            assert_eq!(status, 201);
            made.push(bot["id"].as_str().unwrap().to_owned());
        }
        let (status, first) = get(&app, "/bots").await;
        assert_eq!(status, 200);
        assert_eq!(first["meta"], json!({"page": 1, "per_page": 20, "total": 23, "has_more": true}));
        assert_eq!(ids(&first).len(), 20);
        let (_, second) = get(&app, "/bots?page=2").await;
        assert_eq!(second["meta"], json!({"page": 2, "per_page": 20, "total": 23, "has_more": false}));
        let mut seen: Vec<String> = ids(&first).into_iter().chain(ids(&second)).collect();
        // Newest first, each bot once.
        let mut newest_first = made.clone();
        newest_first.reverse();
        let (_, all) = get(&app, "/bots?per_page=100").await;
        assert_eq!(all["meta"], json!({"page": 1, "per_page": 100, "total": 23, "has_more": false}));
        assert_eq!(ids(&all), seen);
        seen.sort();
        made.sort();
        assert_eq!(seen, made);
        let (_, small) = get(&app, "/bots?page=3&per_page=10").await;
        assert_eq!((ids(&small).len(), &small["meta"]["has_more"]), (3, &json!(false)));
        assert_eq!(ids(&small), ids(&all)[20..].to_vec());

        let (status, beyond) = get(&app, "/bots?page=9").await;
        assert_eq!(status, 200);
        assert_eq!(beyond, json!({"data": [], "meta": {"page": 9, "per_page": 20, "total": 23, "has_more": false}}));

        for (query, names) in [("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page")] {
            let (status, error) = get(&app, &format!("/bots?{query}")).await;
            assert_eq!((status, error["error"]["code"].as_str()), (422, Some("VALIDATION_FAILED")), "{query}: {error}");
            assert!(error["error"]["message"].as_str().unwrap().starts_with(names), "{query}: {error}");
        }
        let (status, error) = get(&app, "/bots?limit=5").await;
        assert_eq!((status, error["error"]["code"].as_str()), (400, Some("BAD_REQUEST")), "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains("limit"), "{error}");
    }

    async fn a_chat_turns_conversation_and_messages_are_listed_read_and_deleted(app) {
        let bot = app.create_chatbot("Talkative").await;
        let first = converse(&app, &bot, "Hello", None).await;
        converse(&app, &bot, "Hello again", Some(&first)).await;
        let second = converse(&app, &bot, "Hi", None).await;

        let (status, list) = get(&app, &format!("/bots/{bot}/conversations")).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&list), vec![second.clone(), first.clone()]);
        assert_eq!(list["meta"], json!({"page": 1, "per_page": 20, "total": 2, "has_more": false}));
        let (_, one) = get(&app, &format!("/bots/{bot}/conversations?per_page=1&page=2")).await;
        assert_eq!(ids(&one), vec![first.clone()]);
        assert_eq!(one["meta"]["has_more"], false);

        let (status, conversation) = get(&app, &format!("/conversations/{first}")).await;
        assert_eq!(status, 200);
        assert_eq!((conversation["id"].as_str(), conversation["object"].as_str()), (Some(first.as_str()), Some("conversation")));
        assert_eq!((conversation["chatbot_id"].as_str(), conversation["message_count"].as_i64()), (Some(bot.as_str()), Some(4)));
        assert_eq!(conversation, list["data"][1]);

        let (status, messages) = get(&app, &format!("/conversations/{first}/messages")).await;
        assert_eq!(status, 200);
        assert_eq!(messages["meta"], json!({"page": 1, "per_page": 20, "total": 4, "has_more": false}));
        let roles: Vec<&str> = messages["data"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
        assert_eq!(messages["data"][0]["content"], "Hello");
        assert_eq!(messages["data"][2]["content"], "Hello again");
        assert_eq!(messages["data"][0]["object"], "message");
        let v2: Value = app.get(&format!("/api/v2/conversations/{first}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(messages["data"], v2["messages"], "messages are shown as the v2 API shows them");
        let (_, page) = get(&app, &format!("/conversations/{first}/messages?per_page=3")).await;
        assert_eq!((ids(&page).len(), &page["meta"]["has_more"]), (3, &json!(true)));
        let (_, last) = get(&app, &format!("/conversations/{first}/messages?per_page=3&page=2")).await;
        assert_eq!(ids(&last), vec![messages["data"][3]["id"].as_str().unwrap().to_owned()]);
        assert_eq!(last["meta"]["has_more"], false);
        let (status, error) = get(&app, &format!("/conversations/{first}/messages?per_page=101")).await;
        assert_eq!((status, error["error"]["code"].as_str()), (422, Some("VALIDATION_FAILED")));

        let (status, gone) = call(&app, Some(&app.key), Method::DELETE, &format!("/conversations/{first}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(gone, json!({"id": first, "object": "conversation", "deleted": true}));
        for path in [format!("/conversations/{first}"), format!("/conversations/{first}/messages")] {
            let (status, error) = get(&app, &path).await;
            assert_eq!((status, error["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{path}");
        }
        let (_, list) = get(&app, &format!("/bots/{bot}/conversations")).await;
        assert_eq!(ids(&list), vec![second]);
        let (status, _) = get(&app, "/bots/bot_00000000000000000000/conversations").await;
        assert_eq!(status, 404);
    }

    async fn every_request_without_a_key_or_with_a_wrong_one_is_refused_with_401(app) {
        let bot = app.create_chatbot("Guarded").await;
        let conversation = converse(&app, &bot, "Hello", None).await;
        let requests = [
            (Method::GET, "/bots".to_owned(), None),
            (Method::POST, "/bots".to_owned(), Some(json!({"name": "Intruder"}))),
            (Method::GET, format!("/bots/{bot}"), None),
            (Method::PATCH, format!("/bots/{bot}"), Some(json!({"name": "Taken"}))),
            (Method::DELETE, format!("/bots/{bot}"), None),
            (Method::GET, format!("/bots/{bot}/conversations"), None),
            (Method::GET, format!("/conversations/{conversation}"), None),
            (Method::GET, format!("/conversations/{conversation}/messages"), None),
            (Method::DELETE, format!("/conversations/{conversation}"), None),
        ];
        let unknown = parlor_server::keys::PlainKey::generate(parlor_server::keys::KeyKind::Secret);
        let wrong_keys =
            [(None, "MISSING_API_KEY"), (Some("sk_nope"), "MALFORMED_API_KEY"), (Some(unknown.expose()), "INVALID_API_KEY")];
        for (method, path, body) in &requests {
            for (key, code) in wrong_keys {
                let (status, error) = call(&app, key, method.clone(), path, body.clone()).await;
                assert_eq!((status, error["error"]["code"].as_str()), (401, Some(code)), "{method} {path}: {error}");
            }
        }
        assert_eq!(get(&app, &format!("/bots/{bot}")).await.1["name"], "Guarded");
        assert_eq!(get(&app, &format!("/conversations/{conversation}")).await.0, 200);
    }

    async fn another_workspaces_bots_and_conversations_are_not_found_and_stay_unchanged(app) {
        let bot = app.create_chatbot("Private").await;
        let conversation = converse(&app, &bot, "Hello", None).await;
        let stranger = app.key_with(None, &parlor_server::keys::Scope::ALL).await;
        let stranger = Some(stranger.as_str());
        for (method, path, body) in [
            (Method::GET, format!("/bots/{bot}"), None),
            (Method::PATCH, format!("/bots/{bot}"), Some(json!({"name": "Taken"}))),
            (Method::DELETE, format!("/bots/{bot}"), None),
            (Method::GET, format!("/bots/{bot}/conversations"), None),
            (Method::GET, format!("/conversations/{conversation}"), None),
            (Method::GET, format!("/conversations/{conversation}/messages"), None),
            (Method::DELETE, format!("/conversations/{conversation}"), None),
        ] {
            let (status, error) = call(&app, stranger, method.clone(), &path, body).await;
            assert_eq!((status, error["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{method} {path}: {error}");
        }
        let (status, list) = call(&app, stranger, Method::GET, "/bots", None).await;
        assert_eq!((status, list["meta"]["total"].as_i64()), (200, Some(0)));
        assert_eq!(get(&app, &format!("/bots/{bot}")).await.1["name"], "Private");
        assert_eq!(get(&app, &format!("/conversations/{conversation}/messages")).await.1["meta"]["total"], 2);
    }
}

on_both_backends! {
    configured by three_a_second;

    async fn the_platform_api_is_rate_limited_per_key_with_the_headers_and_429(app) {
        for _ in 0..3 {
            let response = app.client.get(app.url(&format!("{BASE}/bots"))).bearer_auth(&app.key).send().await.unwrap();
            assert_eq!(response.status(), 200);
            for header in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
                assert!(response.headers().contains_key(header), "{header}");
            }
        }
        let refused = app.client.get(app.url(&format!("{BASE}/bots"))).bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(refused.status(), 429);
        assert!(refused.headers().contains_key("retry-after"));
        assert_eq!(refused.headers()["x-ratelimit-limit"], "60");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["error"]["code"], "RATE_LIMITED");
    }
}
