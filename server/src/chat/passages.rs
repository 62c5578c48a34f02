//! Passage selection: which sentences of the retrieved chunks answer a question.
//!
//! Search ranks chunks; an answer needs the sentence that holds the fact, which is rarely a
//! chunk's first line. Every sentence of the top chunks is scored by how much of the question
//! it covers, each query term weighted by its rarity in the chatbot's knowledge (BM25's inverse
//! document frequency, so "Halden" in a Halden document tells little and "warranty" much). A
//! term counts fully in the sentence or in the chunk's heading path (the section the sentence
//! sits in, which says what it is about) and a third in the neighbouring sentences. Small
//! bonuses break ties
//! towards the sentence a reader would pick: query terms close together, a definition ("a
//! slice is…", "slices let you…") when the question asks what something is, and the chunk the
//! search ranked first. The best sentence is quoted with the sentences that complete it (the
//! ones after it, up to about sixty words, and the one before when it starts with "this" or
//! "it"); when it leaves a good part of the question uncovered and another sentence
//! covers that part, the answer joins the two passages.
//!
//! [`Selection::coverage`] is the weighted share of the question the chosen passage covers;
//! below [`MIN_COVERAGE`] the knowledge does not answer the question and the responder says so.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::knowledge::index::analyze;
use crate::knowledge::{EntryKind, Hit, QueryTerm};

/// The weighted share of the question a passage must cover to be offered as an answer,
/// measured on the evaluation sets (`server/tests/fixtures/eval/`, see `docs/knowledge.md`).
pub const MIN_COVERAGE: f64 = 0.5;
/// The share of the question's terms (unweighted, as search counts them in [`Hit::coverage`])
/// that a Q&A pair or chunk must hold before it is considered at all.
pub const MIN_SHARE: f64 = 0.34;
/// How much a query term counts when it is only in the chunk's heading path (measured: 0.3,
/// 0.5 and 0.7 chose worse passages on the evaluation sets than counting it fully).
const HEADING_CREDIT: f64 = 1.0;
/// How much a query term counts when it is only in a neighbouring sentence.
const CONTEXT_CREDIT: f64 = 0.3;
/// Among sentences that cover the question alike, how much more one counts for each share of
/// the question in its own words rather than its heading's.
const BODY_BONUS: f64 = 0.1;
/// The most sentences quoted from one passage.
const MAX_SENTENCES: usize = 4;
/// A passage grows by the sentences after its best one until it has this many words.
const PASSAGE_WORDS: usize = 60;
/// The uncovered share of the question above which a second passage is looked for.
const JOIN_ABOVE: f64 = 0.25;

/// Words that ask rather than say: a question's "how long" or "how many" is not a topic, so
/// these are left out of the terms a passage must cover (the index's analyzer keeps them).
const QUESTION_WORDS: &[&str] = &[
    "many",
    "much",
    "long",
    "often",
    "have",
    "has",
    "had",
    "get",
    "need",
    "want",
    "know",
    "happen",
    "happens",
    "difference",
    "between",
    "compared",
    "mean",
    "means",
    "example",
    "way",
    "possible",
];

fn is_question_word(term: &str) -> bool {
    static STEMS: LazyLock<HashSet<String>> =
        LazyLock::new(|| QUESTION_WORDS.iter().flat_map(|word| analyze(word)).collect());
    STEMS.contains(term)
}

/// Verbs that follow the subject of a definition: "a slice is", "slices let you".
const DEFINING: &[&str] =
    &["is", "are", "means", "mean", "let", "lets", "allows", "allow", "refers", "holds", "hold", "describes"];

/// The quoted passages of an answer, best first, and how well the first covers the question.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub passages: Vec<Passage>,
    /// The weighted share of the question that the first passage covers (0 to 1).
    pub coverage: f64,
}

/// Consecutive sentences of one chunk.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// The chunk's position in the hits.
    pub hit: usize,
    /// The sentences, joined as they were: with a space within a line, a line break between lines.
    pub text: String,
}

/// One sentence of a chunk, with its analyzed terms.
struct Sentence {
    hit: usize,
    /// Which line (paragraph, list item) of the chunk it is on.
    line: usize,
    text: String,
    terms: HashSet<String>,
    words: usize,
}

/// Splits a chunk's text into sentences: at line breaks, and after `.`, `!` or `?` followed by
/// a space (so "0.3 microns" and "Cargo.lock" stay whole).
fn sentences_of(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (line_number, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let mut start = 0;
        let bytes: Vec<(usize, char)> = line.char_indices().collect();
        for (n, (at, c)) in bytes.iter().enumerate() {
            let ends = matches!(c, '.' | '!' | '?') && bytes.get(n + 1).is_some_and(|(_, next)| next.is_whitespace());
            if ends {
                let end = at + c.len_utf8();
                let sentence = line[start..end].trim();
                if !sentence.is_empty() {
                    out.push((line_number, sentence.to_owned()));
                }
                start = end;
            }
        }
        let rest = line[start..].trim();
        if !rest.is_empty() {
            out.push((line_number, rest.to_owned()));
        }
    }
    out
}

