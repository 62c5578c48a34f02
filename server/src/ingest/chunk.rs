//! Structure-aware chunking of a [`Document`], sized in estimated tokens.
//!
//! - A heading ends the chunk before it and starts the next; headings feed `section_path`
//!   (a heading pops every open heading of its level or deeper). Consecutive headings with no
//!   text between them share one chunk.
//! - Paragraphs are cut only between sentences, and a sentence is cut between words only when it
//!   alone is longer than a chunk. A paragraph that fits a fresh chunk but not the rest of the
//!   current one moves whole to the next chunk when the current one is at least half full.
//! - A run of list items or table rows stays in one chunk when it fits in one; otherwise each
//!   item stays whole where it fits.
//! - A new page (PDF) starts a new chunk, so a chunk's page is right for citations.
//! - The next chunk of the same section and page starts with up to `overlap_tokens` from the end
//!   of the previous one (whole sentences where they fit).
//!
//! No chunk exceeds `target_tokens`.

use super::{Block, BlockKind, Chunk, ChunkSettings, Document, collapse_whitespace};

/// An estimate of the tokens a model's tokenizer (byte-pair encodings such as OpenAI's) makes of
/// `text`, without shipping a tokenizer's vocabulary.
///
/// Each whitespace-separated word counts on its own, at least one token: ASCII letters count a
/// sixth of a token each (common English words are one token, long ones two or three), other
/// narrow characters (digits, punctuation, symbols, accented letters) half a token, and each CJK,
/// kana or Hangul character a whole token, as such tokenizers split them. It errs on the high side
/// for code and numbers, which is the safe side for a context budget. Because words count
/// separately, the estimate of joined texts is the sum of their estimates.
pub fn estimate_tokens(text: &str) -> usize {
    text.split_whitespace().map(word_tokens).sum()
}

fn word_tokens(word: &str) -> usize {
    let (mut sixths, mut wide) = (0usize, 0usize);
    for c in word.chars() {
        if is_wide(c) {
            wide += 1;
        } else if c.is_ascii_alphabetic() {
            sixths += 1;
        } else {
            sixths += 3;
        }
    }
    (sixths.div_ceil(6) + wide).max(1)
}

