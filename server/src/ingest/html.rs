//! HTML to main text. The page is parsed as browsers do (html5ever through scraper); the main
//! content is `<main>` (or `role=main`), else a page's only `<article>`, else `<body>`. Inside
//! it, navigation, headers and footers (other than an article's own header), asides, forms,
//! scripts, styles, hidden elements and embedded media are dropped. Headings, paragraphs, list
//! items, table rows (cells joined by ` | `) and preformatted code become blocks.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use super::{Block, BlockKind, Document, ExtractError, collapse_whitespace};

pub(super) fn extract(source: &str, base_url: Option<&str>) -> Result<Document, ExtractError> {
    let html = Html::parse_document(source);
    let root = main_root(&html);
    let mut builder = Builder::default();
    // The tree is walked with `traverse` (open and close edges) rather than recursion, so markup
    // nested a million deep cannot overflow the stack.
    let mut skipping: Option<ego_tree::NodeId> = None;
    let mut article_depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => builder.text(text),
                    Node::Element(element) => {
                        let name = element.name();
                        if node != root && is_dropped(element, article_depth > 0) {
                            skipping = Some(node.id());
                            continue;
                        }
                        if name == "article" {
                            article_depth += 1;
                        }
                        builder.open(name);
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(skipped) = skipping {
                    if skipped == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if let Node::Element(element) = node.value() {
                    if element.name() == "article" {
                        article_depth = article_depth.saturating_sub(1);
                    }
                    builder.close(element.name());
                }
            }
        }
    }
    builder.flush();

    let title = find_elements(&html, "title")
        .next()
        .map(|node| collapse_whitespace(&text_of(node)))
        .filter(|title| !title.is_empty())
        .or_else(|| builder.blocks.iter().find(|b| b.kind == BlockKind::Heading(1)).map(|b| b.text.clone()));
    let canonical_url = find_elements(&html, "link")
        .filter_map(|node| node.value().as_element())
        .filter(|link| {
            link.attr("rel")
                .is_some_and(|rel| rel.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case("canonical")))
        })
        .find_map(|link| resolve_url(link.attr("href")?, base_url));
    Ok(Document { title, canonical_url, blocks: builder.blocks })
}

/// The element that holds the page's main content.
fn main_root(html: &Html) -> NodeRef<'_, Node> {
    let is_main = |node: &NodeRef<'_, Node>| {
        node.value().as_element().is_some_and(|e| e.name() == "main" || e.attr("role") == Some("main"))
    };
    if let Some(main) = html.tree.root().descendants().find(is_main) {
        return main;
    }
    let mut articles = find_elements(html, "article");
    if let (Some(article), None) = (articles.next(), articles.next()) {
        return article;
    }
    find_elements(html, "body").next().unwrap_or_else(|| html.tree.root())
}

fn find_elements<'a>(html: &'a Html, name: &'a str) -> impl Iterator<Item = NodeRef<'a, Node>> + 'a {
    html.tree.root().descendants().filter(move |node| node.value().as_element().is_some_and(|e| e.name() == name))
}

fn text_of(node: NodeRef<'_, Node>) -> String {
    node.descendants().filter_map(|n| n.value().as_text().map(|t| t.to_string())).collect()
}

/// Whether an element is page furniture or invisible, and so not main text.
fn is_dropped(element: &scraper::node::Element, in_article: bool) -> bool {
    let dropped_tag = matches!(
        element.name(),
        "head"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "nav"
            | "aside"
            | "footer"
            | "form"
            | "button"
            | "select"
            | "textarea"
            | "input"
            | "iframe"
            | "frame"
            | "object"
            | "embed"
            | "svg"
            | "canvas"
            | "video"
            | "audio"
            | "dialog"
            | "menu"
    ) || (element.name() == "header" && !in_article);
    let dropped_role = element.attr("role").is_some_and(|role| {
        matches!(
            role,
            "navigation" | "banner" | "contentinfo" | "complementary" | "search" | "menu" | "menubar" | "dialog"
        )
    });
    let hidden = element.attr("hidden").is_some()
        || element.attr("aria-hidden").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || element.attr("style").is_some_and(|style| {
            let style: String = style.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
            style.contains("display:none") || style.contains("visibility:hidden")
        });
    let furniture_name = |name: &str| {
        matches!(
            name.to_ascii_lowercase().as_str(),
            "nav"
                | "navbar"
                | "navigation"
                | "menu"
                | "sidebar"
                | "breadcrumb"
                | "breadcrumbs"
                | "skip-link"
                | "cookie-banner"
                | "cookie-consent"
                | "site-header"
                | "site-footer"
        )
    };
    let furniture = element.attr("id").is_some_and(furniture_name) || element.classes().any(furniture_name);
    dropped_tag || dropped_role || hidden || furniture
}