/// The terms a passage should cover, with their weights: the search's weighted terms, or the
/// question's own terms, equally weighted, when the hits carry none; question words left out.
fn wanted(question: &str, hits: &[Hit]) -> Vec<QueryTerm> {
    let from_search = hits.iter().find(|hit| !hit.query.is_empty()).map(|hit| hit.query.as_ref().clone());
    let mut terms = from_search.unwrap_or_else(|| {
        let mut seen = HashSet::new();
        analyze(question)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .map(|term| QueryTerm { term, idf: 1.0 })
            .collect()
    });
    let all = terms.clone();
    terms.retain(|t| !is_question_word(&t.term));
    // A question made only of such words ("how does it work?") keeps them.
    if terms.is_empty() { all } else { terms }
}

/// Whether the question asks what something is or does ("what is a slice", "what does a
/// slice let you reference", "define …").
fn asks_for_definition(question: &str) -> bool {
    let lower = question.trim().to_lowercase();
    ["what is", "what are", "what does", "what do", "what's", "define", "meaning of", "what kind"]
        .iter()
        .any(|start| lower.starts_with(start))
}

/// Whether a sentence defines one of the question's terms: it starts with the term (after an
/// article) and a defining verb follows within a few words.
fn defines(sentence: &str, wanted: &[QueryTerm]) -> bool {
    let words: Vec<String> = sentence
        .split_whitespace()
        .take(6)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .collect();
    let subject = words.iter().take(3).any(|w| analyze(w).iter().any(|t| wanted.iter().any(|q| q.term == *t)));
    subject && words.iter().skip(1).any(|w| DEFINING.contains(&w.as_str()))
}

/// A sentence's score: its weighted coverage of the question and the tie-breaking bonuses.
fn score(
    sentence: &Sentence,
    wanted: &[QueryTerm],
    heading: &HashSet<String>,
    context: &HashSet<String>,
    definition: bool,
) -> (f64, f64) {
    let total: f64 = wanted.iter().map(|t| t.idf).sum::<f64>().max(f64::EPSILON);
    let mut covered = 0.0;
    for term in wanted {
        let credit = if sentence.terms.contains(&term.term) {
            1.0
        } else if heading.contains(&term.term) {
            HEADING_CREDIT
        } else if context.contains(&term.term) {
            CONTEXT_CREDIT
        } else {
            0.0
        };
        covered += credit * term.idf;
    }
    let coverage = covered / total;
    let in_body: f64 = wanted.iter().filter(|t| sentence.terms.contains(&t.term)).map(|t| t.idf).sum();
    let mut bonus = BODY_BONUS * in_body / total;
    let matched = wanted.iter().filter(|t| sentence.terms.contains(&t.term)).count();
    if matched >= 2 {
        bonus += 0.05 * proximity(&sentence.text, wanted);
    }
    if definition && defines(&sentence.text, wanted) {
        bonus += 0.1;
    }
    // A heading on its own line, a lone code token: too short to answer anything.
    if sentence.words < 4 {
        bonus -= 0.2;
    }
    bonus -= 0.02 * sentence.hit as f64;
    (coverage, coverage + bonus)
}

/// How close together the question's terms are in a sentence: the number of matched terms over
/// the length of the shortest run of words that holds them all (1 when they are adjacent).
fn proximity(text: &str, wanted: &[QueryTerm]) -> f64 {
    let words: Vec<Option<usize>> = text
        .split_whitespace()
        .map(|word| analyze(word).first().and_then(|t| wanted.iter().position(|q| q.term == *t)))
        .collect();
    let kinds: HashSet<usize> = words.iter().flatten().copied().collect();
    if kinds.len() < 2 {
        return 0.0;
    }
    let mut best = words.len();
    for start in 0..words.len() {
        if words[start].is_none() {
            continue;
        }
        let mut seen = HashSet::new();
        for (end, word) in words.iter().enumerate().skip(start) {
            if let Some(kind) = word {
                seen.insert(*kind);
            }
            if seen.len() == kinds.len() {
                best = best.min(end - start + 1);
                break;
            }
        }
    }
    kinds.len() as f64 / best.max(1) as f64
}