fn is_wide(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Splits a document into chunks along its structure (see the module's documentation).
pub fn chunk(doc: &Document, settings: &ChunkSettings) -> Vec<Chunk> {
    let target = settings.target_tokens.max(1);
    let mut packer = Packer {
        target,
        overlap: settings.overlap_tokens.min(target / 2),
        chunks: Vec::new(),
        levels: Vec::new(),
        path: Vec::new(),
        pieces: Vec::new(),
        tokens: 0,
        fresh: 0,
        has_body: false,
        page: None,
        chunk_path: Vec::new(),
    };
    let blocks = &doc.blocks;
    let mut i = 0;
    while i < blocks.len() {
        let block = &blocks[i];
        match block.kind {
            BlockKind::Heading(level) => packer.heading(level, &block.text, block.page),
            BlockKind::Paragraph => {
                let pieces = prose_pieces(&block.text, target, Sep::Para);
                packer.place(pieces, block.page, false);
            }
            BlockKind::Code => packer.place(code_pieces(&block.text, target), block.page, false),
            BlockKind::ListItem | BlockKind::TableRow => {
                let end = blocks[i..]
                    .iter()
                    .position(|b| b.kind != block.kind || b.page != block.page)
                    .map_or(blocks.len(), |n| i + n);
                packer.group(&blocks[i..end]);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    packer.emit();
    packer.chunks
}

/// What joins a piece to the one before it in a chunk's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// The next sentence or words of the same paragraph.
    Space,
    /// The next list item, table row or code line.
    Line,
    /// The next block.
    Para,
}

/// The smallest unit placed in a chunk: a sentence, an item, a code line, or words of one.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    tokens: usize,
    sep: Sep,
}

impl Piece {
    fn new(text: String, sep: Sep) -> Piece {
        Piece { tokens: estimate_tokens(&text), text, sep }
    }
}

struct Packer {
    target: usize,
    overlap: usize,
    chunks: Vec<Chunk>,
    /// The open headings' levels and texts.
    levels: Vec<u8>,
    path: Vec<String>,
    /// The chunk being filled: its pieces and their tokens, the tokens that are not overlap,
    /// whether any body text (not a heading) is new in it, its page and its section path.
    pieces: Vec<Piece>,
    tokens: usize,
    fresh: usize,
    has_body: bool,
    page: Option<u32>,
    chunk_path: Vec<String>,
}

impl Packer {
    fn heading(&mut self, level: u8, text: &str, page: Option<u32>) {
        let text = collapse_whitespace(text);
        if text.is_empty() {
            return;
        }
        if self.has_body || self.fresh == 0 || page != self.page {
            self.emit();
        }
        while self.levels.last().is_some_and(|open| *open >= level) {
            self.levels.pop();
            self.path.pop();
        }
        self.levels.push(level);
        self.path.push(text.clone());
        for piece in prose_pieces(&text, self.target, Sep::Para) {
            if piece.tokens > self.room() {
                self.emit();
            }
            self.append(piece, page);
        }
        // Until body text arrives, the chunk belongs to the innermost heading.
        self.chunk_path = self.path.clone();
    }

    /// Places a unit of pieces: whole when it fits (moving it to a fresh chunk when `atomic`, or
    /// when the current chunk is at least half full), else piece by piece.
    fn place(&mut self, pieces: Vec<Piece>, page: Option<u32>, atomic: bool) {
        if pieces.is_empty() {
            return;
        }
        if !self.pieces.is_empty() && page != self.page {
            self.emit();
        }
        let total: usize = pieces.iter().map(|p| p.tokens).sum();
        if total > self.room() && total <= self.target && (atomic || self.tokens * 2 >= self.target) {
            self.break_chunk(self.target - total);
        }
        for piece in pieces {
            if piece.tokens > self.room() {
                self.break_chunk(self.target - piece.tokens);
            }
            self.has_body = true;
            self.append(piece, page);
        }
    }

    /// A run of list items or table rows: together when they fit one chunk, else item by item.
    fn group(&mut self, blocks: &[Block]) {
        let items: Vec<Vec<Piece>> = blocks
            .iter()
            .enumerate()
            .map(|(n, block)| prose_pieces(&block.text, self.target, if n == 0 { Sep::Para } else { Sep::Line }))
            .collect();
        let total: usize = items.iter().flatten().map(|p| p.tokens).sum();
        let page = blocks.first().and_then(|b| b.page);
        if total <= self.target {
            self.place(items.into_iter().flatten().collect(), page, true);
        } else {
            for item in items {
                self.place(item, page, true);
            }
        }
    }

    fn room(&self) -> usize {
        self.target - self.tokens
    }

    fn append(&mut self, piece: Piece, page: Option<u32>) {
        if self.pieces.is_empty() {
            self.page = page;
            self.chunk_path = self.path.clone();
        }
        self.tokens += piece.tokens;
        self.fresh += piece.tokens;
        self.pieces.push(piece);
    }

    /// Ends the chunk and starts the next with up to `room` tokens of overlap from its end.
    fn break_chunk(&mut self, room: usize) {
        let tail = self.tail(self.overlap.min(room));
        self.emit();
        for piece in tail {
            self.tokens += piece.tokens;
            self.pieces.push(piece);
        }
    }

    /// The last pieces within `budget` tokens, or if the last piece alone is longer, its last
    /// words within it.
    fn tail(&self, budget: usize) -> Vec<Piece> {
        let mut tail = Vec::new();
        let mut used = 0;
        for piece in self.pieces.iter().rev() {
            if used + piece.tokens > budget {
                break;
            }
            used += piece.tokens;
            tail.push(piece.clone());
        }
        if tail.is_empty()
            && budget > 0
            && let Some(last) = self.pieces.last()
        {
            let mut words = Vec::new();
            for word in last.text.split_whitespace().rev() {
                let tokens = word_tokens(word);
                if used + tokens > budget {
                    break;
                }
                used += tokens;
                words.push(word);
            }
            words.reverse();
            if !words.is_empty() {
                tail.push(Piece::new(words.join(" "), last.sep));
            }
        }
        tail.reverse();
        tail
    }

    /// Emits the chunk being filled if it holds anything new (a chunk of only overlap is
    /// dropped), and starts an empty one.
    fn emit(&mut self) {
        if self.fresh > 0 {
            let mut text = String::new();
            for (n, piece) in self.pieces.iter().enumerate() {
                if n > 0 {
                    text.push_str(match piece.sep {
                        Sep::Space => " ",
                        Sep::Line => "\n",
                        Sep::Para => "\n\n",
                    });
                }
                text.push_str(&piece.text);
            }
            self.chunks.push(Chunk {
                token_count: self.tokens,
                text,
                section_path: std::mem::take(&mut self.chunk_path),
                page: self.page,
            });
        }
        self.pieces.clear();
        self.tokens = 0;
        self.fresh = 0;
        self.has_body = false;
    }
}

/// Prose as pieces of at most `target` tokens: its sentences, and a longer sentence as runs of
/// words. The first piece is joined by `first`, the rest by spaces.
fn prose_pieces(text: &str, target: usize, first: Sep) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for sentence in sentences(text) {
        split_to_fit(&sentence, target, &mut pieces);
    }
    if let Some(piece) = pieces.first_mut() {
        piece.sep = first;
    }
    pieces
}

/// Code as its lines (indentation kept); a line longer than `target` tokens is cut into words.
fn code_pieces(text: &str, target: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for line in text.lines().map(str::trim_end).filter(|line| !line.trim().is_empty()) {
        let start = pieces.len();
        if estimate_tokens(line) <= target {
            pieces.push(Piece::new(line.to_owned(), Sep::Line));
        } else {
            split_to_fit(line, target, &mut pieces);
        }
        if let Some(piece) = pieces.get_mut(start) {
            piece.sep = Sep::Line;
        }
    }
    if let Some(piece) = pieces.first_mut() {
        piece.sep = Sep::Para;
    }
    pieces
}

/// Pushes `text` as one piece when it fits `target`, else as runs of words that do (a word
/// longer than `target` is cut between characters, the only way to keep the bound).
fn split_to_fit(text: &str, target: usize, pieces: &mut Vec<Piece>) {
    let mut run = String::new();
    let mut run_tokens = 0;
    let push_run = |run: &mut String, run_tokens: &mut usize, pieces: &mut Vec<Piece>| {
        if !run.is_empty() {
            pieces.push(Piece { text: std::mem::take(run), tokens: *run_tokens, sep: Sep::Space });
            *run_tokens = 0;
        }
    };
    for word in text.split_whitespace() {
        let tokens = word_tokens(word);
        if tokens > target {
            push_run(&mut run, &mut run_tokens, pieces);
            let mut slice = String::new();
            for c in word.chars() {
                slice.push(c);
                if word_tokens(&slice) > target {
                    slice.pop();
                    pieces.push(Piece::new(std::mem::take(&mut slice), Sep::Space));
                    slice.push(c);
                }
            }
            if !slice.is_empty() {
                pieces.push(Piece::new(slice, Sep::Space));
            }
            continue;
        }
        if run_tokens + tokens > target {
            push_run(&mut run, &mut run_tokens, pieces);
        }
        if !run.is_empty() {
            run.push(' ');
        }
        run.push_str(word);
        run_tokens += tokens;
    }
    push_run(&mut run, &mut run_tokens, pieces);
}

/// Splits prose into sentences: after `.`, `!`, `?` or `…` (and closing quotes or brackets)
/// when the next word does not start in lower case, so `e.g. this` and `v1.2` stay whole. A lone
/// initial (`J. Smith`) does not end a sentence.
fn sentences(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (n, word) in words.iter().enumerate() {
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        let next_starts = words.get(n + 1).is_none_or(|next| next.chars().next().is_some_and(|c| !c.is_lowercase()));
        if ends_sentence(word) && next_starts {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn ends_sentence(word: &str) -> bool {
    let bare = word.trim_end_matches(['"', '\'', ')', ']', '»', '\u{201D}', '\u{2019}']);
    let Some(stem) = bare.strip_suffix(['.', '!', '?', '…', '。', '！', '？']) else { return false };
    let mut letters = stem.chars();
    let lone_initial = matches!((letters.next(), letters.next()), (Some(c), None) if c.is_uppercase());
    !lone_initial
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ingest::Block;

    fn block(kind: BlockKind, text: &str) -> Block {
        Block { kind, text: text.to_owned(), page: None }
    }

    fn settings(target: usize, overlap: usize) -> ChunkSettings {
        ChunkSettings { target_tokens: target, overlap_tokens: overlap }
    }

    #[test]
    fn tokens_are_estimated_per_word() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("the cat sat"), 3);
        assert_eq!(estimate_tokens("internationalization"), 4);
        assert_eq!(estimate_tokens("2024-05-01"), 5);
        assert_eq!(estimate_tokens("東京都"), 3);
        assert_eq!(estimate_tokens("a b"), estimate_tokens("a") + estimate_tokens("b"));
    }

    #[test]
    fn sentences_end_at_stops_followed_by_a_capital() {
        assert_eq!(sentences("One. Two! Three? four"), ["One.", "Two!", "Three? four"]);
        assert_eq!(
            sentences("Use e.g. this, v1.2 works. J. Smith said \"Yes.\" Done"),
            ["Use e.g. this, v1.2 works.", "J. Smith said \"Yes.\"", "Done"]
        );
    }

    #[test]
    fn headings_start_chunks_and_build_the_section_path() {
        let doc = Document {
            blocks: vec![
                block(BlockKind::Paragraph, "Preface text."),
                block(BlockKind::Heading(1), "Guide"),
                block(BlockKind::Heading(2), "Install"),
                block(BlockKind::Paragraph, "Run the installer."),
                block(BlockKind::Heading(2), "Use"),
                block(BlockKind::Paragraph, "Open the app."),
                block(BlockKind::Heading(1), "Appendix"),
                block(BlockKind::Paragraph, "More."),
            ],
            ..Document::default()
        };
        let chunks = chunk(&doc, &ChunkSettings::default());
        let summary: Vec<(Vec<&str>, &str)> =
            chunks.iter().map(|c| (c.section_path.iter().map(String::as_str).collect(), c.text.as_str())).collect();
        assert_eq!(
            summary,
            [
                (vec![], "Preface text."),
                (vec!["Guide", "Install"], "Guide\n\nInstall\n\nRun the installer."),
                (vec!["Guide", "Use"], "Use\n\nOpen the app."),
                (vec!["Appendix"], "Appendix\n\nMore."),
            ]
        );
    }

    #[test]
    fn long_paragraphs_are_cut_between_sentences_with_overlap() {
        let sentence = |n: usize| format!("Sentence number {n} has exactly eight short words.");
        let text: Vec<String> = (0..12).map(sentence).collect();
        let doc = Document { blocks: vec![block(BlockKind::Paragraph, &text.join(" "))], ..Document::default() };
        // Each sentence is 11 tokens, so an overlap of 12 repeats exactly one whole sentence.
        let chunks = chunk(&doc, &settings(30, 12));
        assert!(chunks.len() > 3, "{chunks:#?}");
        for chunk in &chunks {
            assert!(chunk.token_count <= 30, "{chunk:?}");
            assert!(
                chunk.text.starts_with("Sentence") && chunk.text.ends_with("words."),
                "cut mid-sentence: {chunk:?}"
            );
        }
        for pair in chunks.windows(2) {
            let last_sentence = pair[0].text.rsplit(" Sentence").next().unwrap();
            assert!(pair[1].text.contains(last_sentence), "no overlap between {pair:#?}");
        }
    }

    #[test]
    fn a_list_that_fits_stays_in_one_chunk() {
        let mut blocks = vec![block(BlockKind::Paragraph, &"Filler words here. ".repeat(5))];
        for item in ["Unplug the cable.", "Wait ten seconds.", "Plug it back in."] {
            blocks.push(block(BlockKind::ListItem, item));
        }
        let doc = Document { blocks, ..Document::default() };
        let chunks = chunk(&doc, &settings(20, 0));
        let with_list: Vec<&Chunk> = chunks.iter().filter(|c| c.text.contains("Unplug")).collect();
        assert_eq!(with_list.len(), 1, "{chunks:#?}");
        assert!(with_list[0].text.contains("Unplug the cable.\nWait ten seconds.\nPlug it back in."), "{chunks:#?}");
    }

    #[test]
    fn a_new_page_starts_a_new_chunk() {
        let mut one = block(BlockKind::Paragraph, "On page one.");
        one.page = Some(1);
        let mut two = block(BlockKind::Paragraph, "On page two.");
        two.page = Some(2);
        let chunks = chunk(&Document { blocks: vec![one, two], ..Document::default() }, &ChunkSettings::default());
        let pages: Vec<Option<u32>> = chunks.iter().map(|c| c.page).collect();
        assert_eq!(pages, [Some(1), Some(2)]);
    }

    #[test]
    fn a_word_longer_than_a_chunk_is_cut_to_keep_the_bound() {
        let doc = Document { blocks: vec![block(BlockKind::Code, &"x".repeat(100))], ..Document::default() };
        let chunks = chunk(&doc, &settings(5, 2));
        assert!(chunks.iter().all(|c| c.token_count <= 5), "{chunks:#?}");
        assert_eq!(chunks.iter().map(|c| c.text.replace(char::is_whitespace, "")).collect::<String>().len(), 100);
    }

    fn word() -> impl Strategy<Value = String> {
        ("[a-zA-Z]{1,12}", prop::sample::select(vec!["", "", "", ".", ",", "!", "?"]))
            .prop_map(|(word, punctuation)| format!("{word}{punctuation}"))
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(word(), 1..60).prop_map(|words| words.join(" "))
    }

    fn block_strategy() -> impl Strategy<Value = Block> {
        let kind = prop_oneof![
            (1u8..=4).prop_map(BlockKind::Heading),
            Just(BlockKind::Paragraph),
            Just(BlockKind::Paragraph),
            Just(BlockKind::ListItem),
            Just(BlockKind::TableRow),
            Just(BlockKind::Code),
        ];
        (kind, text(), prop::option::of(1u32..4)).prop_map(|(kind, text, page)| Block { kind, text, page })
    }

    fn doc_strategy() -> impl Strategy<Value = Document> {
        prop::collection::vec(block_strategy(), 0..30).prop_map(|blocks| Document { blocks, ..Document::default() })
    }

    /// Every section path a reader of the headings could be in, by the same popping rule.
    fn heading_states(doc: &Document) -> Vec<Vec<String>> {
        let mut states = vec![Vec::new()];
        let mut open: Vec<(u8, String)> = Vec::new();
        for block in &doc.blocks {
            if let BlockKind::Heading(level) = block.kind {
                open.retain(|(l, _)| *l < level);
                open.push((level, collapse_whitespace(&block.text)));
                states.push(open.iter().map(|(_, t)| t.clone()).collect());
            }
        }
        states
    }

    proptest! {
        #[test]
        fn every_word_of_the_input_appears_in_some_chunk(doc in doc_strategy(), target in 4usize..300, overlap in 0usize..80) {
            let chunks = chunk(&doc, &settings(target, overlap));
            let words: std::collections::HashSet<&str> = chunks.iter().flat_map(|c| c.text.split_whitespace()).collect();
            for block in &doc.blocks {
                for word in block.text.split_whitespace() {
                    prop_assert!(words.contains(word), "{word:?} is missing");
                }
            }
        }

        #[test]
        fn no_chunk_exceeds_the_target(doc in doc_strategy(), target in 1usize..300, overlap in 0usize..80) {
            for chunk in chunk(&doc, &settings(target, overlap)) {
                prop_assert!(chunk.token_count <= target, "{} tokens over {target}: {chunk:?}", chunk.token_count);
                prop_assert_eq!(chunk.token_count, estimate_tokens(&chunk.text));
                prop_assert!(!chunk.text.trim().is_empty());
            }
        }

        #[test]
        fn section_paths_follow_the_heading_structure(doc in doc_strategy(), target in 4usize..300, overlap in 0usize..80) {
            let states = heading_states(&doc);
            for chunk in chunk(&doc, &settings(target, overlap)) {
                prop_assert!(states.contains(&chunk.section_path), "{:?} is not a heading path of {states:?}", chunk.section_path);
            }
        }

        #[test]
        fn chunking_is_deterministic(doc in doc_strategy(), target in 1usize..300, overlap in 0usize..80) {
            prop_assert_eq!(chunk(&doc, &settings(target, overlap)), chunk(&doc, &settings(target, overlap)));
        }
    }
}
