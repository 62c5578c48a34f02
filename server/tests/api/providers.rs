//! The HTTP model providers against fake OpenAI and Anthropic servers on port 0 that speak each
//! API's real wire format: the request they receive, the streamed answer they send, and the
//! ways that answer can fail.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use futures::StreamExt;
use parlor_server::chat::anthropic::{Anthropic, AnthropicConfig};
use parlor_server::chat::http::HttpOptions;
use parlor_server::chat::openai::{OpenAiCompatible, OpenAiConfig};
use parlor_server::chat::service::{ChatEvent, ChatService, NewMessage};
use parlor_server::chat::{ChatModel, Citation, ModelError, ModelEvent, ModelRequest, Role};
use parlor_server::config::{Secret, StorageConfig};
use parlor_server::knowledge::{Entry, Hit};
use serde_json::{Value, json};

const OPENAI_PATH: &str = "/v1/chat/completions";
const ANTHROPIC_PATH: &str = "/v1/messages";
const KEY: &str = "sk-test-SECRET-4f9a8b7c6d5e";

/// How the fake ends a streamed answer.
#[derive(Debug, Clone, Copy)]
enum End {
    /// The body ends normally, after whatever pieces were scripted.
    Close,
    /// The connection is cut in the middle of the body.
    Abort,
    /// The server keeps the connection open and sends nothing more.
    Stall,
}

/// One scripted answer of a fake provider.
#[derive(Debug, Clone)]
enum Reply {
    /// A complete response with a JSON body.
    Status { status: u16, retry_after: Option<&'static str>, body: String },
    /// A 200 event stream whose pieces are written one by one, then ended as `end` says.
    Stream { pieces: Vec<Bytes>, end: End },
}

/// A request the fake received.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Value,
}

#[derive(Debug)]
struct Script {
    /// The replies still to give; the last one is given again to every later request.
    replies: VecDeque<Reply>,
    received: Vec<Received>,
}

type Shared = Arc<Mutex<Script>>;

/// A fake provider on port 0 that answers `path` from a script and records what it receives.
struct Fake {
    base: String,
    script: Shared,
}

impl Fake {
    async fn start(path: &str, replies: Vec<Reply>) -> Fake {
        let script = Arc::new(Mutex::new(Script { replies: replies.into(), received: Vec::new() }));
        let app = Router::new().route(path, post(answer)).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake { base, script }
    }

    fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }
}

async fn answer(State(script): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let reply = {
        let mut script = script.lock().unwrap();
        script.received.push(Received { headers, body: serde_json::from_slice(&body).unwrap_or(Value::Null) });
        if script.replies.len() > 1 { script.replies.pop_front() } else { script.replies.front().cloned() }
    };
    match reply.expect("the test scripted at least one reply") {
        Reply::Status { status, retry_after, body } => {
            let mut response = Response::builder().status(status).header("content-type", "application/json");
            if let Some(seconds) = retry_after {
                response = response.header("retry-after", seconds);
            }
            response.body(Body::from(body)).unwrap()
        }
        Reply::Stream { pieces, end } => {
            // A short pause between pieces makes them arrive as separate reads, as over a network.
            let pieces = futures::stream::iter(pieces).then(|piece| async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                Ok::<_, std::io::Error>(piece)
            });
            let ending = futures::stream::once(async move {
                match end {
                    End::Close => None,
                    End::Abort => {
                        // The pause lets the pieces before it reach the client before the cut.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Some(Err(std::io::Error::other("connection cut")))
                    }
                    End::Stall => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        None
                    }
                }
            })
            .filter_map(futures::future::ready);
            Response::builder()
                .status(200)
                .header("content-type", "text/event-stream; charset=utf-8")
                .header("cache-control", "no-cache")
                .body(Body::from_stream(pieces.chain(ending)))
                .unwrap()
        }
    }
}

/// Splits the pieces' bytes into chunks of `size`, cutting lines, events and even characters
/// in two, as TCP may.
fn rechunk(pieces: &[String], size: usize) -> Vec<Bytes> {
    pieces.concat().into_bytes().chunks(size).map(Bytes::copy_from_slice).collect()
}

