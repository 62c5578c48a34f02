//! A small Markdown reader for the bot's answers, with no framework code so it is tested on the
//! host. It turns text into a tree of [`Block`]s and [`Inline`]s that `render.rs` builds into DOM
//! nodes; nothing here ever produces HTML, so markup in an answer can only ever become text.
//!
//! It covers what chat answers use: paragraphs and line breaks, `**bold**`, `*italic*` and
//! `_italic_`, `` `code` ``, fenced code blocks, `-`/`*`/`+` and `1.` lists, `> ` quotes,
//! `#` headings, rules, `[text](url)` links, `<url>` and bare `http(s)://` links. Links keep only
//! `http:`, `https:` and `mailto:` targets; any other link shows its text without a link. Images
//! are never loaded: they become their alt text.
//!
//! The answer is parsed again on every streamed piece, so half-written Markdown must read well:
//! an unclosed `**` stays as it is and an unclosed code fence runs to the end of the text.

/// A block of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Heading(Vec<Inline>),
    Quote(Vec<Block>),
    /// `start` is the first number of a numbered list and `None` for a bulleted one.
    List {
        start: Option<u32>,
        items: Vec<Vec<Block>>,
    },
    /// The text of a fenced code block, verbatim.
    Code(String),
    Rule,
}

/// A piece of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Code(String),
    /// `href` always starts with `http://`, `https://` or `mailto:`.
    Link {
        href: String,
        children: Vec<Inline>,
    },
    LineBreak,
}

/// How deeply quotes, lists and emphasis may nest. Deeper markers read as text, so a hostile
/// answer such as ten thousand `>` cannot exhaust the stack.
const MAX_DEPTH: usize = 12;

/// Parses an answer into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    blocks(&lines, 0)
}

/// The target of a link if the widget may open it: `http:`, `https:` or `mailto:`, with no
/// whitespace or control characters that a browser would quietly strip.
pub fn safe_href(url: &str) -> Option<&str> {
    let url = url.trim();
    let has_scheme = |scheme: &str| {
        url.len() > scheme.len() && url.as_bytes()[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
    };
    let allowed = has_scheme("http://") || has_scheme("https://") || has_scheme("mailto:");
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (allowed && clean).then_some(url)
}

/// The text of inlines without their formatting, as an image's alt text is shown.
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for inline in inlines {
        match inline {
            Inline::Text(text) | Inline::Code(text) => out.push_str(text),
            Inline::Strong(children) | Inline::Emphasis(children) | Inline::Link { children, .. } => {
                out.push_str(&plain_text(children));
            }
            Inline::LineBreak => out.push(' '),
        }
    }
    out
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The column where a line's text starts, counting a tab as four columns.
fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ' || *c == '\t').map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

/// The line without its first `columns` columns of indentation (or all of it, if less).
fn strip_columns(line: &str, columns: usize) -> &str {
    let mut column = 0;
    for (at, c) in line.char_indices() {
        if column >= columns || (c != ' ' && c != '\t') {
            return &line[at..];
        }
        column += if c == '\t' { 4 } else { 1 };
    }
    ""
}

/// The line without up to three leading spaces, or `None` when it is indented further: block
/// markers count only near the margin.
fn near_margin(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(' ');
    (line.len() - rest.len() <= 3).then_some(rest)
}

fn blocks(lines: &[&str], depth: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_blank(line) {
            i += 1;
        } else if let Some(fence) = Fence::open(line) {
            let (code, next) = fence.collect(lines, i + 1);
            out.push(Block::Code(code));
            i = next;
        } else if depth < MAX_DEPTH && quoted(line).is_some() {
            let mut inner = Vec::new();
            while let Some(rest) = lines.get(i).and_then(|line| quoted(line)) {
                inner.push(rest);
                i += 1;
            }
            out.push(Block::Quote(blocks(&inner, depth + 1)));
        } else if is_rule(line) {
            out.push(Block::Rule);
            i += 1;
        } else if let Some(text) = heading(line) {
            out.push(Block::Heading(inlines(text, depth)));
            i += 1;
        } else if let Some(marker) = ListMarker::read(line).filter(|_| depth < MAX_DEPTH) {
            let (list, next) = list(lines, i, marker, depth);
            out.push(list);
            i = next;
        } else {
            let start = i;
            i += 1;
            while i < lines.len() && !is_blank(lines[i]) && !starts_block(lines[i]) {
                i += 1;
            }
            let text: Vec<&str> = lines[start..i].iter().map(|line| line.trim()).collect();
            out.push(Block::Paragraph(inlines(&text.join("\n"), depth)));
        }
    }
    out
}

