//! PDF text page by page through pdf-extract, which lays out each page's text from its content
//! stream and fonts. The parser has unchecked assumptions about well-formed files (it can panic
//! or spin on hostile ones), which is why uploads reach it only inside the extract worker.
//!
//! A PDF has no paragraphs or headings, only positioned glyphs, so both are read from the
//! layout: a vertical gap wider than a line's spacing ends a paragraph, and a short line set
//! clearly larger than the document's body text is a heading, its level ranked by size (the
//! largest heading size is level 1). Headings become the section paths of the chunks.

use pdf_extract::{MediaBox, Object, OutputDev, OutputError, Transform};

use super::{Block, BlockKind, Document, ExtractError};

pub(super) fn extract(bytes: &[u8]) -> Result<Document, ExtractError> {
    let mut doc = pdf_extract::Document::load_mem(bytes)
        .map_err(|err| ExtractError::Malformed(format!("it is not a readable PDF ({err})")))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(ExtractError::Malformed(
            "it is protected with a password; remove the password and upload it again".into(),
        ));
    }
    let title = info_title(&doc);
    let mut pages: Vec<(u32, Vec<Line>)> = Vec::new();
    for number in doc.get_pages().into_keys() {
        let mut output = LineOutput::default();
        let result = pdf_extract::output_doc_page(&doc, &mut output, number);
        if let Err(err) = result {
            // One unreadable page (an unknown font, a broken stream) should not lose the others.
            tracing::warn!(page = number, error = ?err, "a PDF page could not be read");
            continue;
        }
        pages.push((number, output.finish()));
    }
    let body = body_size(pages.iter().flat_map(|(_, lines)| lines));
    let levels = heading_levels(pages.iter().flat_map(|(_, lines)| lines), body);
    let mut blocks = Vec::new();
    for (number, lines) in pages {
        blocks.extend(blocks_of(&lines, body, &levels).into_iter().map(|(kind, text)| Block {
            kind,
            text,
            page: Some(number),
        }));
    }
    Ok(Document { title, canonical_url: None, blocks })
}

/// A line of a page as laid out: its text, the size of most of its characters, and whether a
/// paragraph gap comes before it.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    text: String,
    size: f64,
    gap_before: bool,
}

/// Collects a page's lines. Spaces and line breaks are placed as pdf-extract's plain text
/// output places them (a jump back and down starts a line; a jump down of more than one and a
/// half times the font size starts a paragraph), and each line keeps its font size.
#[derive(Default)]
struct LineOutput {
    lines: Vec<Line>,
    text: String,
    /// Characters of the current line by font size (in hundredths of a point).
    sizes: Vec<(i64, usize)>,
    gap_before: bool,
    last_end: f64,
    last_y: f64,
    word_start: bool,
}

impl LineOutput {
    fn end_line(&mut self, gap_after: bool) {
        let text = self.text.trim();
        if !text.is_empty() {
            let size = self.sizes.iter().max_by_key(|(_, count)| *count).map_or(0.0, |(size, _)| *size as f64 / 100.0);
            self.lines.push(Line { text: text.to_owned(), size, gap_before: self.gap_before });
            self.gap_before = false;
        }
        self.gap_before |= gap_after;
        self.text.clear();
        self.sizes.clear();
    }

    fn finish(mut self) -> Vec<Line> {
        self.end_line(false);
        self.lines
    }
}

