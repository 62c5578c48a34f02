//! The durability promise of webhooks, tested on the real binary: events are produced while
//! the server is killed with SIGKILL at random moments and restarted; every event that the
//! API accepted reaches the receiver at least once.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Value, json};

use crate::webhooks::{Receiver, Reply};

const EVENTS: usize = 1000;
const KILLS: usize = 4;

struct Server {
    port: u16,
    data_dir: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl Server {
    fn start(&self) -> Child {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        Command::new(env!("CARGO_BIN_EXE_parlor"))
            .args(["serve", "--addr", &format!("127.0.0.1:{}", self.port), "--data-dir"])
            .arg(&self.data_dir)
            .env_remove("DATABASE_URL")
            .env("PARLOR_OUTBOUND_ALLOW", "127.0.0.1/32")
            .env("PARLOR_WEBHOOK_RETRY_SCHEDULE", "200ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s")
            .env("PARLOR_WEBHOOK_POLL_MS", "50")
            .env("PARLOR_WEBHOOK_TIMEOUT_SECS", "1")
            .env("PARLOR_WEBHOOK_LEASE_SECS", "2")
            .env("PARLOR_PLANS", "free=1000000/100000/unlimited")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not become ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_is_lost_when_the_server_is_killed_during_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server { port, data_dir: dir.path().join("data"), log: dir.path().join("server.log") };
    let out = Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args(["key", "create", "--name", "crash", "--all-scopes", "--data-dir"])
        .arg(&server.data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let mut child = server.start();
    wait_ready(&client, &server.base()).await;

    let receiver = Receiver::start().await;
    receiver.answer_always(Reply { status: 200, headers: Vec::new(), delay: Duration::from_millis(10) });
    let created: Value = client
        .post(format!("{}/api/v2/webhooks", server.base()))
        .bearer_auth(&key)
        .json(&json!({"url": receiver.url}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let endpoint = created["id"].as_str().expect("an endpoint").to_owned();

    // Produce events; a request that meets a dead server is tried again.
    let producer = {
        let (client, base, key) = (client.clone(), server.base(), key.clone());
        tokio::spawn(async move {
            let mut accepted = HashSet::new();
            while accepted.len() < EVENTS {
                let sent =
                    client.post(format!("{base}/api/v2/webhooks/{endpoint}/test")).bearer_auth(&key).send().await;
                match sent {
                    Ok(response) if response.status() == 202 => {
                        if let Ok(body) = response.json::<Value>().await {
                            accepted.insert(body["id"].as_str().unwrap().to_owned());
                        }
                    }
                    _ => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            accepted
        })
    };

    // Kill the server at random moments while events are produced and delivered.
    for _ in 0..KILLS {
        let pause = rand::rng().random_range(150..700);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        child = server.start();
        wait_ready(&client, &server.base()).await;
    }
    let accepted = producer.await.unwrap();
    assert_eq!(accepted.len(), EVENTS);

    let deadline = Instant::now() + Duration::from_secs(90);
    let received = loop {
        let received: HashSet<String> = receiver.received().iter().map(|r| r.header("webhook-id").to_owned()).collect();
        if accepted.is_subset(&received) {
            break received;
        }
        assert!(
            Instant::now() < deadline,
            "{} accepted events never reached the receiver",
            accepted.difference(&received).count()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let requests = receiver.received().len();
    eprintln!(
        "crash test: {} events accepted, {} distinct delivered, {} requests ({} repeats after kills)",
        accepted.len(),
        received.len(),
        requests,
        requests - received.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