/// Timeouts and pauses short enough to keep every test well under a few seconds; the 300 ms
/// cap on `Retry-After` shows in the retry tests.
fn fast_http() -> HttpOptions {
    HttpOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(2),
        attempts: 3,
        backoff_base: Duration::from_millis(5),
        max_retry_after: Duration::from_millis(300),
        ..HttpOptions::default()
    }
}

fn openai(fake: &Fake) -> OpenAiCompatible {
    OpenAiCompatible::new(openai_config(fake)).unwrap()
}

fn openai_config(fake: &Fake) -> OpenAiConfig {
    OpenAiConfig {
        api_key: Some(Secret::new(KEY)),
        temperature: Some(0.25),
        max_tokens: Some(256),
        http: fast_http(),
        ..OpenAiConfig::new(format!("{}/", fake.base), "gpt-test")
    }
}

fn anthropic(fake: &Fake) -> Anthropic {
    Anthropic::new(anthropic_config(fake)).unwrap()
}

fn anthropic_config(fake: &Fake) -> AnthropicConfig {
    AnthropicConfig {
        base_url: fake.base.clone(),
        temperature: Some(0.5),
        max_tokens: 300,
        http: fast_http(),
        ..AnthropicConfig::new("claude-test", Secret::new(KEY))
    }
}

fn hours() -> Hit {
    Hit {
        entry: Entry {
            id: "kn_hours".into(),
            chatbot_id: "bot_1".into(),
            kind: "text".into(),
            title: "Opening hours".into(),
            question: None,
            content: "We are open 9 to 5 on weekdays, and 10 to 2 on Saturdays.".into(),
            source_url: Some("https://acme.example/hours".into()),
            ..Entry::default()
        },
        score: 2.5,
        coverage: 1.0,
        ..Hit::default()
    }
}

fn request(knowledge: Vec<Hit>) -> ModelRequest {
    ModelRequest {
        chatbot_name: "Acme Bot".into(),
        welcome_message: "Hi! How can I help?".into(),
        history: vec![
            (Role::Assistant, "Hi! How can I help?".into()),
            (Role::User, "Do you roast your own beans?".into()),
            (Role::Assistant, "Yes, every Tuesday.".into()),
        ],
        message: "When are you open on Saturday?".into(),
        knowledge,
        ..ModelRequest::default()
    }
}

/// Everything a reply produced: the events, and the error that ended it if one did.
#[derive(Debug)]
struct Outcome {
    events: Vec<ModelEvent>,
    error: Option<ModelError>,
}

impl Outcome {
    fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|event| match event {
                ModelEvent::Delta(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn error(&self) -> String {
        self.error.as_ref().expect("the reply failed").0.clone()
    }
}

/// Runs a reply to its end, failing the test if it takes longer than a few seconds. An error
/// must be the last item of the stream.
async fn collect(model: &dyn ChatModel, request: ModelRequest) -> Outcome {
    let run = async {
        let mut stream = match model.reply(request).await {
            Ok(stream) => stream,
            Err(error) => return Outcome { events: Vec::new(), error: Some(error) },
        };
        let mut events = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(event) => events.push(event),
                Err(error) => {
                    assert!(stream.next().await.is_none(), "nothing follows an error");
                    return Outcome { events, error: Some(error) };
                }
            }
        }
        Outcome { events, error: None }
    };
    tokio::time::timeout(Duration::from_secs(8), run).await.expect("the reply must not hang")
}

fn expected_citation() -> Citation {
    Citation {
        entry_id: "kn_hours".into(),
        title: "Opening hours".into(),
        source_url: Some("https://acme.example/hours".into()),
        snippet: "We are open 9 to 5 on weekdays, and 10 to 2 on Saturdays.".into(),
        ..Citation::default()
    }
}

// The OpenAI wire format: unnamed events whose data is a chat.completion.chunk, then [DONE].

fn openai_chunk(delta: &Value, finish_reason: Option<&str>) -> String {
    let chunk = json!({
        "id": "chatcmpl-abc123",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-test",
        "system_fingerprint": "fp_test",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}],
        "usage": null,
    });
    format!("data: {chunk}\n\n")
}

fn openai_usage_chunk(prompt_tokens: i64, completion_tokens: i64) -> String {
    let chunk = json!({
        "id": "chatcmpl-abc123",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-test",
        "system_fingerprint": "fp_test",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    });
    format!("data: {chunk}\n\n")
}

