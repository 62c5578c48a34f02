//! Documents made in code for tests (here and in the integration suite): small valid PDFs and
//! DOCX files and zip bombs, so no opaque binary fixture is needed. Not used by the server.

use std::io::Write;

use pdf_extract::{Dictionary, Object, Stream, StringFormat};
use zip::write::SimpleFileOptions;

/// A PDF with one page per entry of `pages`, each line drawn on its own line in Helvetica, and
/// `title` in the Info dictionary.
pub fn pdf(title: &str, pages: &[&[&str]]) -> Vec<u8> {
    let pages: Vec<String> = pages
        .iter()
        .map(|lines| {
            let mut content = String::from("BT /F1 12 Tf 72 720 Td 16 TL\n");
            for line in *lines {
                content.push_str(&format!("({}) Tj T*\n", escaped(line)));
            }
            content + "ET\n"
        })
        .collect();
    pdf_of(title, &pages)
}

/// A PDF whose pages hold paragraphs of one line each, in Helvetica of the size given with each
/// (a gap of more than a line between them), and `title` in the Info dictionary.
pub fn pdf_sized(title: &str, pages: &[&[(f64, &str)]]) -> Vec<u8> {
    let pages: Vec<String> = pages
        .iter()
        .map(|paragraphs| {
            let mut content = String::from("BT 72 720 Td\n");
            for (size, text) in *paragraphs {
                content.push_str(&format!("/F1 {size} Tf ({}) Tj 0 -{} Td\n", escaped(text), size * 2.5));
            }
            content + "ET\n"
        })
        .collect();
    pdf_of(title, &pages)
}

fn escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)")
}

/// A PDF with one page per content stream, each drawing in the font `F1` (Helvetica).
fn pdf_of(title: &str, pages: &[String]) -> Vec<u8> {
    let mut doc = pdf_extract::Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
    font.set("Encoding", Object::Name(b"WinAnsiEncoding".to_vec()));
    let font_id = doc.add_object(font);
    let mut fonts = Dictionary::new();
    fonts.set("F1", Object::Reference(font_id));
    let mut resources = Dictionary::new();
    resources.set("Font", Object::Dictionary(fonts));
    let resources_id = doc.add_object(resources);
    let mut kids = Vec::new();
    for content in pages {
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content.clone().into_bytes()));
        let mut page = Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Parent", Object::Reference(pages_id));
        page.set("Contents", Object::Reference(content_id));
        page.set("Resources", Object::Reference(resources_id));
        page.set("MediaBox", Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]));
        kids.push(Object::Reference(doc.add_object(page)));
    }
    let mut pages_dict = Dictionary::new();
    pages_dict.set("Type", Object::Name(b"Pages".to_vec()));
    pages_dict.set("Count", Object::Integer(kids.len() as i64));
    pages_dict.set("Kids", Object::Array(kids));
    doc.objects.insert(pages_id, Object::Dictionary(pages_dict));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", Object::Reference(pages_id));
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", Object::Reference(catalog_id));
    let mut info = Dictionary::new();
    info.set("Title", Object::String(title.as_bytes().to_vec(), StringFormat::Literal));
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", Object::Reference(info_id));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("an in-memory PDF is written");
    out
}

/// A zip archive of the given entries, deflated.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer.start_file(*name, deflated()).expect("a zip entry starts");
        writer.write_all(bytes).expect("a zip entry is written");
    }
    writer.finish().expect("the zip archive is finished").into_inner()
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true)
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Heading1"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Outlined"><w:name w:val="Outlined"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
</w:styles>"#;

/// A DOCX whose body is `body` (WordprocessingML inside `<w:body>`), with styles for a title,
/// two heading levels, a bullet list and an outline-level heading.
pub fn docx(body: &str) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}</w:body></w:document>"#
    );
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/styles.xml", STYLES.as_bytes()),
    ])
}

/// A paragraph of `style` (or none) with `text` in one run.
pub fn docx_paragraph(style: Option<&str>, text: &str) -> String {
    let properties = style.map(|s| format!(r#"<w:pPr><w:pStyle w:val="{s}"/></w:pPr>"#)).unwrap_or_default();
    format!(r#"<w:p>{properties}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
}

/// The body of a small handbook: a title, headings, a paragraph split over runs, a bullet list,
/// a table (one cell with two paragraphs), deleted and fallback text that must not show, an
/// outline-level heading and a quote.
pub fn sample_docx_body() -> String {
    [
        docx_paragraph(Some("Title"), "Handbook"),
        docx_paragraph(Some("Heading1"), "Getting started"),
        r#"<w:p><w:r><w:t xml:space="preserve">Plug the </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>device</w:t></w:r><w:r><w:tab/><w:t>in &amp; wait.</w:t></w:r><w:del><w:r><w:delText>Deleted words</w:delText></w:r></w:del></w:p>"#.to_owned(),
        docx_paragraph(Some("ListBullet"), "First step"),
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr></w:pPr><w:r><w:t>Second step</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"></mc:Choice><mc:Fallback><w:p><w:r><w:t>Fallback copy</w:t></w:r></w:p></mc:Fallback></mc:AlternateContent></w:r></w:p>"#.to_owned(),
        docx_paragraph(Some("Heading2"), "Specs"),
        format!(
            "<w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr><w:tr><w:tc>{}</w:tc><w:tc>{}{}</w:tc></w:tr></w:tbl>",
            docx_paragraph(None, "Size"),
            docx_paragraph(None, "10 cm"),
            docx_paragraph(None, "Weight"),
            docx_paragraph(None, "2 kg"),
            docx_paragraph(None, "heavy"),
        ),
        docx_paragraph(Some("Outlined"), "Outlined"),
        docx_paragraph(Some("Quote"), "A quote style is body text."),
    ]
    .concat()
}

/// A DOCX whose document part inflates to `inflated_bytes` of blank text (so it compresses about
/// a thousand times), streamed into the archive without holding it in memory.
pub fn docx_bomb(inflated_bytes: usize) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer.start_file("[Content_Types].xml", deflated()).expect("a zip entry starts");
    writer.write_all(CONTENT_TYPES.as_bytes()).expect("a zip entry is written");
    writer.start_file("word/document.xml", deflated()).expect("a zip entry starts");
    writer.write_all(b"<w:document><w:body><w:p><w:r><w:t>").expect("a zip entry is written");
    let block = vec![b' '; 1024 * 1024];
    let mut left = inflated_bytes;
    while left > 0 {
        let n = left.min(block.len());
        writer.write_all(&block[..n]).expect("a zip entry is written");
        left -= n;
    }
    writer.write_all(b"</w:t></w:r></w:p></w:body></w:document>").expect("a zip entry is written");
    writer.finish().expect("the zip archive is finished").into_inner()
}