/// Words that point back to the sentence before: a sentence that starts with one is quoted
/// with its predecessor.
fn points_back(sentence: &str) -> bool {
    let first = sentence.split_whitespace().next().unwrap_or("").to_lowercase();
    ["this", "it", "that", "these", "those", "they", "such", "then", "so", "there", "here"].contains(&first.as_str())
}

/// Chooses the passages that answer `question` from `hits` (best first), or `None` when no
/// chunk has any text.
pub fn select(question: &str, hits: &[Hit]) -> Option<Selection> {
    let wanted = wanted(question, hits);
    let definition = asks_for_definition(question);
    let mut sentences: Vec<Sentence> = Vec::new();
    let mut seen_texts = HashSet::new();
    for (hit_number, hit) in hits.iter().enumerate() {
        for (line, text) in sentences_of(&hit.entry.content) {
            // Chunks overlap; a sentence already seen in a better chunk is not a new candidate.
            let fresh = seen_texts.insert(text.clone());
            let terms: HashSet<String> = analyze(&text).into_iter().collect();
            let words = text.split_whitespace().count();
            let sentence = Sentence { hit: hit_number, line, text, terms, words };
            if fresh {
                sentences.push(sentence);
            } else {
                // Keep the position so that neighbours still line up.
                sentences.push(Sentence { terms: HashSet::new(), words: 0, ..sentence });
            }
        }
    }
    let headings: Vec<HashSet<String>> =
        hits.iter().map(|hit| analyze(&hit.entry.title).into_iter().collect()).collect();
    let neighbours = |i: usize| -> HashSet<String> {
        let sentence = &sentences[i];
        let mut around = HashSet::new();
        for j in [i.wrapping_sub(1), i + 1] {
            if let Some(other) = sentences.get(j)
                && other.hit == sentence.hit
            {
                around.extend(other.terms.iter().cloned());
            }
        }
        around
    };
    let scored: Vec<(usize, f64, f64)> = (0..sentences.len())
        .filter(|i| sentences[*i].words > 0)
        .map(|i| {
            let (coverage, total) =
                score(&sentences[i], &wanted, &headings[sentences[i].hit], &neighbours(i), definition);
            (i, coverage, total)
        })
        .collect();
    let &(best, coverage, _) = scored.iter().max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)))?;
    let first = window(&sentences, best);
    let mut passages = vec![passage(&sentences, &first)];

    // What the first passage leaves out of the question, by weight.
    let total: f64 = wanted.iter().map(|t| t.idf).sum::<f64>().max(f64::EPSILON);
    let covered: HashSet<&str> = first
        .iter()
        .flat_map(|i| sentences[*i].terms.iter().map(String::as_str))
        .chain(headings[sentences[best].hit].iter().map(String::as_str))
        .collect();
    let missing: Vec<&QueryTerm> = wanted.iter().filter(|t| !covered.contains(t.term.as_str())).collect();
    let missing_weight: f64 = missing.iter().map(|t| t.idf).sum();
    if missing_weight / total >= JOIN_ABOVE {
        let fills = |i: usize| -> f64 {
            let terms = &sentences[i].terms;
            missing.iter().filter(|t| terms.contains(&t.term)).map(|t| t.idf).sum::<f64>() / missing_weight
        };
        let second = scored
            .iter()
            .filter(|(i, _, _)| !first.contains(i) && sentences[*i].words >= 4)
            .map(|&(i, _, total)| (i, fills(i), total))
            .filter(|(_, filled, _)| *filled >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)));
        if let Some((second, _, _)) = second {
            passages.push(passage(&sentences, &window(&sentences, second)));
        }
    }
    Some(Selection { passages, coverage })
}

/// Whether a hit answers enough of the question to be offered: a Q&A pair when it holds enough
/// of the question's terms, a passage when its best sentences cover [`MIN_COVERAGE`] of it.
pub fn answers(question: &str, hit: &Hit) -> bool {
    if hit.coverage < MIN_SHARE {
        return false;
    }
    hit.entry.kind() == EntryKind::Qa
        || select(question, std::slice::from_ref(hit)).is_some_and(|s| s.coverage >= MIN_COVERAGE)
}

/// The sentences quoted around the best one, in order: the one before when the best points
/// back to it, then the ones after while the passage is shorter than [`PASSAGE_WORDS`], within
/// its chunk and at most [`MAX_SENTENCES`].
fn window(sentences: &[Sentence], best: usize) -> Vec<usize> {
    let same_chunk = |j: usize| sentences.get(j).is_some_and(|s| s.hit == sentences[best].hit && s.words > 0);
    let mut chosen = vec![best];
    if best > 0 && same_chunk(best - 1) && points_back(&sentences[best].text) {
        chosen.insert(0, best - 1);
    }
    let mut next = best + 1;
    while chosen.len() < MAX_SENTENCES
        && same_chunk(next)
        && chosen.iter().map(|i| sentences[*i].words).sum::<usize>() < PASSAGE_WORDS
    {
        chosen.push(next);
        next += 1;
    }
    chosen
}

