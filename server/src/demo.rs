//! The demo: a chatbot with a few built-in knowledge entries, and a page on another origin with
//! the widget embedded, so a new user can chat with Parlor a minute after starting it.

use axum::Router;
use axum::response::Html;
use axum::routing::get;

use crate::chatbots::{self, NewChatbot};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::knowledge::{self, EntryKind, NewEntry};
use crate::workspaces;

/// The demo chatbot's fixed id, so the demo page's snippet never changes.
pub const DEMO_CHATBOT_ID: &str = "bot_demo";

const QA: &[(&str, &str)] = &[
    (
        "What are your opening hours?",
        "Our café is open Monday to Friday from 7:30 to 18:00, and Saturday and Sunday from 9:00 to 16:00.",
    ),
    (
        "Do you ship coffee abroad?",
        "Yes. We ship beans to the whole EU and the UK. Orders over €40 ship free; others pay a flat €6.",
    ),
    (
        "How do I return or exchange an order?",
        "Write to hello@example.com within 30 days with your order number and we will send a prepaid return label.",
    ),
    (
        "What is Parlor?",
        "Parlor is the self-hosted chatbot platform running this demo: one script tag puts a chat widget on any site, and the bot answers from the owner's pages, documents and Q&A pairs, with citations, without needing an LLM key.",
    ),
];

const PASSAGE_TITLE: &str = "How we roast";
const PASSAGE: &str = "We roast in small batches every Tuesday and Thursday in our Leeds roastery. \
Light roasts keep the fruit of single-origin beans; our espresso blend is roasted medium-dark for body. \
Beans are packed within an hour of roasting in bags with a one-way valve, and taste best from day 5 to day 30 after roasting.";

/// Creates the demo chatbot and its knowledge unless they exist, and returns the chatbot's id.
pub async fn seed(db: &Db) -> Result<String> {
    let workspace_id = workspaces::default_workspace(db).await?;
    match chatbots::get_public_chatbot(db, DEMO_CHATBOT_ID).await {
        Ok(existing) => return Ok(existing.id),
        Err(Error::NotFound(_)) => {}
        Err(other) => return Err(other),
    }
    let new = NewChatbot::parse(
        "Northwind Coffee",
        Some("https://coffee.example.com"),
        Some("Hi! I'm the Northwind Coffee assistant. Ask me about opening hours, shipping, returns or how we roast."),
    )?;
    let chatbot = chatbots::create_chatbot_with_id(db, DEMO_CHATBOT_ID, &workspace_id, new).await?;
    for (question, answer) in QA {
        knowledge::add_entry(
            db,
            &chatbot.id,
            NewEntry {
                kind: EntryKind::Qa,
                title: (*question).to_owned(),
                question: Some((*question).to_owned()),
                content: (*answer).to_owned(),
                source_url: None,
            },
        )
        .await?;
    }
    knowledge::add_entry(
        db,
        &chatbot.id,
        NewEntry {
            kind: EntryKind::Text,
            title: PASSAGE_TITLE.to_owned(),
            question: None,
            content: PASSAGE.to_owned(),
            source_url: Some("https://coffee.example.com/roasting".to_owned()),
        },
    )
    .await?;
    tracing::info!(chatbot_id = %chatbot.id, "demo chatbot created");
    Ok(chatbot.id)
}

/// The demo page: a small shop page with the widget's script tag, as a customer would paste it.
pub fn page(public_url: &str, chatbot_id: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Northwind Coffee — Parlor demo</title>
<style>
  body {{ font: 17px/1.6 Georgia, serif; margin: 0; color: #2b2118; background: #faf6f0; }}
  header {{ background: #2b2118; color: #faf6f0; padding: 2rem 1.5rem; }}
  main {{ max-width: 42rem; margin: 0 auto; padding: 1.5rem; }}
  code {{ background: #efe6da; padding: 0 .3em; }}
</style>
</head>
<body>
<header><h1>Northwind Coffee</h1><p>Small-batch roasters since 2014.</p></header>
<main>
  <p>This page stands for a customer's website on another origin. The chat bubble in the corner
  is Parlor's widget, added with one script tag. Try asking <em>"What are your opening hours?"</em>
  or <em>"How do you roast?"</em></p>
  <p>The snippet on this page:</p>
  <pre><code>&lt;script src="{src}/widget.js" data-chatbot-id="{id}" data-theme="light" async&gt;&lt;/script&gt;</code></pre>
</main>
<script src="{src}/widget.js" data-chatbot-id="{id}" data-theme="light" async></script>
</body>
</html>
"#,
        src = crate::html::escape(public_url),
        id = crate::html::escape(chatbot_id),
    )
}

/// The demo site's router: the page at `/`.
pub fn router(public_url: &str, chatbot_id: &str) -> Router {
    let html = page(public_url, chatbot_id);
    Router::new().route("/", get(move || async move { Html(html) }))
}

/// Tells the person who started Parlor where everything is.
#[expect(clippy::print_stdout, reason = "these URLs are the serve command's output for the person who ran it")]
pub fn announce(public_url: &str, demo_url: Option<&str>) {
    println!();
    println!("  Parlor is running.");
    println!("  Portal:    {public_url}/");
    println!("  API base:  {public_url}/api");
    if let Some(demo_url) = demo_url {
        println!("  Demo page: {demo_url}/   (another origin, with the widget embedded)");
    }
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_page_embeds_the_widget_with_escaped_attributes() {
        let html = page("http://localhost:3000", "bot_\"x");
        assert!(html.contains(r#"<script src="http://localhost:3000/widget.js" data-chatbot-id="bot_&quot;x""#));
    }
}
