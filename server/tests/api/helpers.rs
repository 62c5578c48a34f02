//! `spawn_app`: a real Parlor on port 0 with a fresh database (a temporary SQLite file, or a
//! new PostgreSQL database that is dropped afterwards) and an API key with every scope.

use std::time::Duration;

use parlor_protocol::sse::{SseEvent, SseParser};
use parlor_server::config::{Config, Secret};
use parlor_server::db::Db;
use parlor_server::keys::{self, KeyKind, NewKey, Scope};
use parlor_server::workspaces;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// A secret key with every scope, in the app's default workspace.
    pub key: String,
    pub workspace_id: String,
    pub db: Db,
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    _data_dir: tempfile::TempDir,
    pg_database: Option<String>,
}

/// A secret key request with every scope and no origin restriction.
pub fn all_scopes_key(name: &str) -> NewKey {
    NewKey {
        name: name.to_owned(),
        kind: KeyKind::Secret,
        scopes: Scope::ALL.to_vec(),
        allowed_origins: Vec::new(),
        expires_at: None,
    }
}

fn admin_url() -> String {
    std::env::var("PARLOR_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn url_for_database(name: &str) -> String {
    let admin = admin_url();
    match admin.rfind('/') {
        Some(slash) if slash > "postgres://".len() => format!("{}/{name}", &admin[..slash]),
        _ => format!("{admin}/{name}"),
    }
}

async fn create_pg_database() -> Option<String> {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let connect = tokio::time::timeout(Duration::from_secs(5), sqlx::AnyConnection::connect(&admin_url())).await;
    let mut conn = match connect {
        Ok(Ok(conn)) => conn,
        outcome => {
            let reason = match outcome {
                Ok(Err(err)) => err.to_string(),
                _ => "timed out".to_owned(),
            };
            if std::env::var("PARLOR_REQUIRE_PG").is_ok_and(|v| v == "1") {
                panic!(
                    "PostgreSQL is required (PARLOR_REQUIRE_PG=1) but {} is not reachable: {reason}. \
                     Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
                    admin_url()
                );
            }
            eprintln!(
                "NOTICE: PostgreSQL test skipped: {} is not reachable ({reason}); set PARLOR_REQUIRE_PG=1 to fail instead",
                admin_url()
            );
            return None;
        }
    };
    let name = format!("parlor_test_{}", parlor_server::ids::random_base62(16).to_lowercase());
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create the test database");
    conn.close().await.ok();
    Some(name)
}

fn drop_pg_database(name: String) {
    // Drop cannot be async, so the database is dropped on a thread with its own runtime.
    let handle = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            use sqlx::{Connection, Executor};
            if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin_url()).await {
                let _ = conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                let _ = conn.close().await;
            }
        });
    });
    let _ = handle.join();
}

/// Starts Parlor on `backend` with the test defaults; `None` when PostgreSQL is unavailable
/// and not required.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with a chance to change the configuration first.
pub async fn spawn_app_with(backend: Backend, customise: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::with_data_dir(data_dir.path().to_path_buf());
    let pg_database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let name = create_pg_database().await?;
            config.database.database_url = Some(Secret::new(url_for_database(&name)));
            Some(name)
        }
    };
    config.shutdown_grace_secs = 10;
    // Generous limits, so that only the rate-limit tests meet them; those set their own.
    config.plans = "free=100000/10000/unlimited,pro=100000/10000/unlimited".to_owned();
    config.widget_chat_per_minute = 10_000;
    // The server runs inside this test binary, which has no `extract-worker` command: documents
    // are read by the real `parlor` binary, as in production.
    config.extract_worker = Some(env!("CARGO_BIN_EXE_parlor").into());
    customise(&mut config);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(parlor_server::run(config.clone(), listener, async move {
        let _ = stopped.await;
    }));

    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    wait_until_ready(&client, &base).await;

    let db = Db::connect_with(&config.storage(), 2).await.expect("test db handle");
    let workspace_id = workspaces::default_workspace(&db).await.expect("workspace");
    let (_, plain) = keys::create_key(&db, &workspace_id, &all_scopes_key("test")).await.expect("key");
    Some(TestApp {
        base,
        client,
        key: plain.expose().to_owned(),
        workspace_id,
        db,
        config,
        stop: Some(stop),
        server: Some(server),
        _data_dir: data_dir,
        pg_database,
    })
}

