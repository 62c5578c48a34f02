//! `GET /portal/widget-preview`: the page the Widget SDK page (`/docs/widget`) shows in an
//! iframe, running the real widget with the builder's options. Each change of an option loads
//! it afresh, so every preview is an isolated start of the loader, exactly as a site would run it.
//!
//! The page contains exactly the script tag the builder shows ([`Embed::script_tag`], the one
//! definition of the snippet, with every value escaped). It is Parlor's own page, so the widget's
//! requests are same-origin: `web::origin::check_origin` lets them through even for a chatbot
//! that lists allowed origins. That is why only the portal may frame this page
//! (`frame-ancestors 'self'`, which keeps it off other sites) and why, for such a chatbot, only
//! a signed-in member of its workspace gets the widget; anyone else reads why not.

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use parlor_app::pages::widget_sdk::Embed;

use crate::accounts::{self, Token};
use crate::chatbots;
use crate::error::Error;
use crate::state::AppState;

/// `GET /portal/widget-preview?chatbot=&theme=&position=&accent=&language=&mode=&target=&load=&open=`:
/// a small page with the embed snippet for these options, or a message saying why the preview
/// cannot run (no chatbot chosen, an unknown chatbot, or a chatbot limited to its allowed
/// origins and a visitor who is not a member of its workspace).
pub async fn get_widget_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Embed>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Error> {
    let embed = query.map(|Query(embed)| embed).unwrap_or_default().normalized();
    let public_url = state.server_info.public_url.as_str();
    if embed.is_placeholder() {
        return Ok(preview_page(public_url, &embed, Content::Message(SIGN_IN_TO_PREVIEW)));
    }
    let chatbot = match chatbots::get_public_chatbot(&state.db, &embed.chatbot).await {
        Ok(chatbot) => chatbot,
        Err(Error::NotFound(_)) => {
            return Ok(preview_page(public_url, &embed, Content::Message(UNKNOWN_CHATBOT)));
        }
        Err(err) => return Err(err),
    };
    if !chatbot.settings().allowed_origins.is_empty() && !is_member(&state, &chatbot.workspace_id, &headers).await? {
        return Ok(preview_page(public_url, &embed, Content::Message(RESTRICTED_CHATBOT)));
    }
    Ok(preview_page(public_url, &embed, Content::Widget))
}

const SIGN_IN_TO_PREVIEW: &str = "Choose one of your chatbots to see the widget here. Sign in first if you have not.";
const UNKNOWN_CHATBOT: &str = "There is no chatbot with this id, so the widget cannot start.";
const RESTRICTED_CHATBOT: &str = "This chatbot runs only on the sites in its allowed origins. \
    Sign in to its workspace to preview it here.";

/// Whether the request carries the session of a member of `workspace_id`.
async fn is_member(state: &AppState, workspace_id: &str, headers: &HeaderMap) -> Result<bool, Error> {
    let info = super::request_info_of(headers, &axum::http::Extensions::new());
    let Some(token) = info.session.as_deref().and_then(Token::presented) else { return Ok(false) };
    let Some(viewer) = accounts::viewer_for(&state.db, &token).await? else { return Ok(false) };
    if viewer.workspace_id == workspace_id {
        return Ok(true);
    }
    let workspaces = accounts::workspaces_of(&state.db, &viewer.account_id).await?;
    Ok(workspaces.iter().any(|membership| membership.workspace_id == workspace_id))
}

/// What the preview page shows.
#[derive(Debug, Clone, Copy)]
enum Content {
    /// The widget, embedded with the snippet.
    Widget,
    /// Why the widget cannot run here.
    Message(&'static str),
}

/// The origin (`scheme://host[:port]`) of the public URL, for the page's policy.
fn origin_of(public_url: &str) -> Option<String> {
    let origin = url::Url::parse(public_url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The page's policy: the loader, the widget's code and its API calls only from Parlor (its own
/// origin and its public URL's), WebAssembly allowed, and framed only by the portal.
fn content_security_policy(public_url: &str) -> String {
    let sources = match origin_of(public_url) {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'none'; script-src {sources} 'wasm-unsafe-eval'; style-src {sources} 'unsafe-inline'; \
         connect-src {sources}; img-src {sources} data: https:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'self'"
    )
}

/// The preview's HTML: a plain stand-in for the person's own page in the chosen theme, with the
/// snippet (and, in inline mode, the element it goes into) or the message.
fn preview_html(public_url: &str, embed: &Embed, content: &Content) -> String {
    let theme = &embed.theme;
    let body = match content {
        Content::Widget => {
            let target = if embed.mode == "inline" {
                format!("<div id=\"{}\" class=\"target\"></div>", crate::html::escape(&embed.target))
            } else {
                String::new()
            };
            format!(
                "<main><p>This stands for a page of your site. The widget runs here with your snippet's options.</p>\
                 {target}</main>{}",
                embed.script_tag(public_url)
            )
        }
        Content::Message(message) => format!("<main><p class=\"message\" role=\"status\">{message}</p></main>"),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Widget preview</title>\
         <style>html,body{{margin:0;min-height:100%}}\
         body{{font:15px/1.5 system-ui,sans-serif;background:#f4f4f8;color:#1b1b29}}\
         body.theme-dark{{background:#15151d;color:#e6e6ee}}\
         @media (prefers-color-scheme:dark){{body.theme-auto{{background:#15151d;color:#e6e6ee}}}}\
         main{{padding:16px 20px}}.message{{font-weight:600}}.target{{height:520px;max-width:420px}}</style>\
         </head><body class=\"theme-{theme}\">{body}</body></html>"
    )
}

fn preview_page(public_url: &str, embed: &Embed, content: Content) -> Response {
    let mut response = preview_html(public_url, embed, &content).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // The policy is made of the public URL's origin, which `Url` serialises as ASCII.
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(public_url)) {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_parlor_and_webassembly_and_only_the_portal_as_a_frame() {
        let policy = content_security_policy("https://chat.example.com/");
        assert!(policy.contains("script-src 'self' https://chat.example.com 'wasm-unsafe-eval'"), "{policy}");
        assert!(policy.contains("connect-src 'self' https://chat.example.com;"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'self'"), "{policy}");
        assert!(content_security_policy("not a url").contains("script-src 'self' 'wasm-unsafe-eval'"));
    }

    #[test]
    fn the_page_holds_the_builders_script_tag_and_an_inline_target() {
        let embed = Embed { chatbot: "bot_1".into(), mode: "inline".into(), theme: "dark".into(), ..Embed::default() }
            .normalized();
        let html = preview_html("http://localhost:3000", &embed, &Content::Widget);
        assert!(html.contains(&embed.script_tag("http://localhost:3000")), "{html}");
        assert!(html.contains("<div id=\"parlor-chat\" class=\"target\"></div>"), "{html}");
        assert!(html.contains("<body class=\"theme-dark\">"), "{html}");
    }

    #[test]
    fn a_message_page_has_no_script() {
        let html = preview_html("http://localhost:3000", &Embed::default(), &Content::Message(UNKNOWN_CHATBOT));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains(UNKNOWN_CHATBOT));
    }
}
