//! Measuring retrieval and answers over questions whose answers are known
//! (`server/tests/fixtures/eval/` holds two such sets: chapters of the Rust Book, and the policy
//! and product documents of a fictional company).
//!
//! Retrieval: a question is answered by one source (a page's URL, a file's name, and for a PDF
//! optionally a page); a hit matches when it comes from that source. Recall@k is the share of
//! questions with a matching hit among the first k; the reciprocal rank of a question is 1 / the
//! rank of its first matching hit (0 when none is returned).
//!
//! Answers: a question also names its fact, a phrase (or equivalent phrases) the answer must
//! hold. An answer counts when it holds the fact and cites the source. Questions with no answer
//! in the knowledge count when the answer declines (cites nothing).

/// Where a hit comes from, as far as an evaluation cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitSource {
    /// The page's URL or the file's name.
    pub source: String,
    /// The page of a PDF, counted from 1.
    pub page: Option<u32>,
}

/// Where the answer to a question is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub source: String,
    /// For a PDF, the page the answer is on; `None` accepts any page.
    pub page: Option<u32>,
}

impl Expected {
    /// Whether a hit comes from where the answer is. A source matches when it is the expected
    /// one or ends with it (a URL ends with the page's file name).
    pub fn matches(&self, hit: &HitSource) -> bool {
        let source = hit.source == self.source || hit.source.ends_with(&format!("/{}", self.source));
        source && (self.page.is_none() || self.page == hit.page)
    }
}

/// The figures of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub questions: usize,
    /// The share of questions answered within the first k hits.
    pub recall_at_k: f64,
    /// The mean of 1 / rank of the first matching hit.
    pub mrr: f64,
}

/// The rank (from 1) of the first hit that matches, within the first `k`.
pub fn first_match(expected: &Expected, hits: &[HitSource], k: usize) -> Option<usize> {
    hits.iter().take(k).position(|hit| expected.matches(hit)).map(|i| i + 1)
}

/// Recall@k and MRR (within the first k hits) over questions, given each question's expected
/// source and its ranked hits.
pub fn score<'a>(results: impl IntoIterator<Item = (&'a Expected, &'a [HitSource])>, k: usize) -> Scores {
    let (mut questions, mut found, mut reciprocal) = (0usize, 0usize, 0.0f64);
    for (expected, hits) in results {
        questions += 1;
        if let Some(rank) = first_match(expected, hits, k) {
            found += 1;
            reciprocal += 1.0 / rank as f64;
        }
    }
    let n = questions.max(1) as f64;
    Scores { questions, recall_at_k: found as f64 / n, mrr: reciprocal / n }
}

/// Whether an answer holds a fact: one of `phrases`, compared without case, with every run of
/// whitespace as one space, typographic apostrophes as plain ones, and the `> ` that starts a
/// quoted line left out (a fact may run over two lines of a quote).
pub fn holds_fact(answer: &str, phrases: &[String]) -> bool {
    let answer =
        normalized(&answer.lines().map(|line| line.trim_start().trim_start_matches('>')).collect::<Vec<_>>().join(" "));
    phrases.iter().map(|phrase| normalized(phrase)).any(|phrase| !phrase.is_empty() && answer.contains(&phrase))
}

fn normalized(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}'], "'").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// One question as the answer-level evaluation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// Whether the knowledge holds the answer (a question without one should be declined).
    pub answerable: bool,
    /// Whether the answer holds the question's fact.
    pub holds_fact: bool,
    /// Whether a citation of the answer matches the expected source.
    pub cites_source: bool,
    /// Whether the responder declined: it answered without citing anything.
    pub declined: bool,
}

/// The figures of an answer-level evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnswerScores {
    pub answerable: usize,
    pub unanswerable: usize,
    /// The share of answerable questions whose answer holds the fact and cites its source.
    pub fact_share: f64,
    /// The share of answerable questions that were answered rather than declined.
    pub answered_share: f64,
    /// The share of unanswerable questions that were declined.
    pub declined_share: f64,
}

