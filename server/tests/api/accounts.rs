//! Portal accounts through the portal's server functions, over real HTTP: sign-up, sign-in,
//! sessions, CSRF refusal, throttling, invitations and roles, and API keys made in the portal.

use serde_json::{Value, json};

use crate::helpers::{PORTAL_PASSWORD as PASSWORD, TestApp, session_cookie};
use crate::on_both_backends;

/// Calls a portal server function as the portal's own page does.
async fn call(app: &TestApp, name: &str, form: &[(&str, &str)], cookie: Option<&str>) -> reqwest::Response {
    app.portal_call(name, form, cookie).await
}

async fn sign_up(app: &TestApp, email: &str) -> String {
    app.portal_sign_up(email).await
}

async fn viewer(app: &TestApp, cookie: &str) -> Value {
    let response = call(app, "viewer", &[], Some(cookie)).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

on_both_backends! {
    async fn signing_up_opens_a_session_on_a_new_workspace_the_account_owns(app) {
        let response = call(&app, "sign_up", &[("email", "Dana@Example.com"), ("password", PASSWORD), ("workspace", "Acme")], None).await;
        assert_eq!(response.status(), 200);
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
        assert!(!set_cookie.contains("Secure"), "plain HTTP gets no Secure flag: {set_cookie}");
        let cookie = session_cookie(&response);

        let me = viewer(&app, &cookie).await;
        assert_eq!(me["email"], "dana@example.com");
        assert_eq!(me["workspace_name"], "Acme");
        assert_eq!(me["role"], "owner");
        assert_ne!(me["workspace_id"].as_str().unwrap(), app.workspace_id, "a workspace of its own");

        let stored = sqlx::query_scalar::<_, String>("SELECT password_hash FROM accounts WHERE email = $1")
            .bind("dana@example.com")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "only an Argon2id hash is stored");
        assert!(!stored.contains(PASSWORD));
        let tokens: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_all(app.db.pool()).await.unwrap();
        let token = cookie.trim_start_matches("parlor_session=");
        assert!(tokens.iter().all(|hash| hash != token), "sessions are stored hashed");
    }

    async fn a_second_account_with_the_same_email_is_refused(app) {
        sign_up(&app, "dana@example.com").await;
        let response = call(&app, "sign_up", &[("email", "DANA@example.com"), ("password", PASSWORD), ("workspace", "")], None).await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert!(body["Invalid"].as_str().unwrap().contains("exists already"), "{body}");
    }

    async fn short_passwords_and_bad_emails_are_refused_with_the_reason(app) {
        let response = call(&app, "sign_up", &[("email", "dana@example.com"), ("password", "short"), ("workspace", "")], None).await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert!(body["Invalid"].as_str().unwrap().contains("at least 8"), "{body}");
        let response = call(&app, "sign_up", &[("email", "not-an-email"), ("password", PASSWORD), ("workspace", "")], None).await;
        assert_eq!(response.status(), 400);
    }

    async fn portal_requests_from_another_site_are_refused_and_change_nothing(app) {
        let form = serde_urlencoded::to_string([("email", "eve@example.com"), ("password", PASSWORD), ("workspace", "")]).unwrap();
        let from_elsewhere = app.client.post(app.url("/portal/fn/sign_up"))
            .header("origin", "https://evil.example")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone()).send().await.unwrap();
        assert_eq!(from_elsewhere.status(), 403);
        let cross_site = app.client.post(app.url("/portal/fn/sign_up"))
            .header("sec-fetch-site", "cross-site")
            .header("origin", app.base.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone()).send().await.unwrap();
        assert_eq!(cross_site.status(), 403);
        let anonymous = app.client.post(app.url("/portal/fn/sign_up"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form).send().await.unwrap();
        assert_eq!(anonymous.status(), 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE email = $1", "eve@example.com").await, 0);
    }

    async fn signing_in_checks_the_password_and_signing_out_ends_the_session(app) {
        let first = sign_up(&app, "dana@example.com").await;
        let wrong = call(&app, "sign_in", &[("email", "dana@example.com"), ("password", "wrong password!")], None).await;
        assert_eq!(wrong.status(), 400);
        let body: Value = wrong.json().await.unwrap();
        assert_eq!(body["Invalid"], "that email and password do not match an account");
        let unknown = call(&app, "sign_in", &[("email", "nobody@example.com"), ("password", PASSWORD)], None).await;
        let body: Value = unknown.json().await.unwrap();
        assert_eq!(body["Invalid"], "that email and password do not match an account", "unknown emails look the same");

        let response = call(&app, "sign_in", &[("email", "dana@example.com"), ("password", PASSWORD)], None).await;
        assert_eq!(response.status(), 200);
        let second = session_cookie(&response);
        assert_ne!(first, second);
        assert_eq!(viewer(&app, &second).await["email"], "dana@example.com");

        let out = call(&app, "sign_out", &[], Some(&second)).await;
        assert_eq!(out.status(), 200);
        assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        assert_eq!(viewer(&app, &second).await, Value::Null, "the session is gone on the server");
        assert_eq!(viewer(&app, &first).await["email"], "dana@example.com", "other sessions stay");
    }

    async fn an_expired_session_is_refused_and_cleaned_up_at_the_next_sign_in(app) {
        let cookie = sign_up(&app, "dana@example.com").await;
        sqlx::query("UPDATE sessions SET expires_at = 1").execute(app.db.pool()).await.unwrap();
        assert_eq!(viewer(&app, &cookie).await, Value::Null);
        assert_eq!(call(&app, "list_keys", &[], Some(&cookie)).await.status(), 401);
        let response = call(&app, "sign_in", &[("email", "dana@example.com"), ("password", PASSWORD)], None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE expires_at < 2 AND token_hash <> $1", "").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE token_hash <> $1", "").await, 1);
    }

    async fn repeated_failed_sign_ins_for_an_email_are_throttled(app) {
        sign_up(&app, "dana@example.com").await;
        for _ in 0..5 {
            let response = call(&app, "sign_in", &[("email", "dana@example.com"), ("password", "guess guess")], None).await;
            assert_eq!(response.status(), 400);
        }
        let response = call(&app, "sign_in", &[("email", "dana@example.com"), ("password", PASSWORD)], None).await;
        assert_eq!(response.status(), 429, "even the right password waits once the budget is spent");
        let body: Value = response.json().await.unwrap();
        assert!(body["TooMany"].as_str().unwrap().contains("Try again in"), "{body}");
        assert!(response_cookie_absent(&app).await);
    }

    async fn an_invited_person_joins_with_the_link_as_a_member_who_cannot_manage_the_team(app) {
        let owner = sign_up(&app, "owner@example.com").await;
        let created = call(&app, "invite_member", &[("email", "sam@example.com"), ("role", "member")], Some(&owner)).await;
        assert_eq!(created.status(), 200);
        let created: Value = created.json().await.unwrap();
        let url = created["url"].as_str().unwrap().to_owned();
        let public_url = app.base.replace("127.0.0.1", "localhost");
        assert!(url.starts_with(&format!("{public_url}/invite/")), "{url}");
        let token = url.rsplit('/').next().unwrap().to_owned();

        let team: Value = call(&app, "team", &[], Some(&owner)).await.json().await.unwrap();
        assert_eq!(team["invites"][0]["email"], "sam@example.com");
        let info: Value = call(&app, "invite_info", &[("token", &token)], None).await.json().await.unwrap();
        assert_eq!(info["email"], "sam@example.com");
        assert_eq!(info["account_exists"], false);

        let accepted = call(&app, "accept_invite", &[("token", &token), ("password", PASSWORD)], None).await;
        assert_eq!(accepted.status(), 200);
        let member = session_cookie(&accepted);
        let me = viewer(&app, &member).await;
        assert_eq!(me["role"], "member");
        assert_eq!(me["workspace_id"], viewer(&app, &owner).await["workspace_id"]);

        let again = call(&app, "accept_invite", &[("token", &token), ("password", PASSWORD)], None).await;
        assert_eq!(again.status(), 404, "a link works once");
        let refused = call(&app, "invite_member", &[("email", "x@example.com"), ("role", "owner")], Some(&member)).await;
        assert_eq!(refused.status(), 403);

        let member_id = me["account_id"].as_str().unwrap().to_owned();
        let removed = call(&app, "remove_member", &[("account_id", &member_id)], Some(&owner)).await;
        assert_eq!(removed.status(), 200);
        assert_eq!(viewer(&app, &member).await, Value::Null, "a removed member's session ends");
    }

    async fn keys_made_in_the_portal_work_on_the_api_and_stop_when_revoked(app) {
        let cookie = sign_up(&app, "dana@example.com").await;
        assert_eq!(call(&app, "list_keys", &[], None).await.status(), 401, "signed-in only");
        let created = app.client.post(app.url("/portal/fn/create_key"))
            .header("origin", app.base.clone())
            .header("cookie", cookie.clone())
            .json(&json!({"key": {"name": "server", "scopes": ["chatbots:read", "chatbots:write"]}}))
            .send().await.unwrap();
        assert_eq!(created.status(), 200);
        let created: Value = created.json().await.unwrap();
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("sk_"));

        let response = app.client.post(app.url("/api/v2/chatbots")).bearer_auth(&secret).json(&json!({"name": "Docs bot"})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let listed: Value = call(&app, "list_keys", &[], Some(&cookie)).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert!(!listed.to_string().contains(&secret), "the list never shows a secret");

        let key_id = created["id"].as_str().unwrap().to_owned();
        // Another workspace's session cannot touch the key.
        let stranger = sign_up(&app, "eve@example.com").await;
        assert_eq!(call(&app, "revoke_key", &[("id", &key_id)], Some(&stranger)).await.status(), 404);
        assert_eq!(app.client.get(app.url("/api/v2/chatbots")).bearer_auth(&secret).send().await.unwrap().status(), 200);

        assert_eq!(call(&app, "revoke_key", &[("id", &key_id)], Some(&cookie)).await.status(), 200);
        assert_eq!(app.client.get(app.url("/api/v2/chatbots")).bearer_auth(&secret).send().await.unwrap().status(), 401);
    }

    async fn the_portal_pages_render_for_a_signed_in_owner(app) {
        let cookie = sign_up(&app, "dana@example.com").await;
        for path in ["/dashboard", "/keys", "/team"] {
            let page = app.client.get(app.url(path)).header("cookie", cookie.clone()).send().await.unwrap();
            assert_eq!(page.status(), 200, "{path}");
            let html = page.text().await.unwrap();
            assert!(html.contains("dana@example.com"), "{path} shows who is signed in: {html}");
        }
        // A browser's navigation asks for HTML; then the server answers with a redirect.
        let signed_out = app.client.get(app.url("/keys")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(signed_out.url().path(), "/sign-in", "signed-out visitors are sent to sign in");
    }
}

/// No session cookie was issued to a throttled sign-in.
async fn response_cookie_absent(app: &TestApp) -> bool {
    let response = call(app, "sign_in", &[("email", "dana@example.com"), ("password", PASSWORD)], None).await;
    response.status() == 429 && response.headers().get("set-cookie").is_none()
}

/// A mail server on 127.0.0.1 that speaks enough SMTP (RFC 5321) for a client to deliver, and
/// keeps every message it accepts.
struct FakeSmtp {
    port: u16,
    messages: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeSmtp {
    async fn start() -> FakeSmtp {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 fake.test ESMTP\r\n").await.unwrap();
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(body) = data.as_mut() {
                            if line == "." {
                                kept.lock().unwrap().push(std::mem::take(body));
                                data = None;
                                write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                            } else {
                                body.push_str(&line);
                                body.push('\n');
                            }
                            continue;
                        }
                        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-fake.test\r\n250 8BITMIME\r\n",
                            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.0.0 ok\r\n",
                            "DATA" => {
                                data = Some(String::new());
                                b"354 end with <CRLF>.<CRLF>\r\n"
                            }
                            "QUIT" => {
                                write.write_all(b"221 2.0.0 bye\r\n").await.unwrap();
                                break;
                            }
                            _ => b"502 5.5.2 not implemented\r\n",
                        };
                        write.write_all(reply).await.unwrap();
                    }
                });
            }
        });
        FakeSmtp { port, messages }
    }
}

