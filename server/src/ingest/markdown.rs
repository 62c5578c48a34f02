//! Markdown through pulldown-cmark's event stream: headings, paragraphs, list items, table rows
//! and code blocks become blocks; raw HTML is dropped (it is markup, not prose). The title is the
//! front matter's `title:` or else the first top-level heading.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{Block, BlockKind, Document, ExtractError, collapse_whitespace};

pub(super) fn extract(source: &str) -> Result<Document, ExtractError> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut builder = Builder::default();
    let mut front_matter_title = None;
    for event in Parser::new_ext(source, options) {
        match event {
            Event::Start(Tag::MetadataBlock(_)) => builder.in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => builder.in_metadata = false,
            Event::Text(text) if builder.in_metadata => {
                front_matter_title = front_matter_title.or_else(|| title_from_front_matter(&text));
            }
            Event::Start(Tag::HtmlBlock) => builder.in_html += 1,
            Event::End(TagEnd::HtmlBlock) => builder.in_html = builder.in_html.saturating_sub(1),
            Event::Start(Tag::TableCell) => builder.cell(),
            Event::Start(tag) => {
                if let Some(kind) = block_kind(&tag) {
                    builder.open(kind);
                }
            }
            Event::End(tag) => {
                if is_block_end(tag) {
                    builder.close();
                }
            }
            Event::Text(text) | Event::Code(text) | Event::InlineMath(text) | Event::DisplayMath(text) => {
                if builder.in_html == 0 {
                    builder.buf.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                let newline = builder.current_kind() == BlockKind::Code;
                builder.buf.push(if newline { '\n' } else { ' ' });
            }
            Event::Html(_)
            | Event::InlineHtml(_)
            | Event::FootnoteReference(_)
            | Event::TaskListMarker(_)
            | Event::Rule => {}
        }
    }
    builder.flush();
    let first_heading = builder
        .blocks
        .iter()
        .find(|b| b.kind == BlockKind::Heading(1))
        .or_else(|| builder.blocks.iter().find(|b| matches!(b.kind, BlockKind::Heading(_))))
        .map(|b| b.text.clone());
    Ok(Document { title: front_matter_title.or(first_heading), canonical_url: None, blocks: builder.blocks })
}

/// Collects inline text into the innermost open block; every block boundary flushes it, so a
/// list item's text before a nested list is its own item.
#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    buf: String,
    /// The kinds of the open blocks; `None` for containers (quotes, lists) that take their
    /// content's kind from further out.
    open: Vec<Option<BlockKind>>,
    in_metadata: bool,
    in_html: usize,
}

impl Builder {
    fn current_kind(&self) -> BlockKind {
        self.open.iter().rev().flatten().next().copied().unwrap_or(BlockKind::Paragraph)
    }

    fn open(&mut self, kind: Option<BlockKind>) {
        self.flush();
        self.open.push(kind);
    }

    fn close(&mut self) {
        self.flush();
        self.open.pop();
    }

    fn cell(&mut self) {
        if !self.buf.trim().is_empty() {
            self.buf.push_str(" | ");
        }
    }

    fn flush(&mut self) {
        let kind = self.current_kind();
        let text = if kind == BlockKind::Code {
            self.buf.trim_end().trim_start_matches('\n').to_owned()
        } else {
            collapse_whitespace(&self.buf)
        };
        self.buf.clear();
        if !text.trim().is_empty() {
            self.blocks.push(Block::new(kind, text));
        }
    }
}

/// The kind a block-level tag gives its text (`Some(None)` for containers), or `None` for an
/// inline tag.
fn block_kind(tag: &Tag<'_>) -> Option<Option<BlockKind>> {
    Some(match tag {
        Tag::Heading { level, .. } => Some(BlockKind::Heading(heading_level(*level))),
        Tag::Paragraph => None,
        Tag::Item => Some(BlockKind::ListItem),
        Tag::TableHead | Tag::TableRow => Some(BlockKind::TableRow),
        Tag::CodeBlock(_) => Some(BlockKind::Code),
        Tag::BlockQuote(_)
        | Tag::List(_)
        | Tag::Table(_)
        | Tag::FootnoteDefinition(_)
        | Tag::DefinitionList
        | Tag::DefinitionListTitle
        | Tag::DefinitionListDefinition => None,
        _ => return None,
    })
}

fn is_block_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Heading(_)
            | TagEnd::Paragraph
            | TagEnd::Item
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::CodeBlock
            | TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Table
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
    )
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn title_from_front_matter(yaml: &str) -> Option<String> {
    yaml.lines().find_map(|line| {
        let value = line.strip_prefix("title:")?.trim().trim_matches(['"', '\'']).trim();
        (!value.is_empty()).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(source: &str) -> Vec<(BlockKind, String)> {
        extract(source).unwrap().blocks.into_iter().map(|b| (b.kind, b.text)).collect()
    }

    #[test]
    fn headings_paragraphs_lists_tables_and_code_become_blocks() {
        let source = "# Guide\n\nIntro *text*\nwraps.\n\n## Install\n\n- one\n- two `code`\n  - nested\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sh\nmake\n  install\n```\n";
        assert_eq!(
            blocks(source),
            [
                (BlockKind::Heading(1), "Guide".into()),
                (BlockKind::Paragraph, "Intro text wraps.".into()),
                (BlockKind::Heading(2), "Install".into()),
                (BlockKind::ListItem, "one".into()),
                (BlockKind::ListItem, "two code".into()),
                (BlockKind::ListItem, "nested".into()),
                (BlockKind::TableRow, "a | b".into()),
                (BlockKind::TableRow, "1 | 2".into()),
                (BlockKind::Code, "make\n  install".into()),
            ]
        );
    }

    #[test]
    fn loose_list_items_and_quotes_keep_their_kind() {
        let source = "- first item\n\n  more of it\n\n- second\n\n> quoted words\n";
        assert_eq!(
            blocks(source),
            [
                (BlockKind::ListItem, "first item".into()),
                (BlockKind::ListItem, "more of it".into()),
                (BlockKind::ListItem, "second".into()),
                (BlockKind::Paragraph, "quoted words".into()),
            ]
        );
    }

    #[test]
    fn the_title_is_the_front_matter_title_or_the_first_top_heading() {
        let doc = extract("---\ntitle: \"Release notes\"\n---\n\n# Version 2\n\nText.").unwrap();
        assert_eq!(doc.title.as_deref(), Some("Release notes"));
        assert_eq!(doc.blocks[0].text, "Version 2");
        assert_eq!(extract("Intro.\n\n# Real title\n").unwrap().title.as_deref(), Some("Real title"));
    }

    #[test]
    fn raw_html_is_dropped() {
        assert_eq!(
            blocks("<div class=\"x\">\n<script>alert(1)</script>\n</div>\n\nWords."),
            [(BlockKind::Paragraph, "Words.".into())]
        );
    }
}
