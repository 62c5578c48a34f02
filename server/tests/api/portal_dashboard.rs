//! The portal's dashboard and the agents' live inbox through their server functions and the
//! inbox's event stream, over real HTTP with session cookies: activity per day for a period and
//! a chatbot, the inbox a page at a time and filtered, and both kept to the signed-in workspace.

use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use parlor_protocol::sse::{SseEvent, SseParser};
use parlor_server::ids::{new_id, now_ms};
use serde_json::{Value, json};

use crate::handoff::widget_chat;
use crate::helpers::TestApp;
use crate::on_both_backends;

const DAY_MS: i64 = 86_400_000;

async fn create_in_portal(app: &TestApp, cookie: &str, name: &str) -> String {
    let body = json!({"chatbot": {"name": name, "website": "https://shop.example"}});
    let response = app.portal_call_json("create_chatbot", body, cookie).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let created: Value = response.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn dashboard(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.portal_call("dashboard", form, Some(cookie)).await
}

async fn report(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> Value {
    let response = dashboard(app, cookie, form).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// The values of one series of a report.
fn series(report: &Value, key: &str) -> Vec<i64> {
    let found = report["series"].as_array().unwrap().iter().find(|s| s["key"] == key).expect("the series");
    found["values"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
}

fn total(report: &Value, key: &str) -> i64 {
    let found = report["series"].as_array().unwrap().iter().find(|s| s["key"] == key).expect("the series");
    found["total"].as_i64().unwrap()
}

/// Stores, `days_ago` days back, a conversation of `bot` with a visitor's message and an answer,
/// escalated, with a lead and a turn of 100 tokens: what the API cannot date in the past.
async fn past_activity(app: &TestApp, bot: &str, days_ago: i64) {
    let at = now_ms() - days_ago * DAY_MS;
    let conversation = new_id("conv");
    let pool = app.db.pool();
    sqlx::query(
        "INSERT INTO conversations (id, chatbot_id, visitor_id, status, escalated_at, created_at, updated_at)
         VALUES ($1, $2, 'v_old', 'escalated', $3, $3, $3)",
    )
    .bind(&conversation)
    .bind(bot)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
    for (seq, role, content) in [(1_i64, "user", "an old question"), (2, "assistant", "an old answer")] {
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at)
             VALUES ($1, $2, $3, $4, $5, 'complete', $6)",
        )
        .bind(new_id("msg"))
        .bind(&conversation)
        .bind(seq)
        .bind(role)
        .bind(content)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query("INSERT INTO leads (id, chatbot_id, conversation_id, email, created_at) VALUES ($1, $2, $3, 'old@example.com', $4)")
        .bind(new_id("lead"))
        .bind(bot)
        .bind(&conversation)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    let workspace: String =
        sqlx::query_scalar("SELECT workspace_id FROM chatbots WHERE id = $1").bind(bot).fetch_one(pool).await.unwrap();
    sqlx::query(
        "INSERT INTO usage_events (id, workspace_id, chatbot_id, message_id, model, input_tokens, output_tokens, cost_micros, created_at)
         VALUES ($1, $2, $3, 'msg_old', 'parlor-builtin', 60, 40, 0, $4)",
    )
    .bind(new_id("use"))
    .bind(workspace)
    .bind(bot)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

async fn escalate(app: &TestApp, bot: &str, conversation: &str) {
    let path = format!("/widget/v1/chatbots/{bot}/conversations/{conversation}/escalate");
    let response = app.client.post(app.url(&path)).header("origin", "https://shop.example").send().await.unwrap();
    assert_eq!(response.status(), 200);
}

async fn inbox_page(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> Vec<Value> {
    let response = app.portal_call("list_inbox", form, Some(cookie)).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|item| item["conversation"]["id"].as_str().unwrap().to_owned()).collect()
}

/// An open `GET /portal/inbox/events` stream.
struct InboxEvents {
    body: BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    parser: SseParser,
    buffered: Vec<SseEvent>,
}

impl InboxEvents {
    async fn open(app: &TestApp, base: &str, cookie: &str) -> InboxEvents {
        let url = format!("{base}/portal/inbox/events");
        let response = app.client.get(url).header("cookie", cookie).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        InboxEvents { body: response.bytes_stream().boxed(), parser: SseParser::new(), buffered: Vec::new() }
    }

    /// The next event, or `None` when none comes within `within`.
    async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if !self.buffered.is_empty() {
                return Some(self.buffered.remove(0));
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next()).await.ok()?;
            self.buffered.extend(self.parser.push(&chunk.expect("the stream stays open").unwrap()));
        }
    }
}

on_both_backends! {
    async fn the_dashboard_counts_each_days_activity_with_quiet_days_included(app) {
        let cookie = app.portal_sign_up("owner@example.com").await;
        let shop = create_in_portal(&app, &cookie, "Shop").await;
        let docs = create_in_portal(&app, &cookie, "Docs").await;
        let today = widget_chat(&app, &shop, "where is my order?", None).await;
        let conversation = today["conversation_id"].as_str().unwrap().to_owned();
        widget_chat(&app, &shop, "and the invoice?", Some(&conversation)).await;
        escalate(&app, &shop, &conversation).await;
        widget_chat(&app, &docs, "how do I install it?", None).await;
        past_activity(&app, &shop, 3).await;
        past_activity(&app, &docs, 10).await;

        let week = report(&app, &cookie, &[("days", "7")]).await;
        assert_eq!(week["days"], 7);
        let dates = week["dates"].as_array().unwrap();
        assert_eq!(dates.len(), 7, "every day, quiet ones too");
        let today_label = time::OffsetDateTime::now_utc().date().to_string();
        assert_eq!(dates[6], today_label.as_str(), "oldest first, ending today");
        let names: Vec<&str> = week["chatbots"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&"Shop") && names.contains(&"Docs"));

        assert_eq!(series(&week, "conversations"), vec![0, 0, 0, 1, 0, 0, 2]);
        assert_eq!(series(&week, "visitor_messages"), vec![0, 0, 0, 1, 0, 0, 3]);
        assert_eq!(series(&week, "escalations"), vec![0, 0, 0, 1, 0, 0, 1]);
        assert_eq!(series(&week, "leads"), vec![0, 0, 0, 1, 0, 0, 0]);
        let answers = series(&week, "bot_messages");
        assert_eq!(answers[3], 1);
        // After the escalation nothing more was said; the two answers before it count.
        assert_eq!(answers[6], 3);
        let tokens = series(&week, "tokens");
        assert_eq!(tokens[3], 100);
        let stored_today: i64 = sqlx::query_scalar(
            "SELECT CAST(SUM(input_tokens + output_tokens) AS BIGINT) FROM usage_events WHERE created_at >= $1",
        )
        .bind(now_ms() - now_ms().rem_euclid(DAY_MS))
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        assert!(stored_today > 0);
        assert_eq!(tokens[6], stored_today);
        assert_eq!(total(&week, "conversations"), 3);
        assert_eq!(total(&week, "tokens"), 100 + stored_today);

        // Thirty days reach the activity ten days back; one chatbot shows only its own.
        let month = report(&app, &cookie, &[("days", "30")]).await;
        assert_eq!(month["dates"].as_array().unwrap().len(), 30);
        assert_eq!(total(&month, "conversations"), 4);
        assert_eq!(series(&month, "leads")[19], 1);
        let docs_only = report(&app, &cookie, &[("days", "30"), ("chatbot", &docs)]).await;
        assert_eq!(docs_only["chatbot_id"], docs.as_str());
        assert_eq!(total(&docs_only, "conversations"), 2);
        assert_eq!(total(&docs_only, "escalations"), 1);
        assert_eq!(total(&docs_only, "visitor_messages"), 2);
        assert_eq!(total(&docs_only, "tokens") - 100, series(&docs_only, "tokens")[29]);
        let everything = report(&app, &cookie, &[("days", "90"), ("chatbot", "")]).await;
        assert_eq!(everything["chatbot_id"], Value::Null);
        assert_eq!(everything["dates"].as_array().unwrap().len(), 90);
        assert_eq!(total(&everything, "leads"), 2);
    }

    async fn the_dashboard_shows_only_the_signed_in_workspace_and_refuses_other_periods(app) {
        let owner = app.portal_sign_up("owner@example.com").await;
        let stranger = app.portal_sign_up("stranger@example.com").await;
        let bot = create_in_portal(&app, &owner, "Private").await;
        widget_chat(&app, &bot, "hello", None).await;
        past_activity(&app, &bot, 1).await;

        let theirs = report(&app, &stranger, &[("days", "7")]).await;
        assert_eq!(theirs["chatbots"], json!([]));
        for key in ["conversations", "visitor_messages", "bot_messages", "escalations", "leads", "tokens"] {
            assert_eq!(total(&theirs, key), 0, "{key}");
        }
        let foreign = dashboard(&app, &stranger, &[("days", "7"), ("chatbot", &bot)]).await;
        assert_eq!(foreign.status(), 404, "another workspace's chatbot is not found");
        assert!(!foreign.text().await.unwrap().contains("Private"));
        assert_eq!(total(&report(&app, &owner, &[("days", "7"), ("chatbot", &bot)]).await, "conversations"), 2);

        assert_eq!(dashboard(&app, &owner, &[("days", "31")]).await.status(), 400);
        assert_eq!(dashboard(&app, &owner, &[("days", "0")]).await.status(), 400);
        assert_eq!(dashboard(&app, "parlor_session=nonsense", &[("days", "7")]).await.status(), 401);
    }

    async fn the_inbox_comes_a_page_at_a_time_escalated_first_without_repeating_or_skipping(app) {
        let cookie = app.portal_sign_up("agent@example.com").await;
        let bot = create_in_portal(&app, &cookie, "Support").await;
        let mut started = Vec::new();
        let load_more = |query: &'static str| {
            let page = app.client.get(app.url(&format!("/inbox{query}"))).header("cookie", cookie.clone()).send();
            async move { page.await.unwrap().text().await.unwrap().contains("data-testid=\"inbox-more\"") }
        };
        for n in 0..27 {
            if n == 25 {
                assert!(!load_more("").await, "exactly one full page: nothing more to load");
            }
            let reply = widget_chat(&app, &bot, &format!("question {n}"), None).await;
            started.push(reply["conversation_id"].as_str().unwrap().to_owned());
        }
        assert!(load_more("").await, "27 conversations: the page offers the other 2");
        assert!(!load_more("?pages=2").await, "both pages shown: nothing more");
        escalate(&app, &bot, &started[0]).await;

        let first = inbox_page(&app, &cookie, &[]).await;
        assert_eq!(first.len(), 25);
        assert_eq!(first[0]["conversation"]["id"], started[0].as_str(), "the escalated one leads");
        assert!(first[1..].iter().all(|item| item["conversation"]["status"] == "open"));
        let cursor = first[24]["cursor"].as_str().unwrap().to_owned();
        let second = inbox_page(&app, &cookie, &[("after", &cursor)]).await;
        assert_eq!(second.len(), 2);
        let mut seen = ids(&first);
        seen.extend(ids(&second));
        seen.sort();
        let mut all = started.clone();
        all.sort();
        assert_eq!(seen, all, "every conversation once");
        let last = second[1]["cursor"].as_str().unwrap().to_owned();
        assert!(inbox_page(&app, &cookie, &[("after", &last)]).await.is_empty());

        let response = app.portal_call("list_inbox", &[("after", "nonsense")], Some(&cookie)).await;
        assert_eq!(response.status(), 400);
        let one = inbox_page(&app, &cookie, &[("limit", "1")]).await;
        assert_eq!(ids(&one), ids(&first[..1]), "a limit shortens the page");
        assert_eq!(inbox_page(&app, &cookie, &[("limit", "1000")]).await.len(), 25, "but never lengthens it");
    }

    async fn the_inbox_filters_by_status_chatbot_and_words_in_the_visitors_messages(app) {
        let cookie = app.portal_sign_up("agent@example.com").await;
        let shop = create_in_portal(&app, &cookie, "Shop").await;
        let docs = create_in_portal(&app, &cookie, "Docs").await;
        let refund = widget_chat(&app, &shop, "I want a REFUND for 50% off", None).await["conversation_id"].as_str().unwrap().to_owned();
        let install = widget_chat(&app, &docs, "How do I install it?", None).await["conversation_id"].as_str().unwrap().to_owned();
        let ended = widget_chat(&app, &shop, "thanks, bye", None).await["conversation_id"].as_str().unwrap().to_owned();
        escalate(&app, &shop, &refund).await;
        let response = app.portal_call("end_conversation", &[("id", &ended)], Some(&cookie)).await;
        assert_eq!(response.status(), 200);

        assert_eq!(ids(&inbox_page(&app, &cookie, &[]).await), vec![refund.clone(), install.clone(), ended.clone()]);
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("status", "all")]).await).len(), 3);
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("status", "escalated")]).await), vec![refund.clone()]);
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("status", "open")]).await), vec![install.clone()]);
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("status", "ended")]).await), vec![ended.clone()]);
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("chatbot", &docs)]).await), vec![install.clone()]);
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("chatbot", &shop), ("status", "ended")]).await), vec![ended.clone()]);
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("q", "refund")]).await), vec![refund.clone()], "any case");
        assert_eq!(ids(&inbox_page(&app, &cookie, &[("q", "50%")]).await), vec![refund.clone()]);
        assert!(inbox_page(&app, &cookie, &[("q", "5_%")]).await.is_empty(), "wildcards are plain text");
        // Only the visitor's words count, not the chatbot's answers.
        let answer: String = sqlx::query_scalar("SELECT content FROM messages WHERE conversation_id = $1 AND role = 'assistant'")
            .bind(&install)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        let answer_word = answer.split_whitespace().find(|w| w.len() > 6 && !"how do i install it?".contains(&w.to_lowercase())).map(str::to_owned);
        if let Some(word) = answer_word {
            assert!(inbox_page(&app, &cookie, &[("q", &word), ("chatbot", &docs)]).await.is_empty(), "{word}");
        }
        let response = app.portal_call("list_inbox", &[("status", "lost")], Some(&cookie)).await;
        assert_eq!(response.status(), 400);
    }

    async fn the_inbox_of_one_workspace_shows_nothing_of_another(app) {
        let owner = app.portal_sign_up("owner@example.com").await;
        let stranger = app.portal_sign_up("stranger@example.com").await;
        let bot = create_in_portal(&app, &owner, "Private").await;
        widget_chat(&app, &bot, "my secret order", None).await;

        assert!(inbox_page(&app, &stranger, &[]).await.is_empty());
        assert!(inbox_page(&app, &stranger, &[("chatbot", &bot)]).await.is_empty());
        assert!(inbox_page(&app, &stranger, &[("q", "secret")]).await.is_empty());
        assert_eq!(inbox_page(&app, &owner, &[("q", "secret")]).await.len(), 1);
    }

    async fn the_inbox_stream_needs_a_session_and_tells_of_escalations_and_replies(app) {
        let response = app.client.get(app.url("/portal/inbox/events")).send().await.unwrap();
        assert_eq!(response.status(), 401);
        let response =
            app.client.get(app.url("/portal/inbox/events")).header("cookie", "parlor_session=nonsense").send().await.unwrap();
        assert_eq!(response.status(), 401);

        let cookie = app.portal_sign_up("agent@example.com").await;
        let stranger = app.portal_sign_up("stranger@example.com").await;
        let bot = create_in_portal(&app, &cookie, "Support").await;
        let conversation = widget_chat(&app, &bot, "I need a person", None).await["conversation_id"].as_str().unwrap().to_owned();
        let mut events = InboxEvents::open(&app, &app.base, &cookie).await;
        let mut theirs = InboxEvents::open(&app, &app.base, &stranger).await;
        // A second process on the same database hears of changes made in the first one.
        let sibling = app.spawn_sibling().await;
        let mut elsewhere = InboxEvents::open(&app, &sibling.base, &cookie).await;
        assert!(events.next(Duration::from_millis(300)).await.is_none(), "nothing changed yet");

        escalate(&app, &bot, &conversation).await;
        let changed = events.next(Duration::from_secs(5)).await.expect("the escalation is told");
        assert_eq!(changed.event, "inbox");
        let polled = elsewhere.next(Duration::from_secs(5)).await.expect("another process tells it too");
        assert_eq!(polled.event, "inbox");

        let response = app.portal_call("reply_to_conversation", &[("id", &conversation), ("message", "Hi, Sam here")], Some(&cookie)).await;
        assert_eq!(response.status(), 200);
        let changed = events.next(Duration::from_secs(5)).await.expect("the reply is told");
        assert_eq!(changed.event, "inbox");

        assert!(theirs.next(Duration::from_secs(3)).await.is_none(), "another workspace hears nothing");
    }
}
