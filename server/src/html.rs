//! Escaping for the few HTML pages the server writes itself, without Leptos: the demo page, the
//! widget's frame, the snippet preview and the changelog's items.

use std::borrow::Cow;

/// `text` made safe for HTML content and for a quoted attribute (`&`, `<`, `>`, `"` and `'`
/// escaped), through html-escape, which Leptos uses too.
pub fn escape(text: &str) -> Cow<'_, str> {
    html_escape::encode_quoted_attribute(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_both_quotes_are_escaped_and_other_text_is_kept() {
        assert_eq!(
            super::escape(r#"<a href="x">Tom's & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom&#x27;s &amp; co&lt;/a&gt;"
        );
        assert_eq!(super::escape("https://shop.example/a?b=1"), "https://shop.example/a?b=1");
    }
}