/// An absolute http or https URL from an `href`, resolved against the page's URL.
fn resolve_url(href: &str, base_url: Option<&str>) -> Option<String> {
    let href = href.trim();
    let url = match base_url.and_then(|base| url::Url::parse(base).ok()) {
        Some(base) => base.join(href).ok()?,
        None => url::Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// Inline text gathers in `buf`; every block element's start and end flushes it as a block of
/// the innermost open block's kind.
#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    buf: String,
    /// Open block elements, with the kind they give their text (`None`: their parent's).
    open: Vec<(String, Option<BlockKind>)>,
}

impl Builder {
    fn current_kind(&self) -> BlockKind {
        self.open.iter().rev().find_map(|(_, kind)| *kind).unwrap_or(BlockKind::Paragraph)
    }

    /// Headings and table rows keep everything inside them on one line, even paragraphs.
    fn in_single_line_block(&self) -> bool {
        matches!(self.current_kind(), BlockKind::Heading(_) | BlockKind::TableRow)
    }

    fn text(&mut self, text: &str) {
        self.buf.push_str(text);
    }

    fn open(&mut self, name: &str) {
        match name {
            "br" => {
                let newline = self.current_kind() == BlockKind::Code;
                self.buf.push(if newline { '\n' } else { ' ' });
            }
            "td" | "th" => {
                if !self.buf.trim().is_empty() {
                    self.buf.push_str(" | ");
                }
            }
            "img" | "hr" | "wbr" => {}
            _ => {
                if let Some(kind) = block_kind(name) {
                    let row_in_row = kind == Some(BlockKind::TableRow) && self.in_single_line_block();
                    if !self.in_single_line_block() || row_in_row {
                        self.flush();
                    } else {
                        self.buf.push(' ');
                    }
                    self.open.push((name.to_owned(), kind));
                }
            }
        }
    }

    fn close(&mut self, name: &str) {
        if block_kind(name).is_none() {
            if name == "td" || name == "th" {
                self.buf.push(' ');
            }
            return;
        }
        if let Some(position) = self.open.iter().rposition(|(open, _)| open == name) {
            let closes_single_line =
                self.open[position].1.is_some_and(|kind| matches!(kind, BlockKind::Heading(_) | BlockKind::TableRow));
            if closes_single_line || !self.in_single_line_block() {
                self.flush();
            } else {
                self.buf.push(' ');
            }
            self.open.truncate(position);
        }
    }

    fn flush(&mut self) {
        let kind = self.current_kind();
        let text = if kind == BlockKind::Code {
            self.buf.trim_end().trim_start_matches(['\n', '\r']).to_owned()
        } else {
            collapse_whitespace(&self.buf)
        };
        self.buf.clear();
        if !text.trim().is_empty() {
            self.blocks.push(Block::new(kind, text));
        }
    }
}

/// The kind a block element gives its text (`Some(None)` for containers that keep their
/// parent's), or `None` for inline elements.
fn block_kind(name: &str) -> Option<Option<BlockKind>> {
    Some(match name {
        "h1" => Some(BlockKind::Heading(1)),
        "h2" => Some(BlockKind::Heading(2)),
        "h3" => Some(BlockKind::Heading(3)),
        "h4" => Some(BlockKind::Heading(4)),
        "h5" => Some(BlockKind::Heading(5)),
        "h6" => Some(BlockKind::Heading(6)),
        "li" => Some(BlockKind::ListItem),
        "tr" => Some(BlockKind::TableRow),
        "pre" => Some(BlockKind::Code),
        "p" | "div" | "section" | "article" | "main" | "body" | "html" | "header" | "blockquote" | "ul" | "ol"
        | "dl" | "dt" | "dd" | "table" | "thead" | "tbody" | "tfoot" | "caption" | "figure" | "figcaption"
        | "address" | "details" | "summary" | "center" | "fieldset" | "legend" | "hgroup" => None,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(doc: &Document) -> Vec<(BlockKind, &str)> {
        doc.blocks.iter().map(|b| (b.kind, b.text.as_str())).collect()
    }

    const PAGE: &str = r#"<!doctype html>
<html><head>
  <title> Pricing  | Acme </title>
  <link rel="stylesheet" href="/s.css"><link rel="Canonical" href="/pricing?ref=1">
  <style>body { color: red }</style><script>var secret = "tracking";</script>
</head><body>
  <header class="site"><a href="/">Acme home</a></header>
  <nav><ul><li>Products</li><li>About</li></ul></nav>
  <div class="sidebar">Related posts</div>
  <h1>Plans and <em>prices</em></h1>
  <p>The basic plan
     costs <b>10 dollars</b>.<br>It renews monthly.</p>
  <ul><li>Cancel anytime</li><li>Invoices <p>by email</p></li></ul>
  <table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td><p>10</p></td></tr></table>
  <pre><code>curl https://acme.test
  --json '{}'</code></pre>
  <div hidden>Secret draft</div><p style="display: none">Invisible</p>
  <form><label>Email</label><input name=e><button>Subscribe</button></form>
  <aside>Ad words</aside>
  <footer>Copyright Acme</footer>
</body></html>"#;

    #[test]
    fn a_page_becomes_its_main_text_with_title_and_canonical_url() {
        let doc = extract(PAGE, Some("https://acme.test/en/pricing")).unwrap();
        assert_eq!(doc.title.as_deref(), Some("Pricing | Acme"));
        assert_eq!(doc.canonical_url.as_deref(), Some("https://acme.test/pricing?ref=1"));
        assert_eq!(
            blocks(&doc),
            [
                (BlockKind::Heading(1), "Plans and prices"),
                (BlockKind::Paragraph, "The basic plan costs 10 dollars. It renews monthly."),
                (BlockKind::ListItem, "Cancel anytime"),
                (BlockKind::ListItem, "Invoices"),
                (BlockKind::ListItem, "by email"),
                (BlockKind::TableRow, "Plan | Price"),
                (BlockKind::TableRow, "Basic | 10"),
                (BlockKind::Code, "curl https://acme.test\n  --json '{}'"),
            ]
        );
    }

    #[test]
    fn navigation_scripts_and_furniture_never_reach_the_text() {
        let doc = extract(PAGE, None).unwrap();
        let all: String = doc.blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join(" ");
        for dropped in [
            "Acme home",
            "Products",
            "tracking",
            "color",
            "Related",
            "Secret",
            "Invisible",
            "Email",
            "Subscribe",
            "Ad words",
            "Copyright",
        ] {
            assert!(!all.contains(dropped), "{dropped} leaked into {all}");
        }
    }

    #[test]
    fn main_or_a_single_article_is_the_main_content() {
        let page = "<body><div>Teaser elsewhere</div><main><h2>Docs</h2><p>Body text.</p></main></body>";
        assert_eq!(
            blocks(&extract(page, None).unwrap()),
            [(BlockKind::Heading(2), "Docs"), (BlockKind::Paragraph, "Body text.")]
        );
        let page = "<body><p>Site blurb</p><article><header><h1>Post</h1></header><p>Story.</p><footer>Tags</footer></article></body>";
        let doc = extract(page, None).unwrap();
        assert_eq!(blocks(&doc), [(BlockKind::Heading(1), "Post"), (BlockKind::Paragraph, "Story.")]);
        assert_eq!(doc.title.as_deref(), Some("Post"));
    }

    #[test]
    fn a_relative_canonical_link_without_a_base_url_is_ignored() {
        let doc = extract("<link rel=canonical href=/x><p>Text</p>", None).unwrap();
        assert_eq!(doc.canonical_url, None);
        let doc =
            extract("<link rel=canonical href='javascript:alert(1)'><p>Text</p>", Some("https://a.test/")).unwrap();
        assert_eq!(doc.canonical_url, None);
    }

    #[test]
    fn deeply_nested_markup_does_not_overflow_the_stack() {
        let depth = 100_000;
        let page = format!("{}deep words{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let doc = extract(&page, None).unwrap();
        assert_eq!(blocks(&doc), [(BlockKind::Paragraph, "deep words")]);
    }
}
