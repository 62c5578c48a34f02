//! DOCX: a zip archive of WordprocessingML. Paragraphs become blocks; a paragraph's style (read
//! from `styles.xml`, following `basedOn`) makes it a heading (`heading N`, `Title`, or an
//! outline level) or a list item (numbering); tables become rows of `cell | cell`.
//!
//! Zip bombs are refused while inflating: the archive's entry count, every byte that actually
//! inflates (never the sizes the archive declares) against a total, and each entry's ratio of
//! inflated to compressed bytes. Only the few parts needed are inflated at all.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;
use zip::result::ZipError;

use super::{Block, BlockKind, Document, ExtractError, Limits, collapse_whitespace, human_bytes};

/// An entry is judged by its compression ratio only once it has inflated past this, so small,
/// very repetitive parts (XML is) pass.
const RATIO_GRACE_BYTES: u64 = 1024 * 1024;

pub(super) fn extract(bytes: &[u8], limits: &Limits) -> Result<Document, ExtractError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|err| ExtractError::Malformed(format!("it is not a valid DOCX file ({})", zip_reason(&err))))?;
    if archive.len() > limits.max_entries {
        return Err(ExtractError::ZipBomb(format!(
            "the archive lists {} files, more than the {} allowed",
            archive.len(),
            limits.max_entries
        )));
    }
    let mut inflater = Inflater { remaining: limits.max_inflated_bytes, limits, archive_len: bytes.len() as u64 };
    let main_part = match inflater.read(&mut archive, "_rels/.rels")? {
        Some(rels) => office_document_target(&rels).unwrap_or_else(|| "word/document.xml".to_owned()),
        None => "word/document.xml".to_owned(),
    };
    let body = inflater
        .read(&mut archive, &main_part)?
        .ok_or_else(|| ExtractError::Malformed("it has no document part, so it is not a Word document".into()))?;
    let folder = main_part.rsplit_once('/').map_or("", |(folder, _)| folder);
    let styles_part = if folder.is_empty() { "styles.xml".to_owned() } else { format!("{folder}/styles.xml") };
    let styles = inflater.read(&mut archive, &styles_part)?.map(|xml| Styles::parse(&xml)).unwrap_or_default();
    let core_title = inflater.read(&mut archive, "docProps/core.xml")?.and_then(|xml| core_title(&xml));

    let (blocks, title_paragraph) = body_blocks(&body, &styles)?;
    let title = core_title
        .or(title_paragraph)
        .or_else(|| blocks.iter().find(|b| b.kind == BlockKind::Heading(1)).map(|b| b.text.clone()));
    Ok(Document { title, canonical_url: None, blocks })
}

/// Inflates parts within the limits, counting every byte that comes out.
struct Inflater<'a> {
    remaining: u64,
    limits: &'a Limits,
    archive_len: u64,
}

impl Inflater<'_> {
    /// The part named `name` as text, `None` when the archive has no such part.
    fn read(&mut self, archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>, ExtractError> {
        let mut entry = match archive.by_name(name) {
            Ok(entry) => entry,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(err) => return Err(damaged(name, &err)),
        };
        // A compressed size the archive overstates cannot exceed the archive itself.
        let compressed = entry.compressed_size().clamp(1, self.archive_len.max(1));
        let max_ratio = self.limits.max_ratio.max(1);
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(damaged(name, &ZipError::Io(err))),
            };
            let inflated = out.len() as u64 + n as u64;
            if inflated > self.remaining {
                return Err(ExtractError::ZipBomb(format!(
                    "its parts inflate to more than the {} allowed",
                    human_bytes(self.limits.max_inflated_bytes)
                )));
            }
            if inflated > RATIO_GRACE_BYTES && inflated > compressed.saturating_mul(max_ratio) {
                return Err(ExtractError::ZipBomb(format!(
                    "the part {name} inflates more than {max_ratio} times its compressed size"
                )));
            }
            out.extend_from_slice(&buf[..n]);
        }
        self.remaining -= out.len() as u64;
        Ok(Some(match String::from_utf8(out) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        }))
    }
}

fn damaged(name: &str, err: &ZipError) -> ExtractError {
    ExtractError::Malformed(format!("its part {name} is damaged ({})", zip_reason(err)))
}

fn zip_reason(err: &ZipError) -> String {
    match err {
        ZipError::InvalidPassword => "it is protected with a password".to_owned(),
        ZipError::UnsupportedArchive(reason) if reason.contains("assword") => {
            "it is protected with a password".to_owned()
        }
        other => other.to_string(),
    }
}

