//! The Widget SDK page's live preview (`GET /portal/widget-preview`): the page holds exactly the
//! builder's snippet under a policy that lets only the portal frame it, nothing a query carries
//! escapes its attribute, and a chatbot limited to its allowed origins is previewed only for
//! members of its workspace, while the widget API still refuses other sites.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

async fn preview(app: &TestApp, query: &str, cookie: Option<&str>) -> (reqwest::StatusCode, String, String) {
    let mut request = app.client.get(app.url(&format!("/portal/widget-preview?{query}")));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let policy = response.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    (status, policy, response.text().await.unwrap())
}

/// Signs up (a workspace of its own) and creates a chatbot there that only `https://shop.example`
/// may embed; returns the session cookie and the chatbot's id.
async fn owner_with_restricted_chatbot(app: &TestApp, email: &str) -> (String, String) {
    let cookie = app.portal_sign_up(email).await;
    let response = app.portal_call_json("create_chatbot", json!({"chatbot": {"name": "Private"}}), &cookie).await;
    assert_eq!(response.status(), 200);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let changes = json!({"id": id, "changes": {"allowed_origins": ["https://shop.example"]}});
    let response = app.portal_call_json("update_chatbot", changes, &cookie).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    (cookie, id)
}

on_both_backends! {
    async fn the_preview_page_holds_the_builders_snippet_under_a_policy_that_only_the_portal_may_frame(app) {
        let bot = app.create_chatbot("Preview Bot").await;
        let query = format!("chatbot={bot}&theme=dark&position=left&accent=%23FF8800&language=de&mode=inline&target=help&load=idle&open=true");
        let (status, policy, html) = preview(&app, &query, None).await;
        assert_eq!(status, 200);
        assert!(policy.contains("frame-ancestors 'self'"), "{policy}");
        assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
        let attributes = format!(
            "/widget.js\" data-chatbot-id=\"{bot}\" data-theme=\"dark\" data-position=\"left\" data-accent=\"#ff8800\" \
             data-language=\"de\" data-mode=\"inline\" data-target=\"#help\" data-load=\"idle\" data-open=\"true\" async></script>"
        );
        assert!(html.contains(&attributes), "{html}");
        assert!(html.contains("<div id=\"help\" class=\"target\"></div>"), "{html}");
        assert_eq!(html.matches("<script").count(), 1);
    }

    async fn nothing_in_the_previews_query_escapes_its_attribute(app) {
        let bot = app.create_chatbot("Careful Bot").await;
        let query = format!(
            "chatbot={bot}&theme=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&accent=red%3Bbackground%3Aurl(x)&mode=inline&target=a%22%3E%3Cb"
        );
        let (status, _, html) = preview(&app, &query, None).await;
        assert_eq!(status, 200);
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(html.contains("data-theme=\"light\""), "{html}");
        assert!(!html.contains("data-accent"), "{html}");
        assert!(html.contains("data-target=\"#ab\""), "{html}");
        assert!(!html.contains("alert(1)"), "{html}");
    }

    async fn without_a_chosen_or_existing_chatbot_the_preview_says_why_and_runs_nothing(app) {
        for query in ["theme=light", "chatbot=bot_doesnotexist"] {
            let (status, _, html) = preview(&app, query, None).await;
            assert_eq!(status, 200);
            assert!(!html.contains("<script"), "{html}");
            assert!(html.contains("role=\"status\""), "{html}");
        }
    }

    async fn a_chatbot_limited_to_its_allowed_origins_is_previewed_only_for_members_of_its_workspace(app) {
        let (owner, bot) = owner_with_restricted_chatbot(&app, "owner@example.com").await;
        let stranger = app.portal_sign_up("stranger@example.com").await;
        let query = format!("chatbot={bot}");
        for cookie in [None, Some(stranger.as_str())] {
            let (_, _, html) = preview(&app, &query, cookie).await;
            assert!(!html.contains("<script"), "{html}");
            assert!(html.contains("allowed origins"), "{html}");
        }
        let (_, _, html) = preview(&app, &query, Some(&owner)).await;
        assert!(html.contains(&format!("data-chatbot-id=\"{bot}\"")), "{html}");
    }

    async fn the_widget_api_answers_the_previews_same_origin_requests_and_still_refuses_other_sites(app) {
        let (_, bot) = owner_with_restricted_chatbot(&app, "owner@example.com").await;
        let config = |headers: &[(&str, &str)]| {
            let mut request = app.client.get(app.url(&format!("/widget/v1/chatbots/{bot}")));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send()
        };
        let same_origin = config(&[("sec-fetch-site", "same-origin")]).await.unwrap();
        assert_eq!(same_origin.status(), 200);
        let listed = config(&[("origin", "https://shop.example"), ("sec-fetch-site", "cross-site")]).await.unwrap();
        assert_eq!(listed.status(), 200);
        let other = config(&[("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")]).await.unwrap();
        assert_eq!(other.status(), 403);
    }
}