/// Whether a line ends the paragraph before it by starting a block of its own.
fn starts_block(line: &str) -> bool {
    Fence::open(line).is_some()
        || quoted(line).is_some()
        || is_rule(line)
        || heading(line).is_some()
        || ListMarker::read(line).is_some()
}

/// The rest of a `>` line, without the marker and one space.
fn quoted(line: &str) -> Option<&str> {
    let rest = near_margin(line)?.strip_prefix('>')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// `---`, `***` or `___` (spaces allowed between).
fn is_rule(line: &str) -> bool {
    let Some(rest) = near_margin(line) else { return false };
    let Some(first) = rest.chars().next().filter(|c| matches!(c, '-' | '*' | '_')) else { return false };
    let marks = rest.chars().filter(|c| *c == first).count();
    marks >= 3 && rest.chars().all(|c| c == first || c == ' ' || c == '\t')
}

/// The text of a `#` to `######` heading.
fn heading(line: &str) -> Option<&str> {
    let rest = near_margin(line)?;
    let level = rest.bytes().take_while(|b| *b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let text = &rest[level..];
    if !(text.is_empty() || text.starts_with(' ') || text.starts_with('\t')) {
        return None;
    }
    let text = text.trim();
    // A closing run of `#` is decoration, unless it is glued to the text ("C#").
    let unclosed = text.trim_end_matches('#');
    Some(if unclosed.is_empty() || unclosed.ends_with(' ') { unclosed.trim_end() } else { text })
}

/// An opening code fence: three or more backticks or tildes.
struct Fence {
    mark: u8,
    length: usize,
    indent: usize,
}

impl Fence {
    fn open(line: &str) -> Option<Fence> {
        let rest = near_margin(line)?;
        let mark = *rest.as_bytes().first().filter(|b| **b == b'`' || **b == b'~')?;
        let length = rest.bytes().take_while(|b| *b == mark).count();
        // A backtick fence's info string cannot hold a backtick, so "```a```" is inline code.
        let valid = length >= 3 && !(mark == b'`' && rest[length..].contains('`'));
        valid.then_some(Fence { mark, length, indent: line.len() - rest.len() })
    }

    fn closes(&self, line: &str) -> bool {
        let text = line.trim();
        text.len() >= self.length && text.bytes().all(|b| b == self.mark)
    }

    /// The code up to the closing fence (or the end, while the answer is still streaming) and
    /// the index of the line after it.
    fn collect(&self, lines: &[&str], from: usize) -> (String, usize) {
        let mut code: Vec<&str> = Vec::new();
        let mut i = from;
        while i < lines.len() {
            if self.closes(lines[i]) {
                return (code.join("\n"), i + 1);
            }
            code.push(strip_columns(lines[i], self.indent));
            i += 1;
        }
        (code.join("\n"), i)
    }
}

/// The start of a list item: `-`, `*`, `+`, or up to nine digits and `.` or `)`.
#[derive(Debug, Clone, Copy)]
struct ListMarker<'a> {
    /// The item's number in a numbered list.
    number: Option<u32>,
    /// The column of the marker.
    indent: usize,
    /// The column where the item's text starts; continuation lines are indented this far.
    content_column: usize,
    content: &'a str,
}

impl<'a> ListMarker<'a> {
    fn read(line: &'a str) -> Option<ListMarker<'a>> {
        if is_rule(line) {
            return None;
        }
        let indent = indent(line);
        let rest = line.trim_start_matches([' ', '\t']);
        let bytes = rest.as_bytes();
        let (number, width) = match bytes.first()? {
            b'-' | b'*' | b'+' => (None, 1),
            b'0'..=b'9' => {
                let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
                if digits > 9 || !matches!(bytes.get(digits), Some(b'.' | b')')) {
                    return None;
                }
                (Some(rest[..digits].parse().ok()?), digits + 1)
            }
            _ => return None,
        };
        let after = &rest[width..];
        let spaces = after.len() - after.trim_start_matches(' ').len();
        if !after.is_empty() && spaces == 0 {
            return None;
        }
        let content = after.trim_start();
        // Text indented five or more columns past the marker is still the item's text; the
        // continuation column stays one space past the marker, as CommonMark has it.
        let gap = if (1..=4).contains(&spaces) { spaces } else { 1 };
        Some(ListMarker { number, indent, content_column: indent + width + gap, content })
    }
}

fn list<'a>(lines: &[&'a str], from: usize, first: ListMarker<'a>, depth: usize) -> (Block, usize) {
    let ordered = first.number.is_some();
    let mut items: Vec<Vec<&'a str>> = vec![vec![first.content]];
    let mut marker = first;
    let mut i = from + 1;
    while i < lines.len() {
        let line = lines[i];
        if is_blank(line) {
            let next = (i..lines.len()).find(|j| !is_blank(lines[*j]));
            let Some(next) = next else { break };
            let continues = indent(lines[next]) >= marker.content_column
                || ListMarker::read(lines[next])
                    .is_some_and(|m| m.number.is_some() == ordered && m.indent <= marker.indent);
            if !continues {
                break;
            }
            if let Some(item) = items.last_mut() {
                item.push("");
            }
            i = next;
            continue;
        }
        let item_line = match ListMarker::read(line) {
            Some(found) if found.indent <= marker.indent => {
                if found.number.is_some() != ordered {
                    break;
                }
                items.push(vec![found.content]);
                marker = found;
                i += 1;
                continue;
            }
            // A marker indented past this item's marker starts a list inside the item.
            Some(found) => strip_columns(line, found.indent.min(marker.content_column)),
            None if indent(line) >= marker.content_column => strip_columns(line, marker.content_column),
            // A line that is not indented still continues the item's paragraph ("lazy").
            None if !starts_block(line) && items.last().and_then(|item| item.last()).is_some_and(|l| !is_blank(l)) => {
                line.trim_start()
            }
            None => break,
        };
        if let Some(item) = items.last_mut() {
            item.push(item_line);
        }
        i += 1;
    }
    let items = items.iter().map(|item| blocks(item, depth + 1)).collect();
    (Block::List { start: first.number.filter(|_| ordered), items }, i)
}