impl OutputDev for LineOutput {
    fn begin_page(
        &mut self,
        _page: u32,
        _media: &MediaBox,
        _art: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.last_end = 100_000.0;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        // The font size as drawn: the side of the square with the area of the scaled glyph box.
        let size = ((font_size * (trm.m11 + trm.m21)) * (font_size * (trm.m12 + trm.m22))).abs().sqrt();
        let (x, y) = (trm.m31, trm.m32);
        if self.word_start {
            let down = (y - self.last_y).abs();
            let paragraph = down > size * 1.5;
            let wrapped = x < self.last_end && down > size * 0.5;
            if paragraph || wrapped {
                self.end_line(paragraph && wrapped);
            } else if x > self.last_end + size * 0.1 {
                self.text.push(' ');
            }
        }
        self.text.push_str(char);
        let key = (size * 100.0).round() as i64;
        match self.sizes.iter_mut().find(|(s, _)| *s == key) {
            Some((_, count)) => *count += char.chars().count(),
            None => self.sizes.push((key, char.chars().count())),
        }
        self.word_start = false;
        self.last_y = y;
        self.last_end = x + width * size;
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.word_start = true;
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// A line set at least this many times the body size may be a heading.
const HEADING_RATIO: f64 = 1.15;
/// A heading is at most this many characters; a longer large line is a pull quote or a title
/// page's blurb, kept as text.
const MAX_HEADING_CHARS: usize = 150;

/// The size most of the document's characters are set in.
fn body_size<'a>(lines: impl Iterator<Item = &'a Line>) -> f64 {
    let mut counts: Vec<(i64, usize)> = Vec::new();
    for line in lines {
        let key = (line.size * 100.0).round() as i64;
        let chars = line.text.chars().count();
        match counts.iter_mut().find(|(size, _)| *size == key) {
            Some((_, count)) => *count += chars,
            None => counts.push((key, chars)),
        }
    }
    counts.iter().max_by_key(|(_, count)| *count).map_or(0.0, |(size, _)| *size as f64 / 100.0)
}

fn is_heading(line: &Line, body: f64) -> bool {
    body > 0.0
        && line.size >= body * HEADING_RATIO
        && line.text.chars().count() <= MAX_HEADING_CHARS
        && line.text.chars().any(char::is_alphabetic)
}

/// The heading sizes of the document, largest first: level 1, 2, … (at most six levels; any
/// smaller heading size shares level 6).
fn heading_levels<'a>(lines: impl Iterator<Item = &'a Line>, body: f64) -> Vec<i64> {
    let mut sizes: Vec<i64> =
        lines.filter(|line| is_heading(line, body)).map(|line| (line.size * 100.0).round() as i64).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    sizes
}

/// A page's lines as blocks: headings on their own (a heading that wraps over lines of the same
/// size joins them), paragraphs made of the lines between gaps.
fn blocks_of(lines: &[Line], body: f64, levels: &[i64]) -> Vec<(BlockKind, String)> {
    let mut blocks: Vec<(BlockKind, String)> = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut heading: Option<(u8, i64, String)> = None;
    let flush_paragraph = |paragraph: &mut Vec<&str>, blocks: &mut Vec<(BlockKind, String)>| {
        if !paragraph.is_empty() {
            blocks.push((BlockKind::Paragraph, join_lines(paragraph)));
            paragraph.clear();
        }
    };
    for line in lines {
        if is_heading(line, body) {
            flush_paragraph(&mut paragraph, &mut blocks);
            let size = (line.size * 100.0).round() as i64;
            let level = levels.iter().position(|s| *s == size).map_or(6, |p| (p + 1).min(6)) as u8;
            match &mut heading {
                Some((open, open_size, text)) if *open_size == size && !line.gap_before && *open == level => {
                    text.push(' ');
                    text.push_str(&line.text);
                }
                _ => {
                    if let Some((level, _, text)) = heading.take() {
                        blocks.push((BlockKind::Heading(level), text));
                    }
                    heading = Some((level, size, line.text.clone()));
                }
            }
            continue;
        }
        if let Some((level, _, text)) = heading.take() {
            blocks.push((BlockKind::Heading(level), text));
        }
        if line.gap_before {
            flush_paragraph(&mut paragraph, &mut blocks);
        }
        paragraph.push(&line.text);
    }
    if let Some((level, _, text)) = heading.take() {
        blocks.push((BlockKind::Heading(level), text));
    }
    flush_paragraph(&mut paragraph, &mut blocks);
    blocks
}

/// The document's title from its Info dictionary, when it has one.
fn info_title(doc: &pdf_extract::Document) -> Option<String> {
    let info = match doc.trailer.get(b"Info").ok()? {
        Object::Reference(id) => doc.get_dictionary(*id).ok()?,
        Object::Dictionary(dict) => dict,
        _ => return None,
    };
    let title = match info.get(b"Title").ok()? {
        Object::Reference(id) => doc.get_object(*id).ok()?,
        other => other,
    };
    match title {
        Object::String(bytes, _) => Some(decode_text_string(bytes)).filter(|t| !t.trim().is_empty()),
        _ => None,
    }
}

