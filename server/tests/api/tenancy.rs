//! Tenant isolation across the whole API: a key of another workspace, with every scope, reaches
//! none of a workspace's resources through any endpoint, cannot tell them from ids that do not
//! exist, and changes nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::webhooks::Receiver;

/// Everything a workspace owns, created through the API.
struct Owned {
    bot: String,
    conversation: String,
    message: String,
    source: String,
    contact: String,
    webhook: String,
    delivery: String,
    key: String,
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn create_everything(app: &TestApp) -> Owned {
    let bot = app.create_chatbot("Private").await;
    let reply = json_of(
        app.post(&format!("/api/v2/chatbots/{bot}/chat"))
            .json(&json!({"message": "hello", "stream": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let conversation = reply["conversation_id"].as_str().unwrap().to_owned();
    let message = reply["message"]["id"].as_str().unwrap().to_owned();
    let source = json_of(
        app.post("/api/knowledge")
            .json(&json!({"chatbotId": bot, "type": "qa", "source": "Secret?", "content": "Yes."}))
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contact = json_of(
        app.post("/api/v2/contacts").json(&json!({"email": "dana@example.com"})).send().await.unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let receiver = Receiver::start().await;
    let webhook = json_of(app.post("/api/v2/webhooks").json(&json!({"url": receiver.url})).send().await.unwrap()).await
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let delivery = json_of(app.post(&format!("/api/v2/webhooks/{webhook}/test")).send().await.unwrap()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = json_of(
        app.post("/api/v2/keys").json(&json!({"name": "second", "scopes": ["chatbots:read"]})).send().await.unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Owned { bot, conversation, message, source, contact, webhook, delivery, key }
}

/// Every endpoint that names a resource, with the ids of `o` (or made-up ones) and a valid body.
fn requests(o: &Owned) -> Vec<(Method, String, Value)> {
    let (bot, conv, msg, src, contact, hook, delivery, key) =
        (&o.bot, &o.conversation, &o.message, &o.source, &o.contact, &o.webhook, &o.delivery, &o.key);
    let none = Value::Null;
    vec![
        (Method::GET, format!("/api/chatbots/{bot}"), none.clone()),
        (Method::PATCH, format!("/api/v2/chatbots/{bot}"), json!({"name": "Taken"})),
        (Method::DELETE, format!("/api/v2/chatbots/{bot}"), none.clone()),
        (Method::POST, format!("/api/v2/chatbots/{bot}/chat"), json!({"message": "hi", "stream": false})),
        (Method::GET, format!("/api/v2/chatbots/{bot}/conversations"), none.clone()),
        (Method::GET, format!("/api/v2/chatbots/{bot}/conversations/export"), none.clone()),
        (Method::GET, format!("/api/v2/chatbots/{bot}/leads"), none.clone()),
        (Method::GET, format!("/api/v2/chatbots/{bot}/feedback"), none.clone()),
        (Method::POST, format!("/api/v2/chatbots/{bot}/knowledge/search"), json!({"query": "secret"})),
        (Method::GET, format!("/api/v2/chatbots/{bot}/suggestions?q=sec"), none.clone()),
        (Method::POST, format!("/api/v2/chatbots/{bot}/identity-secret"), none.clone()),
        (Method::DELETE, format!("/api/v2/chatbots/{bot}/identity-secret"), none.clone()),
        (Method::GET, format!("/api/knowledge?chatbot_id={bot}"), none.clone()),
        (
            Method::POST,
            "/api/knowledge".to_owned(),
            json!({"chatbotId": bot, "type": "qa", "source": "q", "content": "a"}),
        ),
        (Method::GET, format!("/api/v2/knowledge/{src}"), none.clone()),
        (Method::GET, format!("/api/v2/knowledge/{src}/pages"), none.clone()),
        (Method::POST, format!("/api/v2/knowledge/{src}/refresh"), none.clone()),
        (Method::POST, "/api/knowledge/scrape".to_owned(), json!({"chatbotId": bot, "url": "https://example.com/"})),
        (Method::DELETE, format!("/api/knowledge/{src}"), none.clone()),
        (Method::GET, format!("/api/platform/v1/bots/{bot}"), none.clone()),
        (Method::PATCH, format!("/api/platform/v1/bots/{bot}"), json!({"name": "Taken"})),
        (Method::DELETE, format!("/api/platform/v1/bots/{bot}"), none.clone()),
        (Method::GET, format!("/api/platform/v1/bots/{bot}/conversations"), none.clone()),
        (Method::GET, format!("/api/platform/v1/conversations/{conv}"), none.clone()),
        (Method::GET, format!("/api/platform/v1/conversations/{conv}/messages"), none.clone()),
        (Method::DELETE, format!("/api/platform/v1/conversations/{conv}"), none.clone()),
        (Method::GET, format!("/api/v2/conversations/{conv}"), none.clone()),
        (Method::DELETE, format!("/api/v2/conversations/{conv}"), none.clone()),
        (Method::POST, format!("/api/conversations/{conv}/reply"), json!({"message": "hi"})),
        (Method::POST, format!("/api/conversations/{conv}/tags"), json!({"tags": ["x"]})),
        (Method::POST, format!("/api/v2/conversations/{conv}/end"), none.clone()),
        (Method::GET, format!("/api/conversations/{conv}/export?format=csv"), none.clone()),
        (Method::GET, format!("/api/v2/messages/{msg}/stream"), none.clone()),
        (Method::POST, format!("/api/v2/messages/{msg}/stop"), none.clone()),
        (Method::GET, format!("/api/v2/contacts/{contact}"), none.clone()),
        (Method::PATCH, format!("/api/v2/contacts/{contact}"), json!({"name": "Taken"})),
        (Method::GET, format!("/api/v2/webhooks/{hook}"), none.clone()),
        (Method::PATCH, format!("/api/v2/webhooks/{hook}"), json!({"enabled": false})),
        (Method::DELETE, format!("/api/v2/webhooks/{hook}"), none.clone()),
        (Method::POST, format!("/api/v2/webhooks/{hook}/test"), none.clone()),
        (Method::POST, format!("/api/v2/webhooks/{hook}/rotate-secret"), none.clone()),
        (Method::POST, format!("/api/v2/webhooks/{hook}/replay"), json!({"since": "2020-01-01T00:00:00Z"})),
        (Method::GET, format!("/api/v2/webhooks/{hook}/deliveries"), none.clone()),
        (Method::GET, format!("/api/v2/webhooks/{hook}/deliveries/{delivery}"), none.clone()),
        (Method::POST, format!("/api/v2/webhooks/{hook}/deliveries/{delivery}/redeliver"), none.clone()),
        (Method::POST, format!("/api/v2/keys/{key}/roll"), none.clone()),
        (Method::DELETE, format!("/api/v2/keys/{key}"), none),
    ]
}

async fn send(app: &TestApp, key: &str, (method, path, body): &(Method, String, Value)) -> (u16, Value) {
    let mut request = app.client.request(method.clone(), app.url(path)).bearer_auth(key);
    if !body.is_null() {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

on_both_backends! {
    configured by crate::webhooks::fast_webhooks;

    async fn another_workspace_reaches_nothing_through_any_endpoint_and_cannot_tell_it_exists(app) {
        let owned = create_everything(&app).await;
        let stranger = app.key_with(None, &parlor_server::keys::Scope::ALL).await;
        let made_up = Owned {
            bot: "bot_00000000000000000000".into(),
            conversation: "conv_00000000000000000000".into(),
            message: "msg_00000000000000000000".into(),
            source: "src_00000000000000000000".into(),
            contact: "ct_00000000000000000000".into(),
            webhook: "whk_00000000000000000000".into(),
            delivery: "msg_00000000000000000001".into(),
            key: "key_00000000000000000000".into(),
        };
        for (real, fake) in requests(&owned).iter().zip(requests(&made_up).iter()) {
            let (status, body) = send(&app, &stranger, real).await;
            assert_eq!(status, 404, "{} {} answered {status}: {body}", real.0, real.1);
            let (fake_status, fake_body) = send(&app, &stranger, fake).await;
            assert_eq!(
                (status, &body["error"]["code"], &body["error"]["message"]),
                (fake_status, &fake_body["error"]["code"], &fake_body["error"]["message"]),
                "{} {}: another workspace's resource must look like one that does not exist",
                real.0,
                real.1
            );
        }
        // The stranger's lists are empty, and the owner's data is untouched.
        for path in ["/api/v2/chatbots", "/api/v2/contacts", "/api/v2/webhooks"] {
            let list = json_of(app.client.get(app.url(path)).bearer_auth(&stranger).send().await.unwrap()).await;
            assert_eq!(list["data"], json!([]), "{path}");
        }
        let bot = json_of(app.get(&format!("/api/v2/chatbots/{}", owned.bot)).send().await.unwrap()).await;
        assert_eq!(bot["name"], "Private");
        let conversation = json_of(app.get(&format!("/api/v2/conversations/{}", owned.conversation)).send().await.unwrap()).await;
        assert_eq!(conversation["status"], "open");
        assert_eq!(conversation["tags"], json!([]));
        let webhook = json_of(app.get(&format!("/api/v2/webhooks/{}", owned.webhook)).send().await.unwrap()).await;
        assert_eq!(webhook["enabled"], true);
        let contact = json_of(app.get(&format!("/api/v2/contacts/{}", owned.contact)).send().await.unwrap()).await;
        assert!(contact["name"].is_null());
    }
}