/// The opening chunk (the role, empty content) and one chunk per piece of text.
fn openai_deltas(texts: &[&str]) -> Vec<String> {
    let mut pieces = vec![openai_chunk(&json!({"role": "assistant", "content": "", "refusal": null}), None)];
    pieces.extend(texts.iter().map(|text| openai_chunk(&json!({"content": text}), None)));
    pieces
}

/// A complete answer: the text, the finishing chunk, the usage chunk and `[DONE]`.
fn openai_answer(texts: &[&str], prompt_tokens: i64, completion_tokens: i64) -> Vec<String> {
    let mut pieces = openai_deltas(texts);
    pieces.push(openai_chunk(&json!({}), Some("stop")));
    pieces.push(openai_usage_chunk(prompt_tokens, completion_tokens));
    pieces.push("data: [DONE]\n\n".to_owned());
    pieces
}

fn openai_error(message: &str, kind: &str, code: &str) -> String {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}}).to_string()
}

// The Anthropic wire format: named events whose data repeats the name as `type`.

fn anthropic_event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn anthropic_start(input_tokens: i64) -> Vec<String> {
    vec![
        anthropic_event(
            "message_start",
            &json!({"type": "message_start", "message": {
                "id": "msg_01Test", "type": "message", "role": "assistant", "content": [],
                "model": "claude-test", "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": input_tokens, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0, "output_tokens": 1}
            }}),
        ),
        anthropic_event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        anthropic_event("ping", &json!({"type": "ping"})),
    ]
}

fn anthropic_text(text: &str) -> String {
    anthropic_event(
        "content_block_delta",
        &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
    )
}

fn anthropic_answer(texts: &[&str], input_tokens: i64, output_tokens: i64) -> Vec<String> {
    let mut pieces = anthropic_start(input_tokens);
    pieces.extend(texts.iter().map(|text| anthropic_text(text)));
    pieces.push(anthropic_event("content_block_stop", &json!({"type": "content_block_stop", "index": 0})));
    pieces.push(anthropic_event(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                "usage": {"output_tokens": output_tokens}}),
    ));
    pieces.push(anthropic_event("message_stop", &json!({"type": "message_stop"})));
    pieces
}

fn anthropic_error(kind: &str, message: &str) -> String {
    json!({"type": "error", "error": {"type": kind, "message": message}}).to_string()
}

fn streamed(pieces: Vec<String>) -> Reply {
    Reply::Stream { pieces: bytes(pieces), end: End::Close }
}

fn bytes(pieces: Vec<String>) -> Vec<Bytes> {
    pieces.into_iter().map(Bytes::from).collect()
}

const ANSWER: [&str; 4] = ["On Saturdays ", "we are open ", "10 to 2. ", "Café ☕ included!"];

#[tokio::test]
async fn openai_stream_is_joined_and_usage_is_taken_from_the_final_chunk() {
    let pieces = rechunk(&openai_answer(&ANSWER, 321, 17), 7);
    let fake = Fake::start(OPENAI_PATH, vec![Reply::Stream { pieces, end: End::Close }]).await;
    let outcome = collect(&openai(&fake), request(vec![hours()])).await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    assert_eq!(outcome.text(), ANSWER.concat());
    let tail = &outcome.events[outcome.events.len() - 2..];
    assert_eq!(
        tail,
        [
            ModelEvent::Usage { prompt_tokens: 321, completion_tokens: 17 },
            ModelEvent::Citations(vec![expected_citation()])
        ]
    );
}

#[tokio::test]
async fn openai_answer_without_knowledge_or_usage_has_neither_citations_nor_usage() {
    let mut pieces = openai_deltas(&["Hello!"]);
    pieces.push(openai_chunk(&json!({}), Some("stop")));
    pieces.push("data: [DONE]\n\n".to_owned());
    let fake = Fake::start(OPENAI_PATH, vec![streamed(pieces)]).await;
    let outcome = collect(&openai(&fake), request(Vec::new())).await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    assert_eq!(outcome.events, vec![ModelEvent::Delta("Hello!".into())]);
}