async fn wait_until_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server did not become ready");
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.key)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(&self.key)
    }

    /// Creates a chatbot over the API and returns its id.
    pub async fn create_chatbot(&self, name: &str) -> String {
        let response =
            self.post("/api/chatbots").json(&serde_json::json!({ "name": name })).send().await.expect("send");
        assert_eq!(response.status(), 201);
        let body: serde_json::Value = response.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    }

    /// A key with only the given scopes, in a workspace (a new one when `workspace` is None).
    pub async fn key_with(&self, workspace: Option<&str>, scopes: &[Scope]) -> String {
        let workspace_id = match workspace {
            Some(id) => id.to_owned(),
            None => {
                let id = parlor_server::ids::new_id("ws");
                workspaces::create_workspace_with_id(&self.db, &id, "Other").await.expect("workspace");
                id
            }
        };
        let new = NewKey { scopes: scopes.to_vec(), ..all_scopes_key("scoped") };
        let (_, plain) = keys::create_key(&self.db, &workspace_id, &new).await.expect("key");
        plain.expose().to_owned()
    }

    /// Counts rows with a query such as `SELECT COUNT(*) FROM messages WHERE ...`.
    pub async fn count(&self, sql: &str, bind: &str) -> i64 {
        sqlx::query_scalar(sql).bind(bind).fetch_one(self.db.pool()).await.expect("count")
    }

    /// Stops the server the way SIGTERM does and returns what `run` returned.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.server.take() {
            Some(server) => {
                tokio::time::timeout(Duration::from_secs(30), server).await.expect("stops in time").expect("join")
            }
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(name) = self.pg_database.take() {
            drop_pg_database(name);
        }
    }
}

/// A second Parlor process on the same database as a [`TestApp`].
pub struct Sibling {
    pub base: String,
    server: JoinHandle<anyhow::Result<()>>,
    _stop: oneshot::Sender<()>,
}

impl Sibling {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Sibling {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// Starts another server with the same configuration and database, as a second process
    /// would run beside the first.
    pub async fn spawn_sibling(&self) -> Sibling {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(parlor_server::run(self.config.clone(), listener, async move {
            let _ = stopped.await;
        }));
        wait_until_ready(&self.client, &base).await;
        Sibling { base, server, _stop: stop }
    }
}

/// The password portal tests sign up with.
pub const PORTAL_PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Calls a portal server function as the portal's own page does: a form post with `Origin`
    /// and, when given, the session cookie.
    pub async fn portal_call(&self, name: &str, form: &[(&str, &str)], cookie: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(&format!("/portal/fn/{name}")))
            .header("origin", self.base.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).expect("form"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("send")
    }

    /// Calls a portal server function whose input is JSON.
    pub async fn portal_call_json(&self, name: &str, body: serde_json::Value, cookie: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/portal/fn/{name}")))
            .header("origin", self.base.clone())
            .header("cookie", cookie)
            .json(&body)
            .send()
            .await
            .expect("send")
    }

    /// Signs up a new account (with a workspace of its own) and returns its session cookie.
    pub async fn portal_sign_up(&self, email: &str) -> String {
        let form = [("email", email), ("password", PORTAL_PASSWORD), ("workspace", "")];
        let response = self.portal_call("sign_up", &form, None).await;
        assert_eq!(response.status(), 200, "sign-up failed");
        session_cookie(&response)
    }
}

/// The `name=value` part of the session cookie that a response sets.
pub fn session_cookie(response: &reqwest::Response) -> String {
    let header = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("parlor_session="))
        .expect("a session cookie")
        .to_owned();
    header.split(';').next().unwrap_or_default().to_owned()
}

/// Reads a whole SSE response into its events.
pub async fn read_events(response: reqwest::Response) -> Vec<SseEvent> {
    use futures::StreamExt;
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        events.extend(parser.push(&chunk.expect("chunk")));
    }
    events
}

/// The text of an answer: its `delta` events joined.
pub fn answer_text(events: &[SseEvent]) -> String {
    events
        .iter()
        .filter(|e| e.event == "delta")
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.data).expect("delta json")["text"]
                .as_str()
                .expect("text")
                .to_owned()
        })
        .collect()
}

/// The configuration of [`spawn_app`]: the test defaults, unchanged.
pub fn test_defaults(_config: &mut Config) {}

/// Runs each test body on SQLite and on PostgreSQL, as `<name>::on_sqlite` and
/// `<name>::on_postgres`; `configured by path;` first changes the configuration of both.
#[macro_export]
macro_rules! on_both_backends {
    (configured by $customise:path; $(async fn $name:ident($app:pat) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports, reason = "not every test uses every helper")]
            use super::*;
            #[allow(unused_imports, reason = "not every test uses every helper")]
            use $crate::helpers::*;

            async fn body($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = spawn_app_with(Backend::Sqlite, $customise).await;
                body(app.expect("sqlite is always available")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(app) = spawn_app_with(Backend::Postgres, $customise).await {
                    body(app).await;
                }
            }
        }
    )*};
    ($(async fn $name:ident($app:pat) $body:block)*) => {
        $crate::on_both_backends! { configured by $crate::helpers::test_defaults; $(async fn $name($app) $body)* }
    };
}
