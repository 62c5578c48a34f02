//! Builds an answer's Markdown tree (`markdown.rs`) into DOM nodes. Every piece of the answer
//! becomes a text node or an element chosen here; nothing is ever set as HTML, so markup in an
//! answer shows as the text it is.
//!
//! The nodes are made through the DOM directly rather than through Leptos views: an answer is
//! rebuilt whole as it streams, and each element type as a view cost the WASM its own copy of
//! the rendering code (BENCHMARKS.md, "Widget weight").

use web_sys::{Document, Element};

use crate::markdown::{self, Block, Inline};

/// Replaces `parent`'s children with the answer `text`, written in Markdown.
pub fn answer_into(parent: &Element, text: &str) {
    let Some(document) = parent.owner_document() else { return };
    parent.set_text_content(None);
    blocks(&document, parent, markdown::parse(text));
}

/// A new element `tag` at the end of `parent`.
fn child(document: &Document, parent: &Element, tag: &str) -> Option<Element> {
    let element = document.create_element(tag).ok()?;
    parent.append_child(&element).ok()?;
    Some(element)
}

fn text(document: &Document, parent: &Element, text: &str) {
    let _ = parent.append_child(&document.create_text_node(text));
}

fn blocks(document: &Document, parent: &Element, blocks: Vec<Block>) {
    for block in blocks {
        self::block(document, parent, block);
    }
}

fn block(document: &Document, parent: &Element, block: Block) {
    match block {
        Block::Paragraph(content) => {
            if let Some(p) = child(document, parent, "p") {
                inlines(document, &p, content);
            }
        }
        // Headings in an answer are emphasis within one message, not a page outline, so they
        // are not announced as headings of the host page.
        Block::Heading(content) => {
            if let Some(p) = child(document, parent, "p") {
                p.set_class_name("heading");
                if let Some(strong) = child(document, &p, "strong") {
                    inlines(document, &strong, content);
                }
            }
        }
        Block::Quote(content) => {
            if let Some(quote) = child(document, parent, "blockquote") {
                blocks(document, &quote, content);
            }
        }
        Block::List { start, items } => {
            let Some(list) = child(document, parent, if start.is_some() { "ol" } else { "ul" }) else { return };
            if let Some(start) = start {
                let _ = list.set_attribute("start", &start.to_string());
            }
            for item in items {
                if let Some(li) = child(document, &list, "li") {
                    blocks(document, &li, item);
                }
            }
        }
        Block::Code(code) => {
            if let Some(code_element) = child(document, parent, "pre").and_then(|pre| child(document, &pre, "code")) {
                text(document, &code_element, &code);
            }
        }
        Block::Rule => {
            let _ = child(document, parent, "hr");
        }
    }
}

fn inlines(document: &Document, parent: &Element, inlines: Vec<Inline>) {
    for inline in inlines {
        self::inline(document, parent, inline);
    }
}

fn inline(document: &Document, parent: &Element, inline: Inline) {
    match inline {
        Inline::Text(content) => text(document, parent, &content),
        Inline::Strong(content) => {
            if let Some(strong) = child(document, parent, "strong") {
                inlines(document, &strong, content);
            }
        }
        Inline::Emphasis(content) => {
            if let Some(em) = child(document, parent, "em") {
                inlines(document, &em, content);
            }
        }
        Inline::Code(code) => {
            if let Some(code_element) = child(document, parent, "code") {
                text(document, &code_element, &code);
            }
        }
        // The parser only makes links to http, https and mailto addresses. They open in a new
        // tab, and the host page's window is neither exposed to nor named to the target.
        Inline::Link { href, children } => {
            if let Some(link) = child(document, parent, "a") {
                let _ = link.set_attribute("href", &href);
                let _ = link.set_attribute("target", "_blank");
                let _ = link.set_attribute("rel", "noopener noreferrer");
                inlines(document, &link, children);
            }
        }
        Inline::LineBreak => {
            let _ = child(document, parent, "br");
        }
    }
}