/// Scores answers (see [`Answered`]); a share over no questions is 1.
pub fn score_answers<'a>(answers: impl IntoIterator<Item = &'a Answered>) -> AnswerScores {
    let (mut answerable, mut unanswerable, mut facts, mut answered, mut declined) = (0, 0, 0, 0, 0);
    for answer in answers {
        if answer.answerable {
            answerable += 1;
            facts += usize::from(answer.holds_fact && answer.cites_source);
            answered += usize::from(!answer.declined);
        } else {
            unanswerable += 1;
            declined += usize::from(answer.declined);
        }
    }
    let share = |part: usize, whole: usize| if whole == 0 { 1.0 } else { part as f64 / whole as f64 };
    AnswerScores {
        answerable,
        unanswerable,
        fact_share: share(facts, answerable),
        answered_share: share(answered, answerable),
        declined_share: share(declined, unanswerable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(source: &str, page: Option<u32>) -> HitSource {
        HitSource { source: source.to_owned(), page }
    }

    #[test]
    fn recall_and_mrr_count_the_first_matching_hit_within_k() {
        let a = Expected { source: "a.html".into(), page: None };
        let b = Expected { source: "b.pdf".into(), page: Some(2) };
        let c = Expected { source: "c.html".into(), page: None };
        let hits_a = [hit("http://site/a.html", None)];
        let hits_b = [hit("b.pdf", Some(1)), hit("x", None), hit("b.pdf", Some(2))];
        let hits_c = [hit("x", None), hit("y", None), hit("c.html", None)];
        let scores = score([(&a, &hits_a[..]), (&b, &hits_b[..]), (&c, &hits_c[..])], 2);
        assert_eq!(scores.questions, 3);
        assert!((scores.recall_at_k - 1.0 / 3.0).abs() < 1e-9, "{scores:?}");
        assert!((scores.mrr - 1.0 / 3.0).abs() < 1e-9, "{scores:?}");
        let scores = score([(&a, &hits_a[..]), (&b, &hits_b[..]), (&c, &hits_c[..])], 5);
        assert!((scores.recall_at_k - 1.0).abs() < 1e-9);
        assert!((scores.mrr - (1.0 + 1.0 / 3.0 + 1.0 / 3.0) / 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_source_matches_by_its_name_at_the_end_of_a_url_but_not_by_a_suffix_of_a_name() {
        let expected = Expected { source: "ch08-02-strings.html".into(), page: None };
        assert!(expected.matches(&hit("http://127.0.0.1:1/ch08-02-strings.html", None)));
        assert!(!expected.matches(&hit("http://127.0.0.1:1/xch08-02-strings.html", None)));
    }

    #[test]
    fn a_fact_is_found_across_case_whitespace_apostrophes_and_quoted_lines() {
        let answer = "Here is what I found:\n\n> Rust strings don\u{2019}t support\n> indexing, because   UTF-8.";
        assert!(holds_fact(answer, &["don't support indexing".to_owned()]));
        assert!(holds_fact(answer, &["nothing".to_owned(), "RUST STRINGS".to_owned()]));
        assert!(!holds_fact(answer, &["support slicing".to_owned()]));
        assert!(!holds_fact(answer, &[" ".to_owned()]));
    }

    #[test]
    fn answers_count_when_they_hold_the_fact_and_cite_it_and_declines_only_without_an_answer() {
        let answered = |answerable, holds_fact, cites_source, declined| Answered {
            answerable,
            holds_fact,
            cites_source,
            declined,
        };
        let answers = [
            answered(true, true, true, false),
            answered(true, true, false, false),
            answered(true, false, false, true),
            answered(true, false, true, false),
            answered(false, false, false, true),
            answered(false, false, false, false),
        ];
        let scores = score_answers(&answers);
        assert_eq!((scores.answerable, scores.unanswerable), (4, 2));
        assert!((scores.fact_share - 0.25).abs() < 1e-9, "{scores:?}");
        assert!((scores.answered_share - 0.75).abs() < 1e-9, "{scores:?}");
        assert!((scores.declined_share - 0.5).abs() < 1e-9, "{scores:?}");
    }
}