#[tokio::test]
async fn openai_request_carries_the_model_stream_flag_history_knowledge_and_bearer_key() {
    let fake = Fake::start(OPENAI_PATH, vec![streamed(openai_answer(&["Hi"], 1, 1))]).await;
    collect(&openai(&fake), request(vec![hours()])).await;
    let received = fake.received();
    assert_eq!(received.len(), 1);
    let Received { headers, body } = &received[0];
    assert_eq!(headers["authorization"], format!("Bearer {KEY}").as_str());
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(body["temperature"], 0.25);
    assert_eq!(body["max_tokens"], 256);
    let messages = body["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "assistant", "user", "assistant", "user"]);
    let system = messages[0]["content"].as_str().unwrap();
    assert!(system.contains("Acme Bot"), "{system}");
    assert!(system.contains("Opening hours"), "{system}");
    assert!(system.contains("10 to 2 on Saturdays"), "{system}");
    assert_eq!(messages[2]["content"], "Do you roast your own beans?");
    assert_eq!(messages[3]["content"], "Yes, every Tuesday.");
    assert_eq!(messages[4]["content"], "When are you open on Saturday?");
}

#[tokio::test]
async fn a_model_is_given_the_passages_that_answer_with_their_sources_and_may_cite_only_those() {
    let parking = Hit {
        entry: Entry {
            id: "kn_parking".into(),
            title: "Parking".into(),
            content: "Parking is free behind the shop.".into(),
            file_name: Some("visit.pdf".into()),
            page: Some(3),
            ..hours().entry
        },
        ..hours()
    };
    let answer = ["Saturdays 10 to 2 [1]", ", as the parking leaflet [2] and [7] say."];
    let fake = Fake::start(OPENAI_PATH, vec![streamed(openai_answer(&answer, 1, 1))]).await;
    let outcome = collect(&openai(&fake), request(vec![hours(), parking])).await;
    let system = fake.received()[0].body["messages"][0]["content"].as_str().unwrap().to_owned();
    assert!(system.contains("[1] Opening hours\nSource: https://acme.example/hours\nWe are open"), "{system}");
    assert!(system.contains("cite no other numbers"), "{system}");
    assert!(!system.contains("Parking"), "an unrelated passage is not given: {system}");
    let citations = outcome.events.iter().find_map(|event| match event {
        ModelEvent::Citations(citations) => Some(citations.clone()),
        _ => None,
    });
    assert_eq!(citations, Some(vec![expected_citation()]), "[2] and [7] name no given passage");
}

#[tokio::test]
async fn openai_request_without_a_key_or_limits_sends_no_authorization_and_no_limits() {
    let fake = Fake::start(OPENAI_PATH, vec![streamed(openai_answer(&["Hi"], 1, 1))]).await;
    let config = OpenAiConfig { http: fast_http(), ..OpenAiConfig::new(fake.base.clone(), "llama3.2") };
    collect(&OpenAiCompatible::new(config).unwrap(), request(Vec::new())).await;
    let Received { headers, body } = &fake.received()[0];
    assert!(headers.get("authorization").is_none());
    assert!(body.get("temperature").is_none() && body.get("max_tokens").is_none(), "{body}");
    assert!(body["messages"][0]["content"].as_str().unwrap().contains("No knowledge passages matched"));
}

#[tokio::test]
async fn openai_malformed_chunk_ends_the_stream_with_an_error() {
    let mut pieces = openai_deltas(&["We are "]);
    pieces.push("data: {\"choices\": [{\"delta\": {\"content\": \"open\"\n\n".to_owned());
    pieces.extend(openai_answer(&["never seen"], 1, 1));
    let fake = Fake::start(OPENAI_PATH, vec![streamed(pieces)]).await;
    let outcome = collect(&openai(&fake), request(vec![hours()])).await;
    assert_eq!(outcome.text(), "We are ");
    assert!(outcome.error().contains("malformed chunk"), "{}", outcome.error());
    assert!(!outcome.events.iter().any(|event| matches!(event, ModelEvent::Citations(_))));
}

#[tokio::test]
async fn openai_stream_cut_off_before_done_is_an_error() {
    for end in [End::Close, End::Abort] {
        let pieces = openai_deltas(&["We are ", "open"]);
        let fake = Fake::start(OPENAI_PATH, vec![Reply::Stream { pieces: bytes(pieces), end }]).await;
        let outcome = collect(&openai(&fake), request(vec![hours()])).await;
        assert_eq!(outcome.text(), "We are open", "{end:?}");
        assert!(outcome.error.is_some(), "{end:?}: {outcome:?}");
        assert!(!outcome.events.iter().any(|event| matches!(event, ModelEvent::Citations(_))), "{end:?}");
        assert_eq!(fake.received().len(), 1, "a started answer is not retried");
    }
}

#[tokio::test]
async fn openai_stall_between_chunks_is_an_error_after_the_idle_timeout() {
    let pieces = openai_deltas(&["We are "]);
    let fake = Fake::start(OPENAI_PATH, vec![Reply::Stream { pieces: bytes(pieces), end: End::Stall }]).await;
    let config = OpenAiConfig {
        http: HttpOptions { idle_timeout: Duration::from_millis(200), ..fast_http() },
        ..openai_config(&fake)
    };
    let started = Instant::now();
    let outcome = collect(&OpenAiCompatible::new(config).unwrap(), request(Vec::new())).await;
    assert_eq!(outcome.text(), "We are ");
    assert!(outcome.error().contains("sent nothing for 200 ms"), "{}", outcome.error());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn openai_rate_limit_before_the_first_token_is_retried_after_retry_after() {
    let limited = Reply::Status {
        status: 429,
        retry_after: Some("1"),
        body: openai_error("Rate limit reached for gpt-test", "requests", "rate_limit_exceeded"),
    };
    let fake = Fake::start(OPENAI_PATH, vec![limited, streamed(openai_answer(&ANSWER, 40, 12))]).await;
    let started = Instant::now();
    let outcome = collect(&openai(&fake), request(Vec::new())).await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    assert_eq!(outcome.text(), ANSWER.concat());
    assert_eq!(fake.received().len(), 2);
    // The one-second Retry-After is honoured up to the test's 300 ms cap, far above the
    // backoff of a few milliseconds that would apply without it.
    assert!(started.elapsed() >= Duration::from_millis(290), "{:?}", started.elapsed());
}

#[tokio::test]
async fn openai_persistent_server_error_fails_after_the_retries_with_the_status() {
    let failing = Reply::Status {
        status: 500,
        retry_after: None,
        body: openai_error("The server had an error while processing your request.", "server_error", "boom"),
    };
    let fake = Fake::start(OPENAI_PATH, vec![failing]).await;
    let outcome = collect(&openai(&fake), request(Vec::new())).await;
    let error = outcome.error();
    assert!(error.contains("500 Internal Server Error"), "{error}");
    assert!(error.contains("The server had an error while processing your request."), "{error}");
    assert!(error.contains("after 3 attempts"), "{error}");
    assert_eq!(fake.received().len(), 3);
    assert!(outcome.events.is_empty());
}

#[tokio::test]
async fn openai_client_errors_are_not_retried_and_show_the_providers_message() {
    let missing = Reply::Status {
        status: 404,
        retry_after: None,
        body: json!({"error": "model \"llama9\" not found, try pulling it first"}).to_string(),
    };
    let fake = Fake::start(OPENAI_PATH, vec![missing]).await;
    let error = collect(&openai(&fake), request(Vec::new())).await.error();
    assert!(error.contains("404 Not Found"), "{error}");
    assert!(error.contains("model \"llama9\" not found"), "{error}");
    assert_eq!(fake.received().len(), 1);
}

#[tokio::test]
async fn openai_unreachable_server_is_retried_and_then_fails() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = OpenAiConfig { http: fast_http(), ..OpenAiConfig::new(base, "gpt-test") };
    let error = collect(&OpenAiCompatible::new(config).unwrap(), request(Vec::new())).await.error();
    assert!(error.contains("could not reach openai-compatible"), "{error}");
    assert!(error.contains("after 3 attempts"), "{error}");
}

#[tokio::test]
async fn openai_key_never_appears_in_errors_or_debug_output() {
    let refused = Reply::Status {
        status: 401,
        retry_after: None,
        body: openai_error(&format!("Incorrect API key provided: {KEY}."), "invalid_request_error", "invalid_api_key"),
    };
    let fake = Fake::start(OPENAI_PATH, vec![refused]).await;
    let provider = openai(&fake);
    let error = collect(&provider, request(Vec::new())).await.error();
    assert!(error.contains("401 Unauthorized"), "{error}");
    assert!(error.contains("Incorrect API key provided"), "{error}");
    assert!(!error.contains(KEY), "{error}");
    assert_eq!(fake.received().len(), 1, "a refused key is not retried");
    let failing =
        Fake::start(OPENAI_PATH, vec![Reply::Status { status: 503, retry_after: None, body: KEY.into() }]).await;
    let error = collect(&openai(&failing), request(Vec::new())).await.error();
    assert!(error.contains("503") && !error.contains(KEY), "{error}");
    for debug in [format!("{provider:?}"), format!("{:?}", openai_config(&fake))] {
        assert!(!debug.contains(KEY), "{debug}");
        assert!(debug.contains("gpt-test"), "{debug}");
    }
}

#[tokio::test]
async fn anthropic_named_events_are_joined_and_usage_comes_from_message_start_and_message_delta() {
    let pieces = rechunk(&anthropic_answer(&ANSWER, 412, 15), 5);
    let fake = Fake::start(ANTHROPIC_PATH, vec![Reply::Stream { pieces, end: End::Close }]).await;
    let outcome = collect(&anthropic(&fake), request(vec![hours()])).await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    assert_eq!(outcome.text(), ANSWER.concat());
    let tail = &outcome.events[outcome.events.len() - 2..];
    assert_eq!(
        tail,
        [
            ModelEvent::Usage { prompt_tokens: 412, completion_tokens: 15 },
            ModelEvent::Citations(vec![expected_citation()])
        ]
    );
}

#[tokio::test]
async fn anthropic_request_carries_the_model_system_prompt_messages_and_api_headers() {
    let fake = Fake::start(ANTHROPIC_PATH, vec![streamed(anthropic_answer(&["Hi"], 1, 1))]).await;
    collect(&anthropic(&fake), request(vec![hours()])).await;
    let received = fake.received();
    assert_eq!(received.len(), 1);
    let Received { headers, body } = &received[0];
    assert_eq!(headers["x-api-key"], KEY);
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert!(headers.get("authorization").is_none());
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(body["model"], "claude-test");
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 300);
    assert_eq!(body["temperature"], 0.5);
    let system = body["system"].as_str().unwrap();
    assert!(system.contains("Acme Bot"), "{system}");
    assert!(system.contains("Opening hours"), "{system}");
    assert!(system.contains("10 to 2 on Saturdays"), "{system}");
    // The conversation starts with the visitor, so the greeting before the first question is
    // left out; the system prompt is not a message.
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": "Do you roast your own beans?"},
            {"role": "assistant", "content": "Yes, every Tuesday."},
            {"role": "user", "content": "When are you open on Saturday?"},
        ])
    );
}