/// Collects inlines, merging neighbouring text into one text node.
#[derive(Default)]
struct Inlines {
    out: Vec<Inline>,
    text: String,
}

impl Inlines {
    fn push(&mut self, inline: Inline) {
        self.flush();
        self.out.push(inline);
    }

    fn extend(&mut self, inlines: Vec<Inline>) {
        for inline in inlines {
            match inline {
                Inline::Text(text) => self.text.push_str(&text),
                other => self.push(other),
            }
        }
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.out.push(Inline::Text(std::mem::take(&mut self.text)));
        }
    }

    fn finish(mut self) -> Vec<Inline> {
        self.flush();
        self.out
    }
}

fn inlines(text: &str, depth: usize) -> Vec<Inline> {
    parse_inlines(text, depth, true)
}

/// Parses inline Markdown. `links` is false inside a link's text, where links cannot nest.
/// Every delimiter is ASCII, so byte positions found by matching them are character boundaries.
fn parse_inlines(s: &str, depth: usize, links: bool) -> Vec<Inline> {
    let b = s.as_bytes();
    let mut acc = Inlines::default();
    let mut closers = Closers::default();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                acc.text.push(char::from(b[i + 1]));
                i += 2;
            }
            b'\n' => {
                acc.push(Inline::LineBreak);
                i += 1;
            }
            b'`' => {
                let n = run(b, i);
                match find_backticks(b, i + n, n) {
                    Some(close) => {
                        acc.push(Inline::Code(code_text(&s[i + n..close])));
                        i = close + n;
                    }
                    None => {
                        acc.text.push_str(&s[i..i + n]);
                        i += n;
                    }
                }
            }
            // An image is never loaded: the visitor sees its alt text.
            b'!' if b.get(i + 1) == Some(&b'[') => match link_at(s, i + 1) {
                Some(image) => {
                    acc.text.push_str(&plain_text(&parse_inlines(image.label, depth + 1, false)));
                    i = image.end;
                }
                None => {
                    acc.text.push('!');
                    i += 1;
                }
            },
            b'[' if links => match link_at(s, i) {
                Some(link) => {
                    let children = if depth < MAX_DEPTH {
                        parse_inlines(link.label, depth + 1, false)
                    } else {
                        vec![Inline::Text(link.label.to_owned())]
                    };
                    match safe_href(link.destination) {
                        Some(href) => acc.push(Inline::Link { href: href.to_owned(), children }),
                        None => acc.extend(children),
                    }
                    i = link.end;
                }
                None => {
                    acc.text.push('[');
                    i += 1;
                }
            },
            b'<' if links => match angle_link(s, i) {
                Some((href, end)) => {
                    acc.push(Inline::Link { href: href.to_owned(), children: vec![Inline::Text(href.to_owned())] });
                    i = end;
                }
                None => {
                    acc.text.push('<');
                    i += 1;
                }
            },
            b'h' | b'H' if links && bare_link_may_start(s, i) => match bare_link(s, i) {
                Some(url) => {
                    acc.push(Inline::Link { href: url.to_owned(), children: vec![Inline::Text(url.to_owned())] });
                    i += url.len();
                }
                None => {
                    acc.text.push(char::from(b[i]));
                    i += 1;
                }
            },
            mark @ (b'*' | b'_') => {
                let n = run(b, i);
                let opens = depth < MAX_DEPTH && can_open(s, i, n, mark);
                // A run of three tries `***strong emphasis***` first; a single mark only `*x*`.
                let matched = [3, 2, 1]
                    .into_iter()
                    .filter(|width| opens && n >= *width && (*width > 1 || n == 1))
                    .find_map(|width| closers.find(b, i + width, mark, width).map(|close| (width, close)));
                match matched {
                    Some((width, close)) => {
                        let inner = parse_inlines(&s[i + width..close], depth + 1, links);
                        acc.push(match width {
                            3 => Inline::Strong(vec![Inline::Emphasis(inner)]),
                            2 => Inline::Strong(inner),
                            _ => Inline::Emphasis(inner),
                        });
                        i = close + width;
                    }
                    // A run that did not match as a whole gives up one character, so "**a*"
                    // still finds its "*a*".
                    None if opens && n > 1 => {
                        acc.text.push(char::from(mark));
                        i += 1;
                    }
                    None => {
                        acc.text.push_str(&s[i..i + n]);
                        i += n;
                    }
                }
            }
            _ => {
                let c = s[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
                acc.text.push(c);
                i += c.len_utf8().max(1);
            }
        }
    }
    acc.finish()
}