async fn invitation_is_emailed(backend: crate::helpers::Backend) {
    let smtp = FakeSmtp::start().await;
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let Some(app) = crate::helpers::spawn_app_with(backend, move |config| {
        config.smtp_url = Some(parlor_server::config::Secret::new(url));
        config.mail_from = "Parlor <parlor@example.com>".into();
    })
    .await
    else {
        return;
    };
    let owner = sign_up(&app, "owner@example.com").await;
    let created: Value = call(&app, "invite_member", &[("email", "sam@example.com"), ("role", "member")], Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["emailed"], true);
    let link = created["url"].as_str().unwrap().to_owned();
    let messages = smtp.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert!(mail.contains("To: sam@example.com"), "{mail}");
    assert!(mail.contains("From: Parlor <parlor@example.com>"), "{mail}");
    assert!(mail.contains("owner@example.com invited you"), "{mail}");
    // Long lines may be folded by the quoted-printable encoding; the token itself never is.
    let token = link.rsplit('/').next().unwrap();
    assert!(mail.replace("=\n", "").contains(token), "the e-mail carries the link: {mail}");
}

async fn a_failing_mail_server_still_gives_the_owner_the_link(backend: crate::helpers::Backend) {
    // A port that nothing listens on: the mail server is down.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Some(app) = crate::helpers::spawn_app_with(backend, move |config| {
        config.smtp_url = Some(parlor_server::config::Secret::new(format!("smtp://127.0.0.1:{closed}")));
    })
    .await
    else {
        return;
    };
    let owner = sign_up(&app, "owner@example.com").await;
    let response = call(&app, "invite_member", &[("email", "sam@example.com"), ("role", "member")], Some(&owner)).await;
    assert_eq!(response.status(), 200);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["emailed"], false);
    assert!(created["url"].as_str().unwrap().contains("/invite/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_emailed_when_a_mail_server_is_configured_on_sqlite() {
    invitation_is_emailed(crate::helpers::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_emailed_when_a_mail_server_is_configured_on_postgres() {
    invitation_is_emailed(crate::helpers::Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_mail_server_still_gives_the_owner_the_link_on_sqlite() {
    a_failing_mail_server_still_gives_the_owner_the_link(crate::helpers::Backend::Sqlite).await;
}
