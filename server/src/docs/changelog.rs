//! The changelog of this build, parsed from CHANGELOG.md (Keep a Changelog form) into safe HTML.

use std::sync::LazyLock;

/// One release in the changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// `Unreleased` or a version number such as `0.2.0`.
    pub name: String,
    /// `YYYY-MM-DD`, when released.
    pub date: Option<String>,
    /// An HTML id for links to it.
    pub anchor: String,
    pub sections: Vec<Section>,
}

/// A group of changes: `Added`, `Changed`, `Fixed`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Each item as safe HTML: text escaped, no raw HTML, links to http(s) only.
    pub items: Vec<String>,
}

/// The changelog of this build, parsed once from CHANGELOG.md.
pub fn changelog() -> &'static [Version] {
    static PARSED: LazyLock<Vec<Version>> = LazyLock::new(|| parse_changelog(include_str!("../../../CHANGELOG.md")));
    &PARSED
}

/// An HTML id for a heading: lower case letters, digits and dashes, never starting with a digit.
pub fn anchor_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_owned();
    if slug.starts_with(|c: char| c.is_ascii_digit()) { format!("v{slug}") } else { slug }
}

/// Splits `[0.2.0] - 2026-01-05` (brackets already gone) into a name and a date.
fn version_heading(text: &str) -> (String, Option<String>) {
    let text = text.trim();
    let (name, date) = match text.split_once(" - ").or_else(|| text.split_once(" – ")) {
        Some((name, date)) => (name, Some(date.trim().to_owned())),
        None => (text, None),
    };
    (name.trim().trim_start_matches('[').trim_end_matches(']').trim().to_owned(), date.filter(|d| !d.is_empty()))
}