fn passage(sentences: &[Sentence], chosen: &[usize]) -> Passage {
    let mut text = String::new();
    for (n, i) in chosen.iter().enumerate() {
        if n > 0 {
            text.push(if sentences[*i].line == sentences[chosen[n - 1]].line { ' ' } else { '\n' });
        }
        text.push_str(&sentences[*i].text);
    }
    Passage { hit: sentences[chosen[0]].hit, text }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::knowledge::Entry;

    fn hit(title: &str, content: &str) -> Hit {
        Hit {
            entry: Entry { kind: "text".into(), title: title.into(), content: content.into(), ..Entry::default() },
            score: 1.0,
            coverage: 1.0,
            ..Hit::default()
        }
    }

    #[test]
    fn sentences_end_at_stops_before_spaces_and_at_lines() {
        let found: Vec<String> = sentences_of("It filters 0.3 microns. See Cargo.lock!\nA list item\nWhy? Because.")
            .into_iter()
            .map(|s| s.1)
            .collect();
        assert_eq!(found, ["It filters 0.3 microns.", "See Cargo.lock!", "A list item", "Why?", "Because."]);
    }

    #[test]
    fn the_sentence_that_holds_the_answer_is_chosen_over_the_chunks_first_lines() {
        let hits = [hit(
            "Returns › Refunds",
            "Once your parcel reaches our returns centre, we inspect it. The weather in Leeds is mild. Your refund \
             is issued to the original payment method within 5 working days of the inspection.",
        )];
        let selection = select("How long until I get my refund?", &hits).unwrap();
        assert!(selection.passages[0].text.starts_with("Your refund is issued"), "{selection:?}");
        assert!(selection.coverage >= MIN_COVERAGE, "{selection:?}");
    }

    #[test]
    fn a_definition_wins_when_the_question_asks_what_something_is() {
        let hits = [hit(
            "Slices",
            "You can also take slices of other collections, such as arrays of integers.\n\nSlices let you \
             reference a contiguous sequence of elements in a collection.",
        )];
        let selection = select("What do slices let you reference?", &hits).unwrap();
        assert!(selection.passages[0].text.starts_with("Slices let you reference"), "{selection:?}");
    }

    #[test]
    fn a_rare_term_outweighs_a_common_one() {
        let query = Arc::new(vec![
            QueryTerm { term: "halden".into(), idf: 0.1 },
            QueryTerm { term: "warranti".into(), idf: 3.0 },
        ]);
        let hits = [
            Hit { query: query.clone(), ..hit("About", "Halden makes purifiers in Leeds. Halden was founded late.") },
            Hit { query, ..hit("Warranty", "Every purifier comes with a two-year warranty from delivery.") },
        ];
        let selection = select("What is the Halden warranty?", &hits).unwrap();
        assert_eq!(selection.passages[0].hit, 1, "{selection:?}");
    }

    #[test]
    fn a_question_about_words_the_knowledge_lacks_covers_too_little_to_answer() {
        let query =
            Arc::new(vec![QueryTerm { term: "pay".into(), idf: 1.0 }, QueryTerm { term: "bitcoin".into(), idf: 5.0 }]);
        let hits = [Hit { query, ..hit("Payments", "You can pay by card or bank transfer at checkout.") }];
        let selection = select("Can I pay with Bitcoin?", &hits).unwrap();
        assert!(selection.coverage < MIN_COVERAGE, "{selection:?}");
    }

    #[test]
    fn a_question_with_two_parts_joins_the_passages_that_answer_each() {
        let hits = [
            hit("Delivery", "Express delivery costs 12.50 EUR. We pack every parcel with care and recycled paper."),
            hit("Couriers", "Our parcels are carried by DPD, who deliver in the United Kingdom."),
        ];
        let selection = select("How much is express delivery and which courier carries it?", &hits).unwrap();
        assert_eq!(selection.passages.len(), 2, "{selection:?}");
        assert!(selection.passages[1].text.contains("DPD"), "{selection:?}");
    }

    #[test]
    fn a_sentence_that_points_back_is_quoted_with_the_one_before() {
        let hits = [hit(
            "Modes",
            "Our quietest setting is made for bedrooms. It runs the fan at 19 dB, quieter than a whisper.",
        )];
        let selection = select("How loud is the fan in dB?", &hits).unwrap();
        assert_eq!(
            selection.passages[0].text,
            "Our quietest setting is made for bedrooms. It runs the fan at 19 dB, quieter than a whisper."
        );
    }
}