/// The length of the run of the byte at `at`.
fn run(b: &[u8], at: usize) -> usize {
    b[at..].iter().take_while(|c| **c == b[at]).count()
}

fn char_before(s: &str, at: usize) -> Option<char> {
    s[..at].chars().next_back()
}

fn char_after(s: &str, at: usize) -> Option<char> {
    s.get(at..)?.chars().next()
}

/// Whether a run of `*` or `_` can open emphasis: text follows it at once, and an underscore
/// does not sit inside a word (`snake_case`).
fn can_open(s: &str, at: usize, n: usize, mark: u8) -> bool {
    let next_is_text = char_after(s, at + n).is_some_and(|c| !c.is_whitespace());
    let inside_word = mark == b'_' && char_before(s, at).is_some_and(char::is_alphanumeric);
    next_is_text && !inside_word
}

/// Finds closing delimiters for one run of inline text.
///
/// It remembers, per mark and width, the earliest position from which a search failed: a later
/// search starting further on would scan a part of the same text and fail too. That keeps text
/// full of openers that never close ("*a *a *a …") linear instead of quadratic, which matters
/// because a streaming answer is parsed again on every piece. (A later search that starts
/// inside a code span could in theory pair runs differently; the worst outcome is a `*` shown
/// as itself.)
struct Closers {
    failed_from: [usize; 6],
}

impl Default for Closers {
    fn default() -> Self {
        Closers { failed_from: [usize::MAX; 6] }
    }
}

impl Closers {
    fn find(&mut self, b: &[u8], from: usize, mark: u8, width: usize) -> Option<usize> {
        let slot = usize::from(mark == b'_') * 3 + width - 1;
        if from >= self.failed_from[slot] {
            return None;
        }
        let found = find_closer(b, from, mark, width);
        if found.is_none() {
            self.failed_from[slot] = from;
        }
        found
    }
}

/// The position of the closing delimiter of `width` marks for an opener whose text starts at
/// `from`. Runs that cannot close this one (a `**` inside `*...*`) are stepped over, and code
/// spans and escapes are skipped.
fn find_closer(b: &[u8], from: usize, mark: u8, width: usize) -> Option<usize> {
    let mut j = from;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'`' => {
                let n = run(b, j);
                j = find_backticks(b, j + n, n).map_or(j + n, |close| close + n);
            }
            c if c == mark => {
                let n = run(b, j);
                let after = j + n;
                let closes_text = j > from && !b[j - 1].is_ascii_whitespace();
                let inside_word = mark == b'_' && b.get(after).is_some_and(|c| c.is_ascii_alphanumeric());
                let fits = match width {
                    1 => n % 2 == 1,
                    _ => n >= width,
                };
                if closes_text && !inside_word && fits {
                    return Some(after - width);
                }
                j = after;
            }
            _ => j += 1,
        }
    }
    None
}