/// Parses a changelog in Keep a Changelog form: `## [version] - date` headings, `### Added`
/// (and the like) sections, and list items, rendered as safe HTML. Text before the first
/// version is the file's introduction and is left out.
pub fn parse_changelog(markdown: &str) -> Vec<Version> {
    use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

    #[derive(PartialEq)]
    enum Heading {
        None,
        Version,
        Section,
        Other,
    }

    let mut versions: Vec<Version> = Vec::new();
    let mut heading = Heading::None;
    let mut heading_text = String::new();
    // The item being written: its HTML, and how deep in lists we are (1: a section's item).
    let mut item = String::new();
    let mut list_depth = 0usize;
    let mut item_depth = 0usize;
    // Links whose scheme is refused are written as their text only.
    let mut open_links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;

    for event in Parser::new(markdown) {
        // Headings: collect their text.
        if heading != Heading::None {
            match event {
                Event::End(TagEnd::Heading(_)) => {
                    match heading {
                        Heading::Version => {
                            let (name, date) = version_heading(&heading_text);
                            versions.push(Version { anchor: anchor_of(&name), name, date, sections: Vec::new() });
                        }
                        Heading::Section => {
                            if let Some(version) = versions.last_mut() {
                                version
                                    .sections
                                    .push(Section { name: heading_text.trim().to_owned(), items: Vec::new() });
                            }
                        }
                        Heading::Other | Heading::None => {}
                    }
                    heading = Heading::None;
                }
                Event::Text(text) | Event::Code(text) => heading_text.push_str(&text),
                _ => {}
            }
            continue;
        }
        let section = versions.last_mut().and_then(|v| v.sections.last_mut());
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading_text.clear();
                heading = match level {
                    HeadingLevel::H2 => Heading::Version,
                    HeadingLevel::H3 => Heading::Section,
                    _ => Heading::Other,
                };
            }
            Event::Start(Tag::List(_)) => {
                if item_depth > 0 {
                    item.push_str("<ul>");
                }
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if item_depth > 0 {
                    item.push_str("</ul>");
                }
            }
            Event::Start(Tag::Item) => {
                item_depth += 1;
                if item_depth > 1 {
                    item.push_str("<li>");
                }
            }
            Event::End(TagEnd::Item) => {
                item_depth = item_depth.saturating_sub(1);
                if item_depth == 0 {
                    if let Some(section) = section {
                        section.items.push(std::mem::take(&mut item).trim().to_owned());
                    }
                    item.clear();
                } else {
                    item.push_str("</li>");
                }
            }
            _ if item_depth == 0 || list_depth == 0 => {}
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
                if !item.is_empty() && !item.ends_with(' ') =>
            {
                item.push(' ');
            }
            Event::Text(text) => item.push_str(&crate::html::escape(&text)),
            Event::Code(code) => {
                item.push_str("<code>");
                item.push_str(&crate::html::escape(&code));
                item.push_str("</code>");
            }
            Event::SoftBreak => item.push(' '),
            Event::HardBreak => item.push_str("<br>"),
            Event::Start(Tag::Emphasis) => item.push_str("<em>"),
            Event::End(TagEnd::Emphasis) => item.push_str("</em>"),
            Event::Start(Tag::Strong) => item.push_str("<strong>"),
            Event::End(TagEnd::Strong) => item.push_str("</strong>"),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let safe = in_image == 0 && (dest_url.starts_with("https://") || dest_url.starts_with("http://"));
                if safe {
                    item.push_str(&format!("<a href=\"{}\" rel=\"noopener\">", crate::html::escape(&dest_url)));
                }
                open_links.push(safe);
            }
            Event::End(TagEnd::Link) if open_links.pop() == Some(true) => item.push_str("</a>"),
            // An image shows as its alt text: the changelog loads nothing.
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            // Raw HTML is dropped, never passed through.
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog\n\nIntro text.\n\n## [Unreleased]\n\n### Added\n- A *new* `thing`, see\n  [the docs](https://example.com/docs).\n- Nested:\n  - one\n  - two\n\n### Fixed\n- Raw <script>alert(1)</script>HTML is dropped; [bad](javascript:alert(1)) links keep their text.\n\n## [0.2.0] - 2026-01-05\n\n### Changed\n- Old & <b>bold</b> news.\n";

    #[test]
    fn the_changelog_parser_reads_versions_dates_sections_and_items() {
        let versions = parse_changelog(CHANGELOG);
        assert_eq!(versions.len(), 2);
        assert_eq!(
            (versions[0].name.as_str(), versions[0].date.as_deref(), versions[0].anchor.as_str()),
            ("Unreleased", None, "unreleased")
        );
        assert_eq!(
            (versions[1].name.as_str(), versions[1].date.as_deref(), versions[1].anchor.as_str()),
            ("0.2.0", Some("2026-01-05"), "v0-2-0")
        );
        let names: Vec<&str> = versions[0].sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Added", "Fixed"]);
        let added = &versions[0].sections[0].items;
        assert_eq!(
            added[0],
            "A <em>new</em> <code>thing</code>, see <a href=\"https://example.com/docs\" rel=\"noopener\">the docs</a>."
        );
        assert_eq!(added[1], "Nested:<ul><li>one</li><li>two</li></ul>");
    }

    #[test]
    fn changelog_items_drop_raw_html_and_links_that_are_not_http() {
        let versions = parse_changelog(CHANGELOG);
        let fixed = &versions[0].sections[1].items[0];
        assert!(!fixed.contains("<script") && !fixed.contains("javascript:"), "{fixed}");
        assert!(fixed.contains("links keep their text"), "{fixed}");
        assert!(fixed.contains("bad"), "{fixed}");
        let changed = &versions[1].sections[0].items[0];
        assert!(changed.starts_with("Old &amp; "), "{changed}");
        assert!(!changed.contains("<b>"), "{changed}");
    }

    #[test]
    fn the_built_in_changelog_is_this_repositorys() {
        let versions = changelog();
        assert!(!versions.is_empty());
        assert!(versions.iter().all(|v| !v.sections.is_empty()));
        assert!(versions[0].sections.iter().any(|s| s.name == "Added" && !s.items.is_empty()));
    }
}
