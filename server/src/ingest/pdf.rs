//! PDF text page by page through pdf-extract, which lays out each page's text from its content
//! stream and fonts. The parser has unchecked assumptions about well-formed files (it can panic
//! or spin on hostile ones), which is why uploads reach it only inside the extract worker.

use pdf_extract::{Object, PlainTextOutput};

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
    let mut blocks = Vec::new();
    for number in doc.get_pages().into_keys() {
        let mut text = String::new();
        let result = pdf_extract::output_doc_page(&doc, &mut PlainTextOutput::new(&mut text), number);
        if let Err(err) = result {
            // One unreadable page (an unknown font, a broken stream) should not lose the others.
            tracing::warn!(page = number, error = ?err, "a PDF page could not be read");
            continue;
        }
        blocks.extend(paragraphs(&text).into_iter().map(|text| Block {
            kind: BlockKind::Paragraph,
            text,
            page: Some(number),
        }));
    }
    Ok(Document { title, canonical_url: None, blocks })
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

/// Splits a page's text at blank lines; the lines of a paragraph are joined, and a word broken
/// with a hyphen at a line's end (`exam-` / `ple`) is joined again.
fn paragraphs(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in page.lines().map(str::trim).chain(std::iter::once("")) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
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
    out
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

    #[test]
    fn lines_join_into_paragraphs_and_broken_words_are_mended() {
        assert_eq!(paragraphs("An exam-\nple of text\n\n  Next  para.\n"), ["An example of text", "Next para."]);
        assert_eq!(paragraphs("Well-\nKnown"), ["Well- Known"]);
    }

    #[test]
    fn text_strings_in_utf16_are_decoded() {
        let bytes: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("Ünïcode".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_text_string(&bytes), "Ünïcode");
    }
}