#[tokio::test]
async fn anthropic_malformed_event_ends_the_stream_with_an_error() {
    let mut pieces = anthropic_start(10);
    pieces.push(anthropic_text("We are "));
    pieces.push("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":\n\n".to_owned());
    pieces.extend(anthropic_answer(&["never seen"], 1, 1));
    let fake = Fake::start(ANTHROPIC_PATH, vec![streamed(pieces)]).await;
    let outcome = collect(&anthropic(&fake), request(vec![hours()])).await;
    assert_eq!(outcome.text(), "We are ");
    assert!(outcome.error().contains("malformed chunk"), "{}", outcome.error());
}

#[tokio::test]
async fn anthropic_error_event_mid_stream_fails_with_the_providers_message() {
    let mut pieces = anthropic_start(10);
    pieces.push(anthropic_text("We are "));
    pieces.push(anthropic_event(
        "error",
        &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ));
    let fake = Fake::start(ANTHROPIC_PATH, vec![streamed(pieces)]).await;
    let outcome = collect(&anthropic(&fake), request(Vec::new())).await;
    assert_eq!(outcome.text(), "We are ");
    assert!(outcome.error().contains("overloaded_error: Overloaded"), "{}", outcome.error());
}

#[tokio::test]
async fn anthropic_stream_cut_off_before_message_stop_is_an_error() {
    for end in [End::Close, End::Abort] {
        let mut pieces = anthropic_start(10);
        pieces.extend([anthropic_text("We are "), anthropic_text("open")]);
        let fake = Fake::start(ANTHROPIC_PATH, vec![Reply::Stream { pieces: bytes(pieces), end }]).await;
        let outcome = collect(&anthropic(&fake), request(vec![hours()])).await;
        assert_eq!(outcome.text(), "We are open", "{end:?}");
        assert!(outcome.error.is_some(), "{end:?}: {outcome:?}");
        assert!(!outcome.events.iter().any(|event| matches!(event, ModelEvent::Citations(_))), "{end:?}");
        assert_eq!(fake.received().len(), 1, "a started answer is not retried");
    }
}

#[tokio::test]
async fn anthropic_stall_between_events_is_an_error_after_the_idle_timeout() {
    let mut pieces = anthropic_start(10);
    pieces.push(anthropic_text("We are "));
    let fake = Fake::start(ANTHROPIC_PATH, vec![Reply::Stream { pieces: bytes(pieces), end: End::Stall }]).await;
    let config = AnthropicConfig {
        http: HttpOptions { idle_timeout: Duration::from_millis(200), ..fast_http() },
        ..anthropic_config(&fake)
    };
    let started = Instant::now();
    let outcome = collect(&Anthropic::new(config).unwrap(), request(Vec::new())).await;
    assert_eq!(outcome.text(), "We are ");
    assert!(outcome.error().contains("sent nothing for 200 ms"), "{}", outcome.error());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn anthropic_rate_limit_before_the_first_token_is_retried_after_retry_after() {
    let limited = Reply::Status {
        status: 429,
        retry_after: Some("1"),
        body: anthropic_error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    };
    let fake = Fake::start(ANTHROPIC_PATH, vec![limited, streamed(anthropic_answer(&ANSWER, 40, 12))]).await;
    let started = Instant::now();
    let outcome = collect(&anthropic(&fake), request(Vec::new())).await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    assert_eq!(outcome.text(), ANSWER.concat());
    assert_eq!(fake.received().len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(290), "{:?}", started.elapsed());
}

#[tokio::test]
async fn anthropic_persistent_server_error_fails_after_the_retries_with_the_status() {
    let failing =
        Reply::Status { status: 500, retry_after: None, body: anthropic_error("api_error", "Internal server error") };
    let fake = Fake::start(ANTHROPIC_PATH, vec![failing]).await;
    let outcome = collect(&anthropic(&fake), request(Vec::new())).await;
    let error = outcome.error();
    assert!(error.contains("500 Internal Server Error"), "{error}");
    assert!(error.contains("Internal server error"), "{error}");
    assert!(error.contains("after 3 attempts"), "{error}");
    assert_eq!(fake.received().len(), 3);
}

#[tokio::test]
async fn anthropic_key_never_appears_in_errors_or_debug_output() {
    let refused = Reply::Status {
        status: 401,
        retry_after: None,
        body: anthropic_error("authentication_error", &format!("invalid x-api-key: {KEY}")),
    };
    let fake = Fake::start(ANTHROPIC_PATH, vec![refused]).await;
    let provider = anthropic(&fake);
    let error = collect(&provider, request(Vec::new())).await.error();
    assert!(error.contains("401 Unauthorized"), "{error}");
    assert!(error.contains("invalid x-api-key"), "{error}");
    assert!(!error.contains(KEY), "{error}");
    assert_eq!(fake.received().len(), 1, "a refused key is not retried");
    for debug in [format!("{provider:?}"), format!("{:?}", anthropic_config(&fake))] {
        assert!(!debug.contains(KEY), "{debug}");
        assert!(debug.contains("claude-test"), "{debug}");
    }
}

#[tokio::test]
async fn usage_reported_by_a_provider_replaces_the_estimate_in_done_and_in_the_stored_message() {
    let fake = Fake::start(OPENAI_PATH, vec![streamed(openai_answer(&ANSWER, 321, 17))]).await;
    let data_dir = tempfile::tempdir().unwrap();
    let storage = StorageConfig::Sqlite { path: data_dir.path().join("parlor.db") };
    let db = parlor_server::db::Db::connect_with(&storage, 2).await.unwrap();
    db.migrate().await.unwrap();
    let workspace = parlor_server::workspaces::default_workspace(&db).await.unwrap();
    let new_bot = parlor_server::chatbots::NewChatbot::parse("Acme Bot", None, None).unwrap();
    let bot = parlor_server::chatbots::create_chatbot(&db, &workspace, new_bot).await.unwrap();
    let service = ChatService::new(
        db.clone(),
        parlor_server::chat::models::Models::only(Arc::new(openai(&fake))),
        parlor_server::knowledge::Knowledge::new(db.clone(), None),
        tokio_util::task::TaskTracker::new(),
        parlor_server::usage::PriceList::default(),
    );

    let mut reply =
        service.send_message(&bot, NewMessage::parse("When are you open?", None, None).unwrap()).await.unwrap();
    let mut events = Vec::new();
    while let Some(event) =
        tokio::time::timeout(Duration::from_secs(8), futures::StreamExt::next(&mut reply.events)).await.unwrap()
    {
        events.push(event);
    }
    assert!(events.iter().all(|event| matches!(event, ChatEvent::Delta { .. } | ChatEvent::Done { .. })), "{events:?}");
    let Some(ChatEvent::Done { usage, .. }) = events.last() else { panic!("no done event: {events:?}") };
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (321, 17));
    let stored: (String, i64, i64) =
        sqlx::query_as("SELECT content, prompt_tokens, completion_tokens FROM messages WHERE id = $1")
            .bind(&reply.message_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(stored, (ANSWER.concat(), 321, 17));
}

/// A chatbot switched to an OpenAI-compatible provider through its settings answers through
/// it, with the personality in the system prompt and the key sent but never shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chatbot_set_to_an_openai_compatible_provider_answers_through_it_and_never_shows_its_key() {
    let fake = Fake::start(OPENAI_PATH, vec![streamed(openai_answer(&ANSWER, 40, 9))]).await;
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |config| {
        config.outbound_allow = "127.0.0.1/32".into();
    })
    .await
    .unwrap();
    let bot = app.create_chatbot("Provided").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
        .bearer_auth(&app.key)
        .json(&json!({
            "provider": "openai", "provider_base_url": fake.base, "provider_model": "llama3.1",
            "provider_api_key": KEY, "personality": "Speak like a friendly barista.", "temperature": 0.5
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains(KEY), "the key is never returned");
    let settings: Value = serde_json::from_str::<Value>(&text).unwrap()["settings"].clone();
    assert_eq!(settings["provider"], "openai");
    assert_eq!(settings["provider_model"], "llama3.1");
    assert_eq!(settings["provider_api_key_set"], true);
    let stored: String = sqlx::query_scalar("SELECT provider_key FROM chatbots WHERE id = $1")
        .bind(&bot)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(!stored.contains(KEY), "the key is stored sealed");

    let reply: Value = app
        .post(&format!("/api/v2/chatbots/{bot}/chat"))
        .json(&json!({"message": "When are you open on Saturday?", "stream": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["message"]["content"], ANSWER.concat());
    assert_eq!(reply["usage"]["prompt_tokens"], 40);
    let sent = &fake.received()[0];
    assert_eq!(sent.headers["authorization"], format!("Bearer {KEY}").as_str());
    assert_eq!(sent.body["model"], "llama3.1");
    assert_eq!(sent.body["temperature"], 0.5);
    let system = sent.body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Speak like a friendly barista."), "{system}");

    // Removing the key and going back to the built-in responder works too.
    let response = app
        .client
        .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
        .bearer_auth(&app.key)
        .json(&json!({"provider": "builtin", "provider_api_key": ""}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["settings"]["provider"], "builtin");
    assert_eq!(body["settings"]["provider_api_key_set"], false);
    let reply: Value = app
        .post(&format!("/api/v2/chatbots/{bot}/chat"))
        .json(&json!({"message": "hello", "stream": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fake.received().len(), 1, "the built-in responder answered");
    assert!(reply["message"]["content"].as_str().unwrap().contains("Provided"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_url_on_a_private_network_is_refused_unless_the_operator_allows_it() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await.unwrap();
    let bot = app.create_chatbot("Guarded").await;
    for url in ["http://127.0.0.1:11434", "http://169.254.169.254", "http://localhost:11434", "ftp://example.com"] {
        let response = app
            .client
            .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
            .bearer_auth(&app.key)
            .json(&json!({"provider": "openai", "provider_base_url": url, "provider_model": "m"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{url}");
    }
    let response = app
        .client
        .patch(app.url(&format!("/api/v2/chatbots/{bot}")))
        .bearer_auth(&app.key)
        .json(&json!({"provider": "anthropic"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422, "a provider needs a model");
}