/// The start of the next run of exactly `n` backticks at or after `from`.
fn find_backticks(b: &[u8], from: usize, n: usize) -> Option<usize> {
    let mut j = from;
    while j < b.len() {
        if b[j] == b'`' {
            let length = run(b, j);
            if length == n {
                return Some(j);
            }
            j += length;
        } else {
            j += 1;
        }
    }
    None
}

/// A code span's text: line ends become spaces, and one space padding both ends is dropped so
/// that `` ` `` `` can show a backtick.
fn code_text(raw: &str) -> String {
    let text = raw.replace('\n', " ");
    let padded = text.len() >= 2 && text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty();
    if padded { text[1..text.len() - 1].to_owned() } else { text }
}

/// `[label](destination "title")`, found at the `[`.
struct LinkParts<'a> {
    label: &'a str,
    destination: &'a str,
    /// The position after the closing `)`.
    end: usize,
}

const MAX_BRACKETS: usize = 32;

fn link_at(s: &str, open: usize) -> Option<LinkParts<'_>> {
    let b = s.as_bytes();
    let mut j = open + 1;
    let mut nesting = 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            // Brackets nested this deep are not a link; giving up early keeps a text of many
            // `[` from being scanned to its end once per bracket.
            b'[' if nesting == MAX_BRACKETS => return None,
            b'[' => nesting += 1,
            b']' => {
                nesting -= 1;
                if nesting == 0 {
                    break;
                }
            }
            _ => {}
        }
        j += 1;
    }
    if j >= b.len() || b.get(j + 1) != Some(&b'(') {
        return None;
    }
    let label = &s[open + 1..j];
    let mut k = j + 2;
    let skip_spaces = |k: &mut usize| {
        while b.get(*k).is_some_and(|c| *c == b' ' || *c == b'\t' || *c == b'\n') {
            *k += 1;
        }
    };
    skip_spaces(&mut k);
    let destination = if b.get(k) == Some(&b'<') {
        let close = k + 1 + s.get(k + 1..)?.find(['>', '\n'])?;
        if b[close] != b'>' {
            return None;
        }
        let destination = &s[k + 1..close];
        k = close + 1;
        destination
    } else {
        let start = k;
        let mut parens = 0usize;
        while let Some(&c) = b.get(k) {
            match c {
                b'\\' => k += 1,
                b'(' => parens += 1,
                b')' if parens == 0 => break,
                b')' => parens -= 1,
                c if c.is_ascii_whitespace() || c.is_ascii_control() => break,
                _ => {}
            }
            k += 1;
        }
        if k >= b.len() {
            return None;
        }
        &s[start..k]
    };
    skip_spaces(&mut k);
    if let Some(&quote @ (b'"' | b'\'')) = b.get(k) {
        k += 1 + s.get(k + 1..)?.find(char::from(quote))? + 1;
        skip_spaces(&mut k);
    }
    (b.get(k) == Some(&b')')).then_some(LinkParts { label, destination, end: k + 1 })
}

/// `<https://…>`: the link and the position after `>`.
fn angle_link(s: &str, open: usize) -> Option<(&str, usize)> {
    let rest = s.get(open + 1..)?;
    let close = rest.find(['>', '<', ' ', '\n'])?;
    if rest.as_bytes()[close] != b'>' {
        return None;
    }
    Some((safe_href(&rest[..close])?, open + 1 + close + 1))
}

fn bare_link_may_start(s: &str, at: usize) -> bool {
    !char_before(s, at).is_some_and(|c| c.is_alphanumeric() || matches!(c, '/' | '@' | '.' | '-'))
}

