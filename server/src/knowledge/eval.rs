//! Measuring retrieval: recall@k and mean reciprocal rank over questions whose answers are
//! known (`server/tests/fixtures/eval/` holds such a set, over chapters of the Rust Book).
//!
//! A question is answered by one source (a page's URL, a file's name, and for a PDF optionally
//! a page); a hit matches when it comes from that source. Recall@k is the share of questions
//! with a matching hit among the first k; the reciprocal rank of a question is 1 / the rank of
//! its first matching hit (0 when none is returned).

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
}
