//! Builds an answer's Markdown tree (`markdown.rs`) into DOM nodes through Leptos views. Every
//! piece of the answer becomes a text node or an element chosen here; nothing is ever set as
//! HTML, so markup in an answer shows as the text it is.

use leptos::prelude::*;

use crate::markdown::{self, Block, Inline};

/// The views of an answer written in Markdown.
pub fn answer(text: &str) -> AnyView {
    blocks(markdown::parse(text))
}

fn blocks(blocks: Vec<Block>) -> AnyView {
    blocks.into_iter().map(block).collect_view().into_any()
}

fn block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(content) => view! { <p>{inlines(content)}</p> }.into_any(),
        // Headings in an answer are emphasis within one message, not a page outline, so they
        // are not announced as headings of the host page.
        Block::Heading(content) => view! { <p class="heading"><strong>{inlines(content)}</strong></p> }.into_any(),
        Block::Quote(content) => view! { <blockquote>{blocks(content)}</blockquote> }.into_any(),
        Block::List { start: Some(start), items } => {
            view! { <ol start=start.to_string()>{list_items(items)}</ol> }.into_any()
        }
        Block::List { start: None, items } => view! { <ul>{list_items(items)}</ul> }.into_any(),
        Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
        Block::Rule => view! { <hr/> }.into_any(),
    }
}

fn list_items(items: Vec<Vec<Block>>) -> impl IntoView {
    items.into_iter().map(|item| view! { <li>{blocks(item)}</li> }).collect_view()
}

fn inlines(inlines: Vec<Inline>) -> Vec<AnyView> {
    inlines.into_iter().map(inline).collect()
}

fn inline(inline: Inline) -> AnyView {
    match inline {
        Inline::Text(text) => text.into_any(),
        Inline::Strong(content) => view! { <strong>{inlines(content)}</strong> }.into_any(),
        Inline::Emphasis(content) => view! { <em>{inlines(content)}</em> }.into_any(),
        Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
        // The parser only makes links to http, https and mailto addresses. They open in a new
        // tab, and the host page's window is neither exposed to nor named to the target.
        Inline::Link { href, children } => view! {
            <a href=href target="_blank" rel="noopener noreferrer">{inlines(children)}</a>
        }
        .into_any(),
        Inline::LineBreak => view! { <br/> }.into_any(),
    }
}