/// A PDF text string: UTF-16BE after a byte-order mark, else PDFDocEncoding, whose printable
/// range agrees with Latin-1.
fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let units = rest.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
        return char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Joins the lines of a paragraph with spaces; a word broken with a hyphen at a line's end
/// (`exam-` / `ple`) is joined again.
fn join_lines(lines: &[&str]) -> String {
    let mut current = String::new();
    for line in lines {
        let broken_word = current.ends_with('-')
            && current[..current.len() - 1].chars().next_back().is_some_and(char::is_lowercase)
            && line.chars().next().is_some_and(char::is_lowercase);
        if broken_word {
            current.pop();
        } else if !current.is_empty() {
            current.push(' ');
        }
        for (i, word) in line.split_whitespace().enumerate() {
            if i > 0 {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn each_page_keeps_its_number_and_the_title_comes_from_the_info_dictionary() {
        let pdf =
            fixtures::pdf("Owner manual", &[&["Chapter one.", "The device starts."], &["Chapter two.", "It stops."]]);
        let doc = extract(&pdf).unwrap();
        assert_eq!(doc.title.as_deref(), Some("Owner manual"));
        let page_one: Vec<&str> = doc.blocks.iter().filter(|b| b.page == Some(1)).map(|b| b.text.as_str()).collect();
        let page_two: Vec<&str> = doc.blocks.iter().filter(|b| b.page == Some(2)).map(|b| b.text.as_str()).collect();
        assert!(page_one.join(" ").contains("The device starts."), "{doc:?}");
        assert!(page_two.join(" ").contains("It stops."), "{doc:?}");
        assert!(!page_one.join(" ").contains("stops"), "{doc:?}");
    }

    #[test]
    fn garbage_is_not_a_pdf() {
        assert!(matches!(extract(b"%PDF-1.4 not really"), Err(ExtractError::Malformed(_))));
    }

    fn line(text: &str, size: f64, gap_before: bool) -> Line {
        Line { text: text.to_owned(), size, gap_before }
    }

    #[test]
    fn lines_join_into_paragraphs_at_gaps_and_broken_words_are_mended() {
        let lines = [line("An exam-", 10.0, false), line("ple of text", 10.0, false), line("Next  para.", 10.0, true)];
        let blocks = blocks_of(&lines, 10.0, &[]);
        let texts: Vec<&str> = blocks.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(texts, ["An example of text", "Next para."]);
        assert_eq!(join_lines(&["Well-", "Known"]), "Well- Known");
    }

    #[test]
    fn larger_short_lines_are_headings_ranked_by_size_and_wrapped_headings_join() {
        let lines = [
            line("Owner manual", 20.0, false),
            line("Filter care and", 14.0, true),
            line("cleaning", 14.0, false),
            line("Replace the filter every 12 months.", 10.5, true),
            line("Vacuum the pre-filter.", 10.5, true),
        ];
        let body = body_size(lines.iter());
        assert!((body - 10.5).abs() < 1e-9);
        let levels = heading_levels(lines.iter(), body);
        let blocks = blocks_of(&lines, body, &levels);
        assert_eq!(
            blocks,
            [
                (BlockKind::Heading(1), "Owner manual".to_owned()),
                (BlockKind::Heading(2), "Filter care and cleaning".to_owned()),
                (BlockKind::Paragraph, "Replace the filter every 12 months.".to_owned()),
                (BlockKind::Paragraph, "Vacuum the pre-filter.".to_owned()),
            ]
        );
    }

    #[test]
    fn headings_of_a_pdf_become_heading_blocks_on_their_page() {
        let pdf = fixtures::pdf_sized(
            "Manual",
            &[&[(18.0, "Filters"), (10.0, "Replace the filter every twelve months to keep the air clean.")]],
        );
        let doc = extract(&pdf).unwrap();
        assert_eq!(doc.blocks[0], Block { kind: BlockKind::Heading(1), text: "Filters".into(), page: Some(1) });
        assert_eq!(doc.blocks[1].kind, BlockKind::Paragraph, "{doc:?}");
        assert!(doc.blocks[1].text.starts_with("Replace the filter"), "{doc:?}");
    }

    #[test]
    fn text_strings_in_utf16_are_decoded() {
        let bytes: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("Ünïcode".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_text_string(&bytes), "Ünïcode");
    }
}