/// The main document's path from the package relationships (`officeDocument`).
fn office_document_target(rels: &str) -> Option<String> {
    let mut reader = Reader::from_str(rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"Relationship" => {
                let is_main = attr(&e, b"Type").is_some_and(|t| t.ends_with("/officeDocument"));
                if let (true, Some(target)) = (is_main, attr(&e, b"Target")) {
                    return Some(target.trim_start_matches('/').to_owned());
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// `dc:title` from the package's core properties.
fn core_title(xml: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"title" => in_title = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == b"title" => break,
            Ok(Event::Text(t)) if in_title => title.push_str(&t.xml10_content().unwrap_or_default()),
            Ok(Event::GeneralRef(r)) if in_title => push_entity(&mut title, &r),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let title = collapse_whitespace(&title);
    (!title.is_empty()).then_some(title)
}

/// The paragraph styles that matter here, by style id.
#[derive(Default)]
struct Styles {
    by_id: HashMap<String, Style>,
}

#[derive(Default)]
struct Style {
    name: String,
    based_on: Option<String>,
    outline_level: Option<u8>,
    numbered: bool,
}

impl Styles {
    fn parse(xml: &str) -> Styles {
        let mut styles = Styles::default();
        let mut reader = Reader::from_str(xml);
        let mut current: Option<(String, Style)> = None;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                    b"style" => current = attr(&e, b"styleId").map(|id| (id, Style::default())),
                    b"name" => {
                        if let Some((_, style)) = &mut current {
                            style.name = attr(&e, b"val").unwrap_or_default().to_lowercase();
                        }
                    }
                    b"basedOn" => {
                        if let Some((_, style)) = &mut current {
                            style.based_on = attr(&e, b"val");
                        }
                    }
                    b"outlineLvl" => {
                        if let Some((_, style)) = &mut current {
                            style.outline_level = attr(&e, b"val").and_then(|v| v.parse().ok());
                        }
                    }
                    b"numPr" => {
                        if let Some((_, style)) = &mut current {
                            style.numbered = true;
                        }
                    }
                    _ => {}
                },
                Ok(Event::End(e)) if e.local_name().as_ref() == b"style" => {
                    if let Some((id, style)) = current.take() {
                        styles.by_id.insert(id, style);
                    }
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
        styles
    }

    /// The style and its ancestors through `basedOn` (a cycle or a long chain is cut short).
    fn chain<'a>(&'a self, id: &'a str) -> impl Iterator<Item = (&'a str, Option<&'a Style>)> + 'a {
        let mut next = Some(id);
        std::iter::from_fn(move || {
            let id = next.take()?;
            let style = self.by_id.get(id);
            next = style.and_then(|s| s.based_on.as_deref());
            Some((id, style))
        })
        .take(10)
    }

    /// The heading level a paragraph style gives, if any; `Title` counts as level 1.
    fn heading_level(&self, id: &str) -> Option<u8> {
        self.chain(id).find_map(|(id, style)| {
            let name = style.map_or_else(|| id.to_lowercase(), |s| s.name.clone());
            let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
            if compact == "title" {
                return Some(1);
            }
            if let Some(level) = compact.strip_prefix("heading").and_then(|n| n.parse::<u8>().ok()) {
                return Some(level.clamp(1, 9));
            }
            style.and_then(|s| s.outline_level).filter(|level| *level < 9).map(|level| level + 1)
        })
    }

    fn is_title(&self, id: &str) -> bool {
        self.chain(id).any(|(id, style)| style.map_or_else(|| id.eq_ignore_ascii_case("title"), |s| s.name == "title"))
    }

    fn is_numbered(&self, id: &str) -> bool {
        self.chain(id).any(|(_, style)| style.is_some_and(|s| s.numbered))
    }
}

/// A paragraph being read.
#[derive(Default)]
struct Paragraph {
    style: Option<String>,
    outline_level: Option<u8>,
    numbered: bool,
    text: String,
}

/// A table being read: its rows so far, the current row's cells and the current cell's text.
#[derive(Default)]
struct Table {
    row: Vec<String>,
    cell: String,
}

/// Reads the document body into blocks, and the first `Title`-styled paragraph.
fn body_blocks(xml: &str, styles: &Styles) -> Result<(Vec<Block>, Option<String>), ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut blocks = Vec::new();
    let mut title = None;
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut in_text = false;
    // Properties (`pPr`, `rPr`) hold tab stops and the like, not text; `mc:Fallback` repeats the
    // `mc:Choice` next to it, and moved-from text reappears where it was moved to.
    let mut skip_depth = 0usize;
    let mut in_properties = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|err| ExtractError::Malformed(format!("its document part is not well-formed XML ({err})")))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if skip_depth > 0 || matches!(name, b"Fallback" | b"moveFrom" | b"del") {
                    skip_depth += 1;
                    continue;
                }
                match name {
                    b"p" => paragraphs.push(Paragraph::default()),
                    b"pPr" | b"rPr" => in_properties += 1,
                    b"t" if in_properties == 0 => in_text = true,
                    b"tbl" => tables.push(Table::default()),
                    b"tr" => {
                        if let Some(table) = tables.last_mut() {
                            table.row.clear();
                        }
                    }
                    b"tc" => {
                        if let Some(table) = tables.last_mut() {
                            table.cell.clear();
                        }
                    }
                    _ => paragraph_property(&e, paragraphs.last_mut()),
                }
            }
            Event::Empty(e) => {
                if skip_depth > 0 {
                    continue;
                }
                match e.local_name().as_ref() {
                    b"tab" | b"br" | b"cr" if in_properties == 0 => {
                        if let Some(paragraph) = paragraphs.last_mut() {
                            paragraph.text.push(' ');
                        }
                    }
                    _ => paragraph_property(&e, paragraphs.last_mut()),
                }
            }
            Event::Text(t) if in_text && skip_depth == 0 => {
                if let Some(paragraph) = paragraphs.last_mut() {
                    paragraph.text.push_str(&t.xml10_content().unwrap_or_default());
                }
            }
            Event::GeneralRef(r) if in_text && skip_depth == 0 => {
                if let Some(paragraph) = paragraphs.last_mut() {
                    push_entity(&mut paragraph.text, &r);
                }
            }
            Event::End(e) => {
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    b"pPr" | b"rPr" => in_properties = in_properties.saturating_sub(1),
                    b"t" => in_text = false,
                    b"p" => {
                        let Some(paragraph) = paragraphs.pop() else { continue };
                        let text = collapse_whitespace(&paragraph.text);
                        if text.is_empty() {
                            continue;
                        }
                        // A paragraph inside a table cell (or a text box in another paragraph)
                        // joins its container rather than standing alone.
                        if let Some(outer) = paragraphs.last_mut() {
                            outer.text.push(' ');
                            outer.text.push_str(&text);
                            continue;
                        }
                        if let Some(table) = tables.last_mut() {
                            table.cell.push(' ');
                            table.cell.push_str(&text);
                            continue;
                        }
                        let style = paragraph.style.as_deref();
                        if title.is_none() && style.is_some_and(|s| styles.is_title(s)) {
                            title = Some(text.clone());
                        }
                        let level = paragraph
                            .outline_level
                            .filter(|level| *level < 9)
                            .map(|level| level + 1)
                            .or_else(|| style.and_then(|s| styles.heading_level(s)));
                        let kind = match level {
                            Some(level) => BlockKind::Heading(level),
                            None if paragraph.numbered || style.is_some_and(|s| styles.is_numbered(s)) => {
                                BlockKind::ListItem
                            }
                            None => BlockKind::Paragraph,
                        };
                        blocks.push(Block::new(kind, text));
                    }
                    b"tc" => {
                        if let Some(table) = tables.last_mut() {
                            let cell = collapse_whitespace(&std::mem::take(&mut table.cell));
                            table.row.push(cell);
                        }
                    }
                    b"tr" => {
                        if let Some(mut table) = tables.pop() {
                            let cells: Vec<String> =
                                std::mem::take(&mut table.row).into_iter().filter(|c| !c.is_empty()).collect();
                            let row = cells.join(" | ");
                            // A table nested in a cell becomes part of that cell's text.
                            match tables.last_mut() {
                                Some(outer) if !row.is_empty() => {
                                    outer.cell.push(' ');
                                    outer.cell.push_str(&row);
                                }
                                None if !row.is_empty() => blocks.push(Block::new(BlockKind::TableRow, row)),
                                _ => {}
                            }
                            tables.push(table);
                        }
                    }
                    b"tbl" => {
                        tables.pop();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((blocks, title))
}

/// Reads a paragraph property (style, numbering, outline level) into the open paragraph.
fn paragraph_property(e: &BytesStart<'_>, paragraph: Option<&mut Paragraph>) {
    let Some(paragraph) = paragraph else { return };
    match e.local_name().as_ref() {
        b"pStyle" => paragraph.style = attr(e, b"val"),
        b"numPr" => paragraph.numbered = true,
        b"outlineLvl" => paragraph.outline_level = attr(e, b"val").and_then(|v| v.parse().ok()),
        _ => {}
    }
}

/// An attribute's unescaped value by its local name (`w:val` is `val`).
fn attr(e: &BytesStart<'_>, local_name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local_name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Appends a character or predefined entity reference (`&amp;`, `&#233;`); others are dropped,
/// since WordprocessingML defines no entities of its own.
fn push_entity(text: &mut String, reference: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        text.push(c);
    } else if let Some(resolved) =
        quick_xml::escape::resolve_predefined_entity(&reference.xml10_content().unwrap_or_default())
    {
        text.push_str(resolved);
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn headings_lists_tables_and_the_title_are_read() {
        let docx = fixtures::docx(&fixtures::sample_docx_body());
        let doc = extract(&docx, &Limits::default()).unwrap();
        assert_eq!(doc.title.as_deref(), Some("Handbook"));
        let blocks: Vec<(BlockKind, &str)> = doc.blocks.iter().map(|b| (b.kind, b.text.as_str())).collect();
        assert_eq!(
            blocks,
            [
                (BlockKind::Heading(1), "Handbook"),
                (BlockKind::Heading(1), "Getting started"),
                (BlockKind::Paragraph, "Plug the device in & wait."),
                (BlockKind::ListItem, "First step"),
                (BlockKind::ListItem, "Second step"),
                (BlockKind::Heading(2), "Specs"),
                (BlockKind::TableRow, "Size | 10 cm"),
                (BlockKind::TableRow, "Weight | 2 kg heavy"),
                (BlockKind::Heading(3), "Outlined"),
                (BlockKind::Paragraph, "A quote style is body text."),
            ]
        );
    }

    #[test]
    fn a_docx_without_a_document_part_is_malformed() {
        let zip = fixtures::zip(&[("hello.txt", b"hi".as_slice())]);
        assert!(matches!(extract(&zip, &Limits::default()), Err(ExtractError::Malformed(_))));
        assert!(matches!(extract(b"not a zip at all", &Limits::default()), Err(ExtractError::Malformed(_))));
    }

    #[test]
    fn an_archive_with_too_many_entries_is_a_zip_bomb() {
        let names: Vec<String> = (0..50).map(|i| format!("f{i}.xml")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), b"x".as_slice())).collect();
        let limits = Limits { max_entries: 20, ..Limits::default() };
        let err = extract(&fixtures::zip(&entries), &limits).unwrap_err();
        assert!(matches!(err, ExtractError::ZipBomb(_)), "{err:?}");
        assert!(err.to_string().contains("50 files"), "{err}");
    }

    #[test]
    fn a_highly_compressed_part_is_a_zip_bomb_caught_by_its_ratio() {
        let bomb = fixtures::docx_bomb(64 * 1024 * 1024);
        assert!(bomb.len() < 1024 * 1024, "the bomb is {} bytes", bomb.len());
        let err = extract(&bomb, &Limits::default()).unwrap_err();
        assert!(matches!(&err, ExtractError::ZipBomb(reason) if reason.contains("times")), "{err:?}");
    }

    #[test]
    fn parts_inflating_past_the_total_are_a_zip_bomb() {
        let docx = fixtures::docx(&fixtures::sample_docx_body());
        let limits = Limits { max_inflated_bytes: 600, ..Limits::default() };
        let err = extract(&docx, &limits).unwrap_err();
        assert!(matches!(&err, ExtractError::ZipBomb(reason) if reason.contains("600 bytes")), "{err:?}");
    }

    #[test]
    fn styles_are_followed_through_based_on() {
        let styles = Styles::parse(
            r#"<w:styles xmlns:w="w"><w:style w:styleId="Berschrift1"><w:name w:val="heading 1"/></w:style>
            <w:style w:styleId="Mine"><w:name w:val="Mine"/><w:basedOn w:val="Berschrift1"/></w:style>
            <w:style w:styleId="Loop"><w:basedOn w:val="Loop"/></w:style>
            <w:style w:styleId="Bullets"><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style></w:styles>"#,
        );
        assert_eq!(styles.heading_level("Berschrift1"), Some(1));
        assert_eq!(styles.heading_level("Mine"), Some(1));
        assert_eq!(styles.heading_level("Loop"), None);
        assert!(styles.is_numbered("Bullets"));
        assert_eq!(styles.heading_level("Heading3"), Some(3), "a style missing from styles.xml is judged by its id");
    }
}
