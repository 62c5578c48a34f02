use std::process::Command;

use crate::helpers::{Backend, spawn_app_with};

fn parlor() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parlor"))
}

#[test]
fn help_lists_the_commands_and_every_setting() {
    let out = parlor().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for word in ["serve", "key", "migrate", "backup", "restore"] {
        assert!(help.contains(word), "{help}");
    }
    let out = parlor().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for var in [
        "PARLOR_ADDR",
        "PARLOR_DATA_DIR",
        "DATABASE_URL",
        "PARLOR_PUBLIC_URL",
        "PARLOR_SITE_DIR",
        "PARLOR_WIDGET_DIR",
        "PARLOR_DEMO_ADDR",
        "PARLOR_MAX_BODY_BYTES",
        "PARLOR_SHUTDOWN_GRACE_SECS",
        "PARLOR_RESPONDER_DELAY_MS",
        "PARLOR_LOG_FORMAT",
        "PARLOR_PLANS",
        "PARLOR_WIDGET_CHAT_PER_MINUTE",
        "PARLOR_TRUST_PROXY",
        "PARLOR_MODEL_PRICES",
        "PARLOR_SECRET_KEY",
        "PARLOR_SMTP_URL",
        "PARLOR_MAIL_FROM",
        "PARLOR_CONVERSATION_IDLE",
        "PARLOR_MAX_MESSAGE_CHARS",
        "PARLOR_OUTBOUND_ALLOW",
        "PARLOR_WEBHOOK_TIMEOUT_SECS",
        "PARLOR_WEBHOOK_RETRY_SCHEDULE",
        "PARLOR_WEBHOOK_POLL_MS",
        "PARLOR_WEBHOOK_LEASE_SECS",
        "PARLOR_WEBHOOK_CONCURRENCY",
        "PARLOR_WEBHOOK_DISABLE_AFTER",
        "PARLOR_WEBHOOK_RETENTION",
        "PARLOR_EXTRACT_WORKER",
        "PARLOR_KNOWLEDGE_MAX_UPLOAD_BYTES",
        "PARLOR_KNOWLEDGE_SCRAPE_LIMIT",
        "PARLOR_KNOWLEDGE_UPLOAD_LIMIT",
        "PARLOR_CRAWL_DELAY_MS",
        "PARLOR_CRAWL_MAX_PAGES",
        "PARLOR_KNOWLEDGE_JOB_LEASE_SECS",
        "PARLOR_KNOWLEDGE_WORKERS",
    ] {
        assert!(help.contains(var), "{var} missing from:\n{help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_create_prints_one_working_key_and_stores_only_its_hash() {
    let data_dir = tempfile::tempdir().unwrap();
    let out = parlor()
        .args(["key", "create", "--name", "ci", "--all-scopes", "--data-dir"])
        .arg(data_dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stdout:?}");
    let key = lines[0].to_owned();
    assert!(key.starts_with("sk_"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&key), "the key must not be logged");

    let dir = data_dir.path().to_path_buf();
    let app = spawn_app_with(Backend::Sqlite, |config| config.database.data_dir = dir).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE key_hash = $1 OR name = $1")
        .bind(&key)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "the plain key is not stored");
    let response = app
        .client
        .post(app.url("/api/chatbots"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"name": "From the CLI"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_create_puts_the_key_in_the_workspace_named_and_refuses_an_unknown_one() {
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_path_buf();
    let app = spawn_app_with(Backend::Sqlite, |config| config.database.data_dir = dir).await.unwrap();
    let default = parlor_server::workspaces::default_workspace(&app.db).await.unwrap();
    parlor_server::workspaces::create_workspace_with_id(&app.db, "ws_second", "Second").await.unwrap();

    let out = parlor()
        .args(["workspace", "list", "--data-dir"])
        .arg(data_dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = listed.lines().filter_map(|line| line.split('\t').next()).collect();
    assert_eq!(ids, vec![default.as_str(), "ws_second"], "oldest first: {listed}");
    assert!(listed.contains("ws_second\tfree\tSecond"), "{listed}");

    let create = |workspace: &str| {
        parlor()
            .args(["key", "create", "--name", "second", "--all-scopes", "--workspace", workspace, "--data-dir"])
            .arg(data_dir.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = create("ws_second");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let response = app.client.get(app.url("/api/v2/chatbots")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let owner: String = sqlx::query_scalar("SELECT workspace_id FROM api_keys WHERE name = 'second'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(owner, "ws_second");

    let out = create("ws_nope");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no key is printed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("workspace"), "{}", String::from_utf8_lossy(&out.stderr));
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE name = 'second'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(keys, 1, "the refused command created nothing");
}

#[test]
fn key_create_refuses_unknown_scopes() {
    let data_dir = tempfile::tempdir().unwrap();
    let out = parlor()
        .args(["key", "create", "--name", "ci", "--scopes", "chatbots:read,everything", "--data-dir"])
        .arg(data_dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scope"));
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_json_when_asked_and_exits_zero_on_sigterm() {
    let data_dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir.path())
        .env("PARLOR_LOG_FORMAT", "json")
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(up, "parlor serve came up");
    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let out =
        tokio::time::timeout(std::time::Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
    assert!(out.status.success(), "exit status {:?}", out.status);
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<serde_json::Value> =
        stderr.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|l| l["message"] == "parlor is listening"), "{stderr}");
    assert!(lines.iter().any(|l| l["message"] == "received SIGTERM"), "{stderr}");
    assert!(lines.iter().any(|l| l["message"] == "parlor stopped"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains(&format!("API base:  http://localhost:{port}/api")), "{stdout}");
}

#[test]
fn key_create_makes_publishable_keys_with_origins() {
    let data_dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        parlor()
            .args(["key", "create", "--name", "site"])
            .args(args)
            .arg("--data-dir")
            .arg(data_dir.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = run(&["--kind", "publishable", "--origin", "https://shop.example.com"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("pk_"));
    let out = run(&["--kind", "publishable"]);
    assert!(!out.status.success(), "a publishable key without an origin is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("allowed origins"));
}

/// Anything that looks like one of our keys: a prefix and a long base62 run.
fn key_shaped(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for prefix in ["sk_", "pk_"] {
        for (at, _) in text.match_indices(prefix) {
            let run: String = text[at + 3..].chars().take_while(char::is_ascii_alphanumeric).collect();
            if run.len() >= 16 {
                found.push(format!("{prefix}{run}"));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_shaped_text_ever_appears_in_the_logs() {
    let data_dir = tempfile::tempdir().unwrap();
    let created = parlor()
        .args(["key", "create", "--name", "logs", "--all-scopes", "--data-dir"])
        .arg(data_dir.path())
        .env("RUST_LOG", "trace")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let key = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(key_shaped(&String::from_utf8_lossy(&created.stderr)).is_empty());

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir.path())
        .env("RUST_LOG", "debug")
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let typo = format!("{}x", &key[..key.len() - 1]);
    let created: serde_json::Value = client
        .post(format!("{base}/api/v2/keys"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"name": "second", "scopes": ["chatbots:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = created["secret"].as_str().unwrap().to_owned();
    for (auth, path) in [
        (key.as_str(), format!("/api/chatbots?api_key={key}")),
        ("", format!("/api/v1/usage?api_key={key}")),
        (typo.as_str(), "/api/chatbots".to_owned()),
        (second.as_str(), format!("/api/v2/nothing/{second}")),
    ] {
        let mut request = client.get(format!("{base}{path}"));
        if !auth.is_empty() {
            request = request.bearer_auth(auth).header("x-api-key", auth);
        }
        let _ = request.send().await.unwrap();
    }
    let pid = child.id().unwrap().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let out =
        tokio::time::timeout(std::time::Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("API key created"), "the logs were captured: {logs}");
    assert_eq!(key_shaped(&logs), Vec::<String>::new(), "key-shaped text in the logs");
}

#[test]
fn workspace_plan_sets_a_known_plan_and_refuses_others() {
    let data_dir = tempfile::tempdir().unwrap();
    let run = |plan: &str| {
        parlor()
            .args(["workspace", "plan", "--plan", plan, "--data-dir"])
            .arg(data_dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("PARLOR_PLANS")
            .output()
            .unwrap()
    };
    let out = run("pro");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("is on the pro plan"));
    let out = run("platinum");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown plan"));
}

/// Runs the `parlor` binary with SQLite and no configured key, and returns (success, stdout, stderr).
async fn run_parlor(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PARLOR_SECRET_KEY")
        .env_remove("PARLOR_DATA_DIR")
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_restores_every_committed_row_with_its_key() {
    use std::ffi::OsStr;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
    let bot = app.create_chatbot("Backed up").await;
    // Writers keep chatting while the backup runs; every answered turn is recorded.
    let answered: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (client, url, key) =
            (app.client.clone(), app.url(&format!("/api/v2/chatbots/{bot}/chat")), app.key.clone());
        let (answered, stop) = (answered.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let response = client
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&serde_json::json!({"message": "Hello", "stream": false}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "the server keeps answering during a backup");
                let body: serde_json::Value = response.json().await.unwrap();
                answered.lock().unwrap().push(body["conversation_id"].as_str().unwrap().to_owned());
            }
        }));
    }
    while answered.lock().unwrap().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let committed_before: Vec<String> = answered.lock().unwrap().clone();
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("parlor-backup.db");
    let data_dir = app.config.database.data_dir.clone();
    let backup_args = [
        OsStr::new("backup"),
        OsStr::new("--to"),
        file.as_os_str(),
        OsStr::new("--with-key"),
        OsStr::new("--data-dir"),
        data_dir.as_os_str(),
    ];
    let (ok, stdout, stderr) = run_parlor(&backup_args).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("backup written to") && stdout.contains("keep it apart"), "{stdout}");
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let key_file = out_dir.path().join("parlor-backup.db.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(key.trim(), std::fs::read_to_string(data_dir.join("secret.key")).unwrap().trim());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A backup never overwrites a file.
    let (ok, _, stderr) = run_parlor(&backup_args).await;
    assert!(!ok && stderr.contains("already exists"), "{stderr}");

    // Without the key the restore is refused, and leaves the directory empty.
    let restored = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run_parlor(&[
        OsStr::new("restore"),
        OsStr::new("--from"),
        file.as_os_str(),
        OsStr::new("--data-dir"),
        restored.path().as_os_str(),
    ])
    .await;
    assert!(!ok && stderr.contains("--key-file"), "{stderr}");
    assert!(!restored.path().join("parlor.db").exists());
    // Something that is not a backup is refused.
    let (ok, _, stderr) = run_parlor(&[
        OsStr::new("restore"),
        OsStr::new("--from"),
        key_file.as_os_str(),
        OsStr::new("--key-file"),
        key_file.as_os_str(),
        OsStr::new("--data-dir"),
        restored.path().as_os_str(),
    ])
    .await;
    assert!(!ok && stderr.contains("not a SQLite backup"), "{stderr}");

    let restore_args = [
        OsStr::new("restore"),
        OsStr::new("--from"),
        file.as_os_str(),
        OsStr::new("--key-file"),
        key_file.as_os_str(),
        OsStr::new("--data-dir"),
        restored.path().as_os_str(),
    ];
    let (ok, stdout, stderr) = run_parlor(&restore_args).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("restored into"), "{stdout}");
    // Never over a database that is there.
    let (ok, _, stderr) = run_parlor(&restore_args).await;
    assert!(!ok && stderr.contains("already holds a database"), "{stderr}");

    // A server starts on the restored directory (its key opens the secrets) and finds every turn
    // answered before the backup began: the question and the complete answer.
    let dir = restored.path().to_path_buf();
    let back = spawn_app_with(Backend::Sqlite, |config| config.database.data_dir = dir).await.unwrap();
    for conversation in &committed_before {
        let stored: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND status = 'complete' AND content <> ''",
        )
        .bind(conversation)
        .fetch_one(back.db.pool())
        .await
        .unwrap();
        assert_eq!(stored, 2, "conversation {conversation} was committed before the backup");
    }
    let chatbot: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chatbots WHERE id = $1")
        .bind(&bot)
        .fetch_one(back.db.pool())
        .await
        .unwrap();
    assert_eq!(chatbot, 1);
}

#[test]
fn backup_and_restore_point_postgres_deployments_to_pg_dump() {
    let out = parlor()
        .args(["backup", "--to", "/nonexistent/backup.db"])
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    let out = parlor()
        .args(["restore", "--from", "/nonexistent/backup.db"])
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_restore"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_that_never_served_is_backed_up_and_restored_without_a_key() {
    use std::ffi::OsStr;
    let dir = tempfile::tempdir().unwrap();
    let (data, restored, file) = (dir.path().join("data"), dir.path().join("restored"), dir.path().join("b.db"));
    let (ok, _, stderr) = run_parlor(&[
        OsStr::new("key"),
        OsStr::new("create"),
        OsStr::new("--name"),
        OsStr::new("ci"),
        OsStr::new("--all-scopes"),
        OsStr::new("--data-dir"),
        data.as_os_str(),
    ])
    .await;
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = run_parlor(&[
        OsStr::new("backup"),
        OsStr::new("--to"),
        file.as_os_str(),
        OsStr::new("--data-dir"),
        data.as_os_str(),
    ])
    .await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("nothing in it is sealed"), "{stdout}");
    let (ok, _, stderr) = run_parlor(&[
        OsStr::new("restore"),
        OsStr::new("--from"),
        file.as_os_str(),
        OsStr::new("--data-dir"),
        restored.as_os_str(),
    ])
    .await;
    assert!(ok, "{stderr}");
    let keys: i64 = {
        let app = spawn_app_with(Backend::Sqlite, |config| config.database.data_dir = restored).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE name = 'ci'").fetch_one(app.db.pool()).await.unwrap()
    };
    assert_eq!(keys, 1, "the restored deployment has the key made before the backup");
}
