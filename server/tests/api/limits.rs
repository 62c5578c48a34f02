use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_backends;

fn header(response: &reqwest::Response, name: &str) -> i64 {
    response.headers()[name].to_str().unwrap().parse().unwrap()
}

async fn limited_app(backend: Backend, plans: &str) -> Option<TestApp> {
    let plans = plans.to_owned();
    spawn_app_with(backend, move |config| config.plans = plans).await
}

on_both_backends! {
    async fn every_api_response_carries_the_rate_limit_headers(app) {
        let first = app.get("/api/v2/chatbots").send().await.unwrap();
        assert_eq!(header(&first, "x-ratelimit-limit"), 100_000);
        let remaining = header(&first, "x-ratelimit-remaining");
        let reset = header(&first, "x-ratelimit-reset");
        assert!(reset >= time::OffsetDateTime::now_utc().unix_timestamp());
        let not_found = app.get("/api/v2/chatbots/bot_missing").send().await.unwrap();
        assert_eq!(not_found.status(), 404);
        // A refill may have happened in between; the count never goes up past the limit.
        assert!(header(&not_found, "x-ratelimit-remaining") <= remaining);
        assert!(not_found.headers().contains_key("x-ratelimit-reset"));
    }

    async fn a_workspace_on_another_plan_gets_that_plans_limit(app) {
        parlor_server::workspaces::set_plan(&app.db, &app.workspace_id, "pro").await.unwrap();
        let response = app.get("/api/v2/chatbots").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-ratelimit-limit"), 100_000);
    }
}

async fn a_burst_over_the_limit_gets_429_with_retry_after(backend: Backend) {
    let Some(app) = limited_app(backend, "free=60/3/5000").await else { return };
    for _ in 0..3 {
        assert_eq!(app.get("/api/v2/chatbots").send().await.unwrap().status(), 200);
    }
    let refused = app.get("/api/v2/chatbots").send().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(header(&refused, "retry-after") >= 1);
    assert_eq!(header(&refused, "x-ratelimit-limit"), 60);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    // Another key has its own bucket.
    let other = app.key_with(Some(&app.workspace_id), &parlor_server::keys::Scope::ALL).await;
    let response = app.client.get(app.url("/api/v2/chatbots")).bearer_auth(other).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_limit_gets_429_with_retry_after_on_sqlite() {
    a_burst_over_the_limit_gets_429_with_retry_after(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_limit_gets_429_with_retry_after_on_postgres() {
    a_burst_over_the_limit_gets_429_with_retry_after(Backend::Postgres).await;
}

async fn a_daily_cap_holds_across_two_processes_and_a_restart(backend: Backend) {
    let Some(app) = limited_app(backend, "free=1000/100/5").await else { return };
    let sibling = app.spawn_sibling().await;
    let mut admitted = 0;
    for i in 0..12 {
        let url = if i % 2 == 0 { app.url("/api/v2/chatbots") } else { sibling.url("/api/v2/chatbots") };
        let response = app.client.get(url).bearer_auth(&app.key).send().await.unwrap();
        if response.status() == 200 {
            admitted += 1;
        } else {
            assert_eq!(response.status(), 429);
        }
    }
    assert_eq!(admitted, 5, "both processes count against one daily cap");
    drop(sibling);
    let restarted = app.spawn_sibling().await;
    let response = app.client.get(restarted.url("/api/v2/chatbots")).bearer_auth(&app.key).send().await.unwrap();
    assert_eq!(response.status(), 429, "the cap survives a restart");
}

/// SQLite has one server process, whose buckets live in memory and are written behind: a process
/// started after them finds the day's count and refuses what is over the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_cap_on_sqlite_is_written_behind_and_survives_a_restart() {
    let Some(app) = limited_app(Backend::Sqlite, "free=1000/100/5").await else { return };
    let mut admitted = 0;
    for _ in 0..7 {
        let response = app.get("/api/v2/chatbots").send().await.unwrap();
        admitted += usize::from(response.status() == 200);
    }
    assert_eq!(admitted, 5, "the cap holds in memory");
    // The counts reach the database within the write-behind period (a second).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let counted: Option<i64> =
            sqlx::query_scalar("SELECT MAX(day_count) FROM rate_limits WHERE bucket LIKE 'key:%'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        if counted == Some(5) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the day's count never reached the database: {counted:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let restarted = app.spawn_sibling().await;
    let response = app.client.get(restarted.url("/api/v2/chatbots")).bearer_auth(&app.key).send().await.unwrap();
    assert_eq!(response.status(), 429, "the cap survives a restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_cap_holds_across_two_processes_and_a_restart_on_postgres() {
    a_daily_cap_holds_across_two_processes_and_a_restart(Backend::Postgres).await;
}

async fn concurrent_requests_never_exceed_the_burst(backend: Backend) {
    let Some(app) = limited_app(backend, "free=1000/8/unlimited").await else { return };
    let sibling = app.spawn_sibling().await;
    let requests = (0..30).map(|i| {
        let url = if i % 2 == 0 { app.url("/api/v2/chatbots") } else { sibling.url("/api/v2/chatbots") };
        app.client.get(url).bearer_auth(&app.key).send()
    });
    let statuses: Vec<u16> =
        futures::future::join_all(requests).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    let admitted = statuses.iter().filter(|s| **s == 200).count();
    assert!((1..=9).contains(&admitted), "{admitted} admitted of 30 with a burst of 8: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_from_two_processes_never_exceed_the_burst_on_postgres() {
    concurrent_requests_never_exceed_the_burst(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_chat_is_limited_per_client_ip() {
    let app = spawn_app_with(Backend::Sqlite, |config| config.widget_chat_per_minute = 2).await.unwrap();
    let bot = app.create_chatbot("Busy").await;
    let send = || {
        app.client
            .post(app.url(&format!("/widget/v1/chatbots/{bot}/chat")))
            .json(&serde_json::json!({"message": "Hello", "stream": false}))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    assert_eq!(send().await.unwrap().status(), 200);
    let refused = send().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(header(&refused, "retry-after") >= 1);
    // Reading the widget's configuration is not limited.
    let config = app.client.get(app.url(&format!("/widget/v1/chatbots/{bot}"))).send().await.unwrap();
    assert_eq!(config.status(), 200);
}
