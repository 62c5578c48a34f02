//! The built-in responder: answers from the chatbot's knowledge with no model and no network.
//! Q&A pairs are answered as written, passages are quoted and cited, greetings are greeted, and
//! anything it cannot find it says plainly, offering a person instead.

use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;

use super::phrases::Phrases;
use super::{ChatModel, Citation, ModelError, ModelEvent, ModelRequest, citation, passages, snippet};
use crate::knowledge::{EntryKind, Hit};

/// The key-free responder. `pace` is the pause between streamed chunks, which makes the answer
/// read like typing; zero streams at once.
#[derive(Debug, Clone)]
pub struct BuiltinResponder {
    pace: Duration,
}

impl BuiltinResponder {
    pub fn new(pace: Duration) -> Self {
        BuiltinResponder { pace }
    }
}

/// The answer the responder gives, before it is streamed.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub text: String,
    pub citations: Vec<Citation>,
}

const GREETINGS: &[&str] = &[
    "hello",
    "hi",
    "hey",
    "hiya",
    "howdy",
    "greetings",
    "morning",
    "afternoon",
    "evening",
    "hallo",
    "bonjour",
    "hola",
];

fn is_greeting(message: &str) -> bool {
    let words: Vec<String> =
        message.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    !words.is_empty() && words.len() <= 4 && words.iter().any(|w| GREETINGS.contains(&w.as_str()))
}

/// Composes the answer for a request. Pure, so it is tested without streaming.
pub fn compose(request: &ModelRequest) -> Answer {
    // Its own words are in the visitor's language; the knowledge it quotes stays as written.
    let phrases = Phrases::of(&request.language);
    let qa = request
        .knowledge
        .first()
        .filter(|hit| hit.entry.kind() == EntryKind::Qa && hit.coverage >= passages::MIN_SHARE);
    if let Some(hit) = qa {
        return Answer { text: hit.entry.content.trim().to_owned(), citations: vec![citation(hit)] };
    }
    let texts: Vec<Hit> = request
        .knowledge
        .iter()
        .filter(|hit| hit.entry.kind() == EntryKind::Text && hit.coverage >= passages::MIN_SHARE)
        .cloned()
        .collect();
    let selection = passages::select(&request.message, &texts).filter(|s| s.coverage >= passages::MIN_COVERAGE);
    match selection {
        Some(selection) => {
            let mut text = String::new();
            let mut citations: Vec<Citation> = Vec::new();
            for (n, passage) in selection.passages.iter().enumerate() {
                let hit = &texts[passage.hit];
                let entry = &hit.entry;
                let place = if n == 0 {
                    phrases.found_in(&entry.title, entry.file_name.as_deref(), entry.page)
                } else {
                    phrases.also_in(&entry.title, entry.file_name.as_deref(), entry.page)
                };
                let quoted: Vec<String> = passage.text.lines().map(|line| format!("> {line}")).collect();
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&format!("{place}\n\n{}", quoted.join("\n")));
                if !citations.iter().any(|c| c.entry_id == entry.id) {
                    citations.push(Citation { snippet: snippet(&passage.text, 200), ..citation(hit) });
                }
            }
            Answer { text, citations }
        }
        None if is_greeting(&request.message) => Answer {
            text: format!(
                "{} {}",
                phrases.hello(&request.chatbot_name),
                greeting_follow_up(&request.welcome_message, phrases)
            ),
            citations: Vec::new(),
        },
        None => Answer { text: phrases.unknown.to_owned(), citations: Vec::new() },
    }
}

/// What follows the greeting: the welcome message, unless it is itself a greeting in English
/// (the default one is), when the question in the visitor's language does.
fn greeting_follow_up(welcome: &str, phrases: &Phrases) -> String {
    let lower = welcome.to_lowercase();
    if lower.starts_with("hi") || lower.starts_with("hello") || lower.starts_with("hey") {
        phrases.how_can_i_help.to_owned()
    } else {
        welcome.to_owned()
    }
}