/// A bare `http://` or `https://` address, without the punctuation that ends a sentence around
/// it or a closing bracket it does not open.
fn bare_link(s: &str, at: usize) -> Option<&str> {
    let rest = &s[at..];
    let scheme = ["https://", "http://"].into_iter().find(|scheme| {
        rest.len() > scheme.len() && rest.as_bytes()[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
    })?;
    let end =
        rest.find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"' || c == '`').unwrap_or(rest.len());
    let mut url = &rest[..end];
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ':', ';', '!', '?', '\'', '*', '_']);
        let unbalanced = trimmed.ends_with(')') && trimmed.matches(')').count() > trimmed.matches('(').count();
        let trimmed = if unbalanced { &trimmed[..trimmed.len() - 1] } else { trimmed };
        if trimmed.len() == url.len() {
            break;
        }
        url = trimmed;
    }
    (url.len() > scheme.len()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    fn para(inlines: Vec<Inline>) -> Block {
        Block::Paragraph(inlines)
    }

    fn link(href: &str, children: Vec<Inline>) -> Inline {
        Inline::Link { href: href.to_owned(), children }
    }

    #[test]
    fn plain_text_is_one_paragraph_of_text() {
        assert_eq!(parse("Hello there."), vec![para(vec![text("Hello there.")])]);
    }

    #[test]
    fn blank_lines_separate_paragraphs_and_single_newlines_break_lines() {
        assert_eq!(
            parse("One\ntwo\n\n\nThree"),
            vec![para(vec![text("One"), Inline::LineBreak, text("two")]), para(vec![text("Three")])]
        );
    }

    #[test]
    fn bold_italic_and_code_are_recognised() {
        assert_eq!(
            parse("**bold**, *it*, _also_ and `x < y`"),
            vec![para(vec![
                Inline::Strong(vec![text("bold")]),
                text(", "),
                Inline::Emphasis(vec![text("it")]),
                text(", "),
                Inline::Emphasis(vec![text("also")]),
                text(" and "),
                Inline::Code("x < y".to_owned()),
            ])]
        );
    }

    #[test]
    fn emphasis_nests_inside_bold_and_the_other_way_round() {
        assert_eq!(
            parse("*a **b** c*"),
            vec![para(vec![Inline::Emphasis(vec![text("a "), Inline::Strong(vec![text("b")]), text(" c")])])]
        );
        assert_eq!(parse("***both***"), vec![para(vec![Inline::Strong(vec![Inline::Emphasis(vec![text("both")])])])]);
        assert_eq!(
            parse("**a *b***"),
            vec![para(vec![Inline::Strong(vec![text("a "), Inline::Emphasis(vec![text("b")])])])]
        );
    }

    #[test]
    fn underscores_inside_words_and_lone_stars_stay_text() {
        assert_eq!(parse("snake_case_name"), vec![para(vec![text("snake_case_name")])]);
        assert_eq!(parse("2 * 3 * 4"), vec![para(vec![text("2 * 3 * 4")])]);
        assert_eq!(parse("**not closed"), vec![para(vec![text("**not closed")])]);
        assert_eq!(parse("**a*"), vec![para(vec![text("*"), Inline::Emphasis(vec![text("a")])])]);
    }

    #[test]
    fn backslash_escapes_show_the_character_itself() {
        assert_eq!(parse(r"\*not italic\* and \[x\](y)"), vec![para(vec![text("*not italic* and [x](y)")])]);
    }

    #[test]
    fn raw_html_stays_text() {
        let answer = "<script>alert(1)</script> <img src=x onerror=alert(1)> &amp;";
        assert_eq!(parse(answer), vec![para(vec![text(answer)])]);
    }

    #[test]
    fn code_spans_keep_markdown_and_html_as_text() {
        assert_eq!(
            parse("`**no** <b>`, `` a ` b ``"),
            vec![para(vec![Inline::Code("**no** <b>".to_owned()), text(", "), Inline::Code("a ` b".to_owned()),])]
        );
        assert_eq!(parse("`unclosed"), vec![para(vec![text("`unclosed")])]);
    }

    #[test]
    fn links_to_http_https_and_mailto_are_kept() {
        assert_eq!(
            parse("[Shop](https://shop.example.com/a_(b)) or [mail](mailto:hi@example.com \"Mail us\")"),
            vec![para(vec![
                link("https://shop.example.com/a_(b)", vec![text("Shop")]),
                text(" or "),
                link("mailto:hi@example.com", vec![text("mail")]),
            ])]
        );
        assert_eq!(
            parse("[**bold** link](HTTP://EXAMPLE.COM)"),
            vec![para(vec![link("HTTP://EXAMPLE.COM", vec![Inline::Strong(vec![text("bold")]), text(" link")])])]
        );
    }

    #[test]
    fn links_to_other_schemes_show_only_their_text() {
        for target in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "/relative/path",
            "//evil.example.com",
            "file:///etc/passwd",
            "http:",
        ] {
            assert_eq!(parse(&format!("[click]({target})")), vec![para(vec![text("click")])], "{target}");
        }
    }

    #[test]
    fn hrefs_with_whitespace_or_control_characters_are_refused() {
        assert_eq!(safe_href("https://example.com"), Some("https://example.com"));
        assert_eq!(safe_href("  mailto:a@b.c "), Some("mailto:a@b.c"));
        assert_eq!(safe_href("java\tscript:alert(1)"), None);
        assert_eq!(safe_href("https://exa\nmple.com"), None);
        assert_eq!(safe_href("\u{0}javascript:alert(1)"), None);
    }

    #[test]
    fn links_do_not_nest() {
        assert_eq!(
            parse("[a [b](https://b.example) c](https://a.example)"),
            vec![para(vec![link("https://a.example", vec![text("a [b](https://b.example) c")])])]
        );
    }

    #[test]
    fn images_are_never_loaded_and_show_their_alt_text() {
        assert_eq!(
            parse("See ![a *cat* photo](https://tracker.example/pixel.gif) here"),
            vec![para(vec![text("See a cat photo here")])]
        );
        assert_eq!(
            parse("[![logo](https://x.example/l.png)](https://x.example)"),
            vec![para(vec![link("https://x.example", vec![text("logo")])])]
        );
    }

    #[test]
    fn bare_and_angle_bracket_addresses_become_links() {
        assert_eq!(
            parse("Visit https://example.com/a?b=1. Or <http://example.org> (see https://x.example/y)."),
            vec![para(vec![
                text("Visit "),
                link("https://example.com/a?b=1", vec![text("https://example.com/a?b=1")]),
                text(". Or "),
                link("http://example.org", vec![text("http://example.org")]),
                text(" (see "),
                link("https://x.example/y", vec![text("https://x.example/y")]),
                text(")."),
            ])]
        );
        assert_eq!(parse("<javascript:alert(1)>"), vec![para(vec![text("<javascript:alert(1)>")])]);
        assert_eq!(parse("xhttps://a.example"), vec![para(vec![text("xhttps://a.example")])]);
    }

    #[test]
    fn fenced_code_keeps_its_text_verbatim() {
        assert_eq!(
            parse("Run:\n\n```sh\n  echo **hi** <b>\n\n```\nDone"),
            vec![para(vec![text("Run:")]), Block::Code("  echo **hi** <b>\n".to_owned()), para(vec![text("Done")]),]
        );
        assert_eq!(parse("~~~~\n```\n~~~~"), vec![Block::Code("```".to_owned())]);
    }

    #[test]
    fn an_unclosed_fence_runs_to_the_end_while_the_answer_streams() {
        assert_eq!(parse("```\nfn main() {\n"), vec![Block::Code("fn main() {".to_owned())]);
    }

    #[test]
    fn bulleted_and_numbered_lists_are_recognised() {
        assert_eq!(
            parse("Steps:\n1. Grind\n2. **Brew**\n\n- one\n* two\n+ three"),
            vec![
                para(vec![text("Steps:")]),
                Block::List {
                    start: Some(1),
                    items: vec![vec![para(vec![text("Grind")])], vec![para(vec![Inline::Strong(vec![text("Brew")])])]],
                },
                Block::List {
                    start: None,
                    items: vec![
                        vec![para(vec![text("one")])],
                        vec![para(vec![text("two")])],
                        vec![para(vec![text("three")])],
                    ],
                },
            ]
        );
        assert_eq!(
            parse("3) three\n4) four"),
            vec![Block::List {
                start: Some(3),
                items: vec![vec![para(vec![text("three")])], vec![para(vec![text("four")])]],
            }]
        );
    }

    #[test]
    fn indented_lines_nest_lists_and_continue_items() {
        assert_eq!(
            parse("- a\n  - b\n  more b\n\n  second paragraph of a\n- c\nlazy c"),
            vec![Block::List {
                start: None,
                items: vec![
                    vec![
                        para(vec![text("a")]),
                        Block::List {
                            start: None,
                            items: vec![vec![para(vec![text("b"), Inline::LineBreak, text("more b")])]],
                        },
                        para(vec![text("second paragraph of a")]),
                    ],
                    vec![para(vec![text("c"), Inline::LineBreak, text("lazy c")])],
                ],
            }]
        );
        assert_eq!(
            parse("1. a\n  - b"),
            vec![Block::List {
                start: Some(1),
                items: vec![vec![
                    para(vec![text("a")]),
                    Block::List { start: None, items: vec![vec![para(vec![text("b")])]] },
                ]],
            }]
        );
    }

    #[test]
    fn a_list_ends_at_a_blank_line_followed_by_unindented_text() {
        assert_eq!(
            parse("- a\n\nAfter"),
            vec![Block::List { start: None, items: vec![vec![para(vec![text("a")])]] }, para(vec![text("After")])]
        );
    }

    #[test]
    fn quotes_hold_blocks_and_nest() {
        assert_eq!(
            parse(
                "Here is what I found in “How we roast”:\n\n> We roast on Tuesdays.\n> Beans rest.\n>\n> > inner\n> - item"
            ),
            vec![
                para(vec![text("Here is what I found in “How we roast”:")]),
                Block::Quote(vec![
                    para(vec![text("We roast on Tuesdays."), Inline::LineBreak, text("Beans rest.")]),
                    Block::Quote(vec![para(vec![text("inner")])]),
                    Block::List { start: None, items: vec![vec![para(vec![text("item")])]] },
                ]),
            ]
        );
    }

    #[test]
    fn headings_and_rules_are_recognised() {
        assert_eq!(
            parse("## Opening hours ##\ntext\n\n---\n#hashtag\n# C#"),
            vec![
                Block::Heading(vec![text("Opening hours")]),
                para(vec![text("text")]),
                Block::Rule,
                para(vec![text("#hashtag")]),
                Block::Heading(vec![text("C#")]),
            ]
        );
    }

    #[test]
    fn crlf_line_ends_read_like_lf() {
        assert_eq!(parse("a\r\nb"), parse("a\nb"));
    }

    #[test]
    fn deep_nesting_is_bounded_instead_of_overflowing_the_stack() {
        for hostile in [
            ">".repeat(100_000),
            "1. ".repeat(50_000),
            "*a".repeat(20_000),
            "*a ".repeat(20_000),
            "[".repeat(20_000),
            "[a".repeat(20_000),
        ] {
            let blocks = parse(&hostile);
            assert!(!blocks.is_empty());
        }
        let quotes = parse(&format!("{} deep", ">".repeat(1_000)));
        let mut depth = 0;
        let mut current = &quotes;
        while let [Block::Quote(inner)] = current.as_slice() {
            depth += 1;
            current = inner;
        }
        assert_eq!(depth, MAX_DEPTH);
    }

    #[test]
    fn multibyte_text_next_to_delimiters_never_splits_a_character() {
        assert_eq!(parse("**é**"), vec![para(vec![Inline::Strong(vec![text("é")])])]);
        assert_eq!(parse(r"\é"), vec![para(vec![text(r"\é")])]);
        assert_eq!(parse("[é](https://é.example)"), vec![para(vec![link("https://é.example", vec![text("é")])])]);
        assert_eq!(parse("[x](é\\é"), vec![para(vec![text("[x](é\\é")])]);
    }

    /// Parses many random mixtures of Markdown punctuation and multibyte text: the parser must
    /// never panic, and a link in the tree must always have an allowed target.
    #[test]
    fn random_markdown_never_panics_and_never_yields_an_unsafe_link() {
        const PIECES: &[&str] = &[
            "*",
            "**",
            "_",
            "`",
            "```",
            "[",
            "]",
            "(",
            ")",
            "!",
            "<",
            ">",
            "\\",
            "\n",
            "\n\n",
            " ",
            "- ",
            "1. ",
            "> ",
            "#",
            "é",
            "日本",
            "a",
            "word",
            "http://x.y",
            "javascript:",
            "mailto:a@b",
            "\t",
            "~~~",
        ];
        fn check(blocks: &[Block]) {
            for block in blocks {
                match block {
                    Block::Paragraph(inlines) | Block::Heading(inlines) => check_inlines(inlines),
                    Block::Quote(inner) => check(inner),
                    Block::List { items, .. } => items.iter().for_each(|item| check(item)),
                    Block::Code(_) | Block::Rule => {}
                }
            }
        }
        fn check_inlines(inlines: &[Inline]) {
            for inline in inlines {
                match inline {
                    Inline::Link { href, children } => {
                        assert_eq!(safe_href(href), Some(href.as_str()));
                        check_inlines(children);
                    }
                    Inline::Strong(children) | Inline::Emphasis(children) => check_inlines(children),
                    Inline::Text(_) | Inline::Code(_) | Inline::LineBreak => {}
                }
            }
        }
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3_000 {
            let mut input = String::new();
            for _ in 0..40 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            check(&parse(&input));
        }
    }
}
