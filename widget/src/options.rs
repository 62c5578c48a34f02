//! The embed options: what `public/widget.js` read from its script tag's `data-*` attributes
//! and passed to `mount`. The loader already checked them, but they are read again here as
//! types, so that nothing a host page writes in an attribute reaches a class name or a style
//! unchecked.

use wasm_bindgen::JsValue;

/// How the widget sits on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A launcher button in a corner that opens a floating panel.
    Bubble,
    /// The panel inside an element of the host page, always open, with no launcher.
    Inline,
    /// A launcher that opens a panel covering the whole viewport.
    Fullscreen,
}

impl Mode {
    pub fn parse(value: &str) -> Mode {
        match value {
            "inline" => Mode::Inline,
            "fullscreen" => Mode::Fullscreen,
            _ => Mode::Bubble,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Mode::Bubble => "mode-bubble",
            Mode::Inline => "mode-inline",
            Mode::Fullscreen => "mode-fullscreen",
        }
    }
}

/// The corner of the launcher and panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Right,
    Left,
}

impl Position {
    pub fn parse(value: &str) -> Position {
        if value == "left" { Position::Left } else { Position::Right }
    }

    pub fn class(self) -> &'static str {
        match self {
            Position::Right => "pos-right",
            Position::Left => "pos-left",
        }
    }
}

/// The colour scheme; `Auto` follows the visitor's `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    Auto,
}

impl Theme {
    pub fn parse(value: &str) -> Theme {
        match value {
            "dark" => Theme::Dark,
            "auto" => Theme::Auto,
            _ => Theme::Light,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Theme::Light => "theme-light",
            Theme::Dark => "theme-dark",
            Theme::Auto => "theme-auto",
        }
    }
}

/// An accent colour the widget accepts: `#rgb`, `#rrggbb` or a colour name made only of
/// letters. Anything else (`url(…)`, `red;background:…`, `var(--x)`) is refused, so the value
/// is safe to put in a style attribute.
pub fn accent(value: &str) -> Option<&str> {
    let valid = match value.strip_prefix('#') {
        Some(hex) => matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphabetic()),
    };
    valid.then_some(value)
}

/// Everything `mount` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Parlor's origin, from the loader's `src`.
    pub backend: String,
    pub chatbot_id: String,
    pub theme: Theme,
    pub position: Position,
    pub accent: Option<String>,
    pub mode: Mode,
    /// Show the panel at once.
    pub open: bool,
    /// Move the keyboard focus into the panel: only when the visitor opened it, never when the
    /// page did (`data-open`), so the widget does not take the focus from the host page.
    pub focus: bool,
    /// The page's choice of language (`data-language`, `Parlor.setLocale` before loading); empty
    /// leaves it to the browser.
    pub language: String,
    /// Running in the iframe fallback page on Parlor's own origin.
    pub frame: bool,
}

impl Options {
    /// Reads the options object the loader passes (`{backend, chatbotId, theme, position,
    /// accent, mode, open, focus, language, frame}`). Missing or mistyped fields take their defaults, and so does
    /// everything when `value` is not an object (reading a field of it fails).
    pub fn from_js(value: &JsValue) -> Options {
        let field = |name: &str| js_sys::Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        let text = |name: &str| field(name).as_string().unwrap_or_default();
        let flag = |name: &str| field(name).as_bool().unwrap_or(false);
        Options {
            backend: text("backend"),
            chatbot_id: text("chatbotId"),
            theme: Theme::parse(&text("theme")),
            position: Position::parse(&text("position")),
            accent: accent(&text("accent")).map(str::to_owned),
            mode: Mode::parse(&text("mode")),
            open: flag("open"),
            focus: flag("focus"),
            language: text("language"),
            frame: flag("frame"),
        }
    }

    /// The classes of the widget's root element.
    pub fn root_class(&self) -> String {
        let mut class = ["parlor", self.theme.class(), self.position.class(), self.mode.class()].join(" ");
        if self.accent.is_some() {
            class.push_str(" custom-accent");
        }
        class
    }

    /// The style attribute of the widget's root element: the accent colour, if any.
    pub fn root_style(&self) -> Option<String> {
        self.accent.as_ref().map(|accent| ["--accent:", accent].concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_accept_short_and_long_hex_and_colour_names() {
        for good in ["#fff", "#4F46E5", "rebeccapurple", "Teal"] {
            assert_eq!(accent(good), Some(good));
        }
    }

    #[test]
    fn accents_refuse_anything_that_could_carry_more_css() {
        for bad in [
            "",
            "#",
            "#ffff",
            "#12345g",
            "red;background:url(https://evil.example/x)",
            "var(--x)",
            "rgb(1,2,3)",
            "url(x)",
            "red ",
            "#fff;",
            "blüe",
        ] {
            assert_eq!(accent(bad), None, "{bad}");
        }
    }

    #[test]
    fn unknown_modes_positions_and_themes_fall_back_to_the_defaults() {
        assert_eq!(Mode::parse("inline"), Mode::Inline);
        assert_eq!(Mode::parse("fullscreen"), Mode::Fullscreen);
        assert_eq!(Mode::parse("popup"), Mode::Bubble);
        assert_eq!(Position::parse("left"), Position::Left);
        assert_eq!(Position::parse("centre"), Position::Right);
        assert_eq!(Theme::parse("dark"), Theme::Dark);
        assert_eq!(Theme::parse("\" onmouseover=\""), Theme::Light);
    }

    #[test]
    fn the_root_element_carries_one_class_per_option_and_the_accent_as_a_variable() {
        let options = Options {
            backend: "http://localhost:3000".to_owned(),
            chatbot_id: "bot_demo".to_owned(),
            theme: Theme::Dark,
            position: Position::Left,
            accent: Some("#ff8800".to_owned()),
            mode: Mode::Fullscreen,
            open: false,
            focus: false,
            language: String::new(),
            frame: false,
        };
        assert_eq!(options.root_class(), "parlor theme-dark pos-left mode-fullscreen custom-accent");
        assert_eq!(options.root_style().as_deref(), Some("--accent:#ff8800"));
        let plain = Options { accent: None, ..options };
        assert_eq!(plain.root_class(), "parlor theme-dark pos-left mode-fullscreen");
        assert_eq!(plain.root_style(), None);
    }
}