/// Splits text into word-sized chunks that keep their whitespace, so joining them gives the
/// text back exactly.
pub fn chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        current.push(ch);
        if ch.is_whitespace() && current.trim().chars().count() >= 1 {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[async_trait::async_trait]
impl ChatModel for BuiltinResponder {
    fn name(&self) -> &'static str {
        "builtin"
    }

    fn model_id(&self) -> String {
        "parlor-builtin".to_owned()
    }

    async fn reply(
        &self,
        request: ModelRequest,
    ) -> Result<BoxStream<'static, Result<ModelEvent, ModelError>>, ModelError> {
        let answer = compose(&request);
        let pace = self.pace;
        let deltas = futures::stream::iter(chunks(&answer.text)).then(move |chunk| async move {
            if !pace.is_zero() {
                tokio::time::sleep(pace).await;
            }
            Ok(ModelEvent::Delta(chunk))
        });
        let citations = (!answer.citations.is_empty()).then_some(Ok(ModelEvent::Citations(answer.citations)));
        Ok(deltas.chain(futures::stream::iter(citations)).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Entry, Hit};

    /// A request whose knowledge is `entries`, each a full match (ranking is tested with the
    /// search index).
    fn request(message: &str, entries: &[Entry]) -> ModelRequest {
        ModelRequest {
            chatbot_name: "Acme Bot".into(),
            welcome_message: "Hi! How can I help you today?".into(),
            history: Vec::new(),
            message: message.into(),
            knowledge: entries
                .iter()
                .map(|entry| Hit { entry: entry.clone(), score: 1.0, coverage: 1.0, ..Hit::default() })
                .collect(),
            ..ModelRequest::default()
        }
    }

    fn qa(id: &str, q: &str, a: &str) -> Entry {
        Entry {
            id: id.into(),
            chatbot_id: "bot".into(),
            kind: "qa".into(),
            title: q.into(),
            question: Some(q.into()),
            content: a.into(),
            source_url: None,
            ..Entry::default()
        }
    }

    #[test]
    fn a_matching_qa_pair_is_answered_as_written_and_cited() {
        let entries = vec![qa("kn_1", "What are your opening hours?", "We are open 9 to 5 on weekdays.")];
        let answer = compose(&request("what are your opening hours", &entries));
        assert_eq!(answer.text, "We are open 9 to 5 on weekdays.");
        assert_eq!(answer.citations[0].entry_id, "kn_1");
    }

    #[test]
    fn passages_are_quoted_with_their_title() {
        let entries = vec![Entry {
            kind: "text".into(),
            question: None,
            title: "Roasting".into(),
            ..qa("kn_2", "", "Our beans are roasted every Tuesday in Leeds.")
        }];
        let answer = compose(&request("when are the beans roasted", &entries));
        assert!(answer.text.contains("> Our beans are roasted every Tuesday in Leeds."), "{}", answer.text);
        assert!(answer.text.contains("Roasting"));
    }

    #[test]
    fn a_passage_from_a_file_names_the_file_and_page_and_cites_them() {
        let entries = vec![Entry {
            kind: "text".into(),
            question: None,
            title: "Handbook › Leave".into(),
            file_name: Some("handbook.pdf".into()),
            page: Some(4),
            ..qa("kn_3", "", "Staff get 25 days of paid leave a year.")
        }];
        let answer = compose(&request("how many days of paid leave", &entries));
        assert!(answer.text.contains("(handbook.pdf, page 4)"), "{}", answer.text);
        assert_eq!(answer.citations[0].file_name.as_deref(), Some("handbook.pdf"));
        assert_eq!(answer.citations[0].page, Some(4));
    }

    #[test]
    fn greetings_get_a_greeting_that_names_the_bot() {
        let answer = compose(&request("Hello", &[]));
        assert!(answer.text.starts_with("Hello! I'm Acme Bot."), "{}", answer.text);
        assert!(answer.citations.is_empty());
    }

    #[test]
    fn unknown_questions_are_admitted_and_a_human_is_offered() {
        let answer = compose(&request("What is the airspeed of a swallow?", &[]));
        assert!(answer.text.contains("don't know"));
        assert!(answer.text.contains("person"));
    }

    #[test]
    fn its_own_words_follow_the_visitors_language_and_the_quote_stays_as_written() {
        let entries = vec![Entry {
            kind: "text".into(),
            question: None,
            title: "Rösterei".into(),
            page: Some(2),
            ..qa("kn_4", "", "Unsere Bohnen werden jeden Dienstag geröstet.")
        }];
        let in_german = |message: &str, entries: &[Entry]| {
            compose(&ModelRequest { language: "de-AT".into(), visitor_language: true, ..request(message, entries) })
        };
        let found = in_german("wann werden die Bohnen geröstet", &entries).text;
        assert_eq!(
            found,
            "Das habe ich in „Rösterei“ gefunden (Seite 2):\n\n> Unsere Bohnen werden jeden Dienstag geröstet."
        );
        assert_eq!(in_german("Hallo", &[]).text, "Hallo! Ich bin Acme Bot. Wie kann ich Ihnen heute helfen?");
        assert!(
            in_german("Wie schnell fliegt eine Schwalbe?", &[]).text.starts_with("Das weiß ich leider noch nicht.")
        );
        let in_japanese = compose(&ModelRequest { language: "ja".into(), ..request("Wie schnell?", &[]) });
        assert!(in_japanese.text.contains("チームの担当者"), "{}", in_japanese.text);
    }

    #[test]
    fn chunks_join_back_to_the_text() {
        let text = "Hello  there!\nHow are you? ünïcödé ok";
        assert_eq!(chunks(text).concat(), text);
        assert!(chunks(text).len() > 3);
    }
}
