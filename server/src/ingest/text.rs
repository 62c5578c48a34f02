//! Plain text: paragraphs are separated by blank lines, and a paragraph whose every line starts
//! with a bullet or a number is a list.

use super::{Block, BlockKind, Document, ExtractError, collapse_whitespace};

/// Decodes text files: UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order
/// mark. Invalid UTF-8 is replaced rather than refused, since one stray byte should not lose a
/// whole document; a NUL byte means a binary file that merely has a text name.
pub(super) fn decode(bytes: &[u8]) -> Result<String, ExtractError> {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Ok(decode_utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Ok(decode_utf16(rest, u16::from_be_bytes));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(ExtractError::Malformed("it looks like a binary file rather than text".into()));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

pub(super) fn extract(text: &str) -> Result<Document, ExtractError> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    for line in text.lines().chain(std::iter::once("")) {
        if !line.trim().is_empty() {
            paragraph.push(line);
            continue;
        }
        if paragraph.is_empty() {
            continue;
        }
        if paragraph.iter().all(|line| strip_bullet(line).is_some()) {
            for line in &paragraph {
                let item = strip_bullet(line).unwrap_or(line);
                blocks.push(Block::new(BlockKind::ListItem, collapse_whitespace(item)));
            }
        } else {
            blocks.push(Block::new(BlockKind::Paragraph, collapse_whitespace(&paragraph.join(" "))));
        }
        paragraph.clear();
    }
    Ok(Document { title: None, canonical_url: None, blocks })
}

/// The line without its list marker (`-`, `*`, `•`, `1.`, `2)`), if it has one.
fn strip_bullet(line: &str) -> Option<&str> {
    let line = line.trim_start();
    for bullet in ["- ", "* ", "• ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(rest);
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        return rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_separate_paragraphs_and_line_breaks_inside_them_become_spaces() {
        let doc = extract("First line\nsame paragraph.\r\n\r\nSecond paragraph.\n").unwrap();
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["First line same paragraph.", "Second paragraph."]);
        assert!(doc.blocks.iter().all(|b| b.kind == BlockKind::Paragraph));
    }

    #[test]
    fn a_paragraph_of_bullets_is_a_list() {
        let doc = extract("Steps:\n\n- open the box\n- plug it in\n2) switch it on").unwrap();
        let kinds: Vec<BlockKind> = doc.blocks.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, [BlockKind::Paragraph, BlockKind::ListItem, BlockKind::ListItem, BlockKind::ListItem]);
        assert_eq!(doc.blocks[3].text, "switch it on");
    }

    #[test]
    fn utf16_and_byte_order_marks_are_decoded() {
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("héllo".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16).unwrap(), "héllo");
        assert_eq!(decode(b"\xEF\xBB\xBFplain").unwrap(), "plain");
    }

    #[test]
    fn binary_content_is_not_text() {
        assert!(matches!(decode(b"PK\x03\x04\x00\x00binary"), Err(ExtractError::Malformed(_))));
    }
}
