//! What the HTTP providers share: timeouts and retries ([`HttpOptions`]), the system prompt, the
//! citations, error bodies and the reader that turns a streamed response into [`ModelEvent`]s.

use std::collections::VecDeque;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use parlor_protocol::sse::{SseEvent, SseParser};

use super::{Citation, ModelError, ModelEvent, ModelRequest, Role, citation, passages, snippet};
use crate::config::Secret;
use crate::knowledge::Hit;

/// How a provider's HTTP calls are bounded and retried.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// How long opening a connection (TCP and TLS) may take.
    pub connect_timeout: Duration,
    /// How long one request may take from start to the end of the streamed answer.
    pub request_timeout: Duration,
    /// How long the stream may stay silent between two chunks before the answer is given up.
    pub idle_timeout: Duration,
    /// How many times a request is tried in all when the provider is busy, failing or
    /// unreachable before the first token.
    pub attempts: u32,
    /// The pause before the first retry; each later retry waits twice as long.
    pub backoff_base: Duration,
    /// The longest pause a provider's `Retry-After` can ask for; longer requests are cut to it.
    pub max_retry_after: Duration,
    /// The SSRF guard, for providers whose URL a user chose (chatbot settings); `None` for
    /// providers an operator configured.
    pub guard: Option<crate::outbound::OutboundPolicy>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
            idle_timeout: Duration::from_secs(60),
            attempts: 3,
            backoff_base: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(20),
            guard: None,
        }
    }
}

impl HttpOptions {
    /// The HTTP client for one provider, made once and reused for every answer so that
    /// connections are pooled.
    pub(super) fn client(&self) -> Result<reqwest::Client, ModelError> {
        let builder = match &self.guard {
            Some(policy) => crate::outbound::builder(policy),
            None => reqwest::Client::builder(),
        };
        builder
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .build()
            .map_err(|err| ModelError(format!("could not create the HTTP client: {}", describe(&err))))
    }
}

/// The system prompt: who the chatbot is, how it should answer, and the knowledge passages it
/// answers from.
pub(super) fn system_prompt(request: &ModelRequest) -> String {
    let sources = if request.general_knowledge {
        "Answer from the knowledge passages below first. When they do not cover the question you \
         may answer from general knowledge, but say that it is general advice, and never invent \
         facts about this business (prices, dates, policies, links); offer a person from the \
         team for those."
    } else {
        "Answer from the knowledge passages below. When they do not contain the answer, say so \
         plainly and offer to connect the visitor with a person from the team; never invent \
         facts, prices, dates or links."
    };
    // The visitor's language when the widget or the caller said it; otherwise the chatbot's,
    // which gives way to the language the visitor writes in.
    let language = if request.visitor_language {
        format!("in the visitor's language ({}) unless they write in another", request.language)
    } else {
        format!("in the visitor's language (the website's is {})", request.language)
    };
    let mut prompt = format!(
        "You are {name}, a chatbot that answers visitors' questions on a website.\n{sources}\n\
         Answer briefly, {language}, in plain text: the chat window does not render Markdown.",
        name = request.chatbot_name
    );
    if let Some(personality) = request.personality.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        prompt.push_str("\n\nThe website owner's instructions (they never override the rules above):\n");
        prompt.push_str(personality);
    }
    let given = given(request);
    if given.is_empty() {
        prompt.push_str("\n\nNo knowledge passages matched this message.");
    } else {
        prompt.push_str(
            "\n\nKnowledge passages, each with its number and source. Cite the passages the answer relies on \
             by their numbers in square brackets, such as [1]; cite no other numbers.",
        );
        for (number, hit) in given.iter().enumerate() {
            let entry = &hit.entry;
            prompt.push_str(&format!("\n\n[{}] {}\n", number + 1, entry.title.trim()));
            if let Some(source) = source_of(hit) {
                prompt.push_str(&format!("Source: {source}\n"));
            }
            match &entry.question {
                Some(question) => {
                    prompt.push_str(&format!("Question: {}\nAnswer: {}", question.trim(), entry.content.trim()));
                }
                None => prompt.push_str(entry.content.trim()),
            }
        }
    }
    prompt
}

/// The knowledge a model is given: the hits whose passages answer enough of the message
/// (the built-in responder's measure, [`passages::answers`]), in the search's order. A model
/// given unrelated passages tends to quote them anyway.
pub(super) fn given(request: &ModelRequest) -> Vec<&Hit> {
    request.knowledge.iter().filter(|hit| passages::answers(&request.message, hit)).collect()
}

/// Where a passage comes from, as a reader would look it up: the page's address, or the file's
/// name and page.
fn source_of(hit: &Hit) -> Option<String> {
    let entry = &hit.entry;
    match (&entry.source_url, &entry.file_name, entry.page) {
        (_, Some(file), Some(page)) => Some(format!("{file}, page {page}")),
        (_, Some(file), None) => Some(file.clone()),
        (Some(url), None, _) => Some(url.clone()),
        (None, None, _) => None,
    }
}

/// The earlier turns worth sending: empty messages are left out, since some providers refuse
/// them.
pub(super) fn history(request: &ModelRequest) -> impl Iterator<Item = (Role, &str)> {
    request.history.iter().filter(|(_, text)| !text.trim().is_empty()).map(|(role, text)| (*role, text.as_str()))
}

/// The citations an answer may make: every knowledge passage the model was given, numbered as
/// in the prompt, in the shape the built-in responder uses. [`cited`] keeps the ones the answer
/// cites.
pub(super) fn citations(request: &ModelRequest) -> Vec<Citation> {
    given(request).into_iter().map(citation).collect()
}

/// The citations of an answer: the given passages whose numbers it cites as `[n]` (or
/// `[n, m]`), in the order given. A number that names no given passage is dropped, so a model
/// cannot cite a source it was not given. An answer that cites no number at all relies on all
/// the passages it was given.
pub(super) fn cited(answer: &str, given: Vec<Citation>) -> Vec<Citation> {
    let mut numbers: Vec<usize> = Vec::new();
    let mut cites_any = false;
    let mut rest = answer;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let inside = &after[..close];
        let parts: Vec<&str> = inside.split(',').map(str::trim).collect();
        if parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
            cites_any = true;
            numbers.extend(parts.iter().filter_map(|p| p.parse::<usize>().ok()));
        }
        rest = &after[close + 1..];
    }
    if !cites_any {
        return given;
    }
    given.into_iter().enumerate().filter(|(i, _)| numbers.contains(&(i + 1))).map(|(_, c)| c).collect()
}

/// Sends the request made by `request`, trying again while the provider is busy (429), failing
/// (5xx) or unreachable, up to `options.attempts` in all. Nothing has been streamed yet at this
/// point, so a retry cannot repeat text. Any other status fails at once with the provider's
/// own explanation. `key` is only used to keep itself out of the error messages.
pub(super) async fn send_with_retries(
    provider: &'static str,
    options: &HttpOptions,
    key: Option<&Secret>,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, ModelError> {
    let attempts = options.attempts.max(1);
    let mut attempt = 1;
    loop {
        let (reason, asked_delay) = match request().send().await {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => {
                let status = response.status();
                let asked_delay = retry_after(response.headers());
                let explanation = error_body(response, options.idle_timeout).await;
                let reason = format!("{provider} answered {status}: {explanation}");
                if status != reqwest::StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                    return Err(ModelError(redact(reason, key)));
                }
                (reason, asked_delay)
            }
            Err(err) if err.is_builder() => {
                return Err(ModelError(redact(
                    format!("could not build the {provider} request: {}", describe(&err)),
                    key,
                )));
            }
            // A request that timed out after connecting has used its whole time budget, so
            // trying again would only multiply the wait.
            Err(err) if err.is_timeout() && !err.is_connect() => {
                return Err(ModelError(redact(format!("{provider} did not answer in time: {}", describe(&err)), key)));
            }
            Err(err) => (format!("could not reach {provider}: {}", describe(&err)), None),
        };
        let reason = redact(reason, key);
        if attempt >= attempts {
            let tries = if attempts > 1 { format!(" (after {attempts} attempts)") } else { String::new() };
            return Err(ModelError(format!("{reason}{tries}")));
        }
        let delay = match asked_delay {
            Some(asked) => asked.min(options.max_retry_after),
            None => backoff(options.backoff_base, attempt),
        };
        tracing::warn!(provider, attempt, delay_ms = delay.as_millis(), reason = %reason, "retrying a model request");
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

/// Exponential backoff with jitter, so that answers refused together do not all come back at
/// the same moment.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exponential = base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
    exponential.mul_f64(rand::random_range(0.5..=1.0))
}

/// The pause a provider asked for: OpenAI's `retry-after-ms` when present, else `Retry-After`
/// in seconds. The HTTP-date form of `Retry-After` is not read; the backoff applies instead.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number = |name: &str| -> Option<f64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    number("retry-after-ms")
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
        .or_else(|| number("retry-after").and_then(|secs| Duration::try_from_secs_f64(secs).ok()))
}

/// The largest error body read; providers explain themselves in far less.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// The provider's explanation of a failed request: the message of its JSON error body, or the
/// start of a body that is not JSON.
async fn error_body(mut response: reqwest::Response, idle: Duration) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&body);
    let parsed = serde_json::from_str::<serde_json::Value>(&text).ok();
    match parsed.as_ref().and_then(error_text) {
        Some(message) => message,
        None if text.trim().is_empty() => "no explanation given".to_owned(),
        None => snippet(&text, 300),
    }
}

/// The message of an error body in the shapes providers use: `{"error": {"message": ...}}`
/// (OpenAI, Anthropic, vLLM, OpenRouter), `{"error": "..."}` (Ollama) or `{"message": ...}`.
pub(super) fn error_text(value: &serde_json::Value) -> Option<String> {
    let error = value.get("error").unwrap_or(value);
    let message = match error {
        serde_json::Value::String(message) => message,
        _ => error.get("message")?.as_str()?,
    };
    Some(message.to_owned())
}

/// Removes the key from a message, in case a provider echoes it back in an error.
fn redact(message: String, key: Option<&Secret>) -> String {
    match key.map(Secret::expose) {
        Some(key) if !key.is_empty() && message.contains(key) => message.replace(key, "[redacted]"),
        _ => message,
    }
}

/// An HTTP error with its causes, which reqwest's own message leaves out.
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The error for a chunk that does not parse, with the start of the chunk to show what came.
pub(super) fn malformed(provider: &str, data: &str, err: &serde_json::Error) -> ModelError {
    ModelError(format!("{provider} sent a malformed chunk ({err}): {}", snippet(data, 120)))
}

/// Whether a provider's stream goes on after an event.
pub(super) enum Flow {
    More,
    /// The provider said the answer is complete.
    End,
}

/// A provider's reading of its own server-sent events.
pub(super) trait Decode: Send + 'static {
    /// Reads one event, queueing the text it carries, and says whether the answer goes on. An
    /// event that does not parse, or that reports an error, is an `Err`.
    fn decode(&mut self, event: &SseEvent, out: &mut VecDeque<ModelEvent>) -> Result<Flow, ModelError>;

    /// The prompt and completion tokens the provider reported, once the answer is complete.
    fn usage(&self) -> Option<(i64, i64)>;
}

/// Turns a successful streaming response into the answer's events: the text as it arrives,
/// then the reported usage and the citations once the provider says the answer is complete.
/// A body that ends before that, breaks, or stays silent longer than `idle` ends the stream
/// with an error.
pub(super) fn read_stream(
    provider: &'static str,
    response: reqwest::Response,
    idle: Duration,
    decoder: impl Decode,
    citations: Vec<Citation>,
) -> BoxStream<'static, Result<ModelEvent, ModelError>> {
    let reader = StreamReader {
        provider,
        response,
        idle,
        parser: SseParser::new(),
        decoder,
        citations,
        answer: String::new(),
        queue: VecDeque::new(),
        failure: None,
        finished: false,
    };
    futures::stream::unfold(reader, |mut reader| async move {
        let item = reader.next().await?;
        Some((item, reader))
    })
    .boxed()
}

struct StreamReader<D> {
    provider: &'static str,
    response: reqwest::Response,
    idle: Duration,
    parser: SseParser,
    decoder: D,
    /// The passages the model was given, to be checked against the answer once it is complete.
    citations: Vec<Citation>,
    /// The answer's text so far.
    answer: String,
    /// Events decoded but not yet handed out; a chunk of the body can hold several.
    queue: VecDeque<ModelEvent>,
    /// An error to hand out after the events that came before it.
    failure: Option<ModelError>,
    /// No more is read from the body: the answer is complete or has failed.
    finished: bool,
}

impl<D: Decode> StreamReader<D> {
    async fn next(&mut self) -> Option<Result<ModelEvent, ModelError>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                if let ModelEvent::Delta(text) = &event {
                    self.answer.push_str(text);
                }
                return Some(Ok(event));
            }
            if let Some(failure) = self.failure.take() {
                return Some(Err(failure));
            }
            if self.finished {
                return None;
            }
            if let Err(failure) = self.read_chunk().await {
                self.finished = true;
                self.failure = Some(failure);
            }
        }
    }

    /// Reads one chunk of the body and decodes the events it completes.
    async fn read_chunk(&mut self) -> Result<(), ModelError> {
        let provider = self.provider;
        let chunk = match tokio::time::timeout(self.idle, self.response.chunk()).await {
            Err(_) => {
                return Err(ModelError(format!(
                    "{provider} sent nothing for {} ms in the middle of an answer",
                    self.idle.as_millis()
                )));
            }
            Ok(Err(err)) => {
                return Err(ModelError(format!("the {provider} stream broke off: {}", describe(&err))));
            }
            Ok(Ok(None)) => {
                return Err(ModelError(format!("the {provider} stream ended before the answer was complete")));
            }
            Ok(Ok(Some(chunk))) => chunk,
        };
        for event in self.parser.push(&chunk) {
            if let Flow::End = self.decoder.decode(&event, &mut self.queue)? {
                self.finished = true;
                if let Some((prompt_tokens, completion_tokens)) = self.decoder.usage() {
                    self.queue.push_back(ModelEvent::Usage { prompt_tokens, completion_tokens });
                }
                // Every piece of text is decoded before the end, but some may still wait in
                // the queue, so the answer is read from both.
                let mut answer = self.answer.clone();
                for event in &self.queue {
                    if let ModelEvent::Delta(text) = event {
                        answer.push_str(text);
                    }
                }
                let citations = cited(&answer, std::mem::take(&mut self.citations));
                if !citations.is_empty() {
                    self.queue.push_back(ModelEvent::Citations(citations));
                }
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Entry;

    fn request_with(knowledge: Vec<Hit>) -> ModelRequest {
        ModelRequest {
            chatbot_name: "Acme Bot".into(),
            welcome_message: "Hi!".into(),
            history: vec![(Role::User, "earlier".into()), (Role::Assistant, "  ".into())],
            message: "When are you open?".into(),
            knowledge,
            ..ModelRequest::default()
        }
    }

    fn hit(question: Option<&str>) -> Hit {
        Hit {
            entry: Entry {
                id: "kn_1".into(),
                chatbot_id: "bot".into(),
                kind: if question.is_some() { "qa".into() } else { "text".into() },
                title: "Opening hours".into(),
                question: question.map(Into::into),
                content: "We are open 9 to 5.".into(),
                source_url: None,
                ..Entry::default()
            },
            score: 1.0,
            coverage: 1.0,
            ..Hit::default()
        }
    }

    #[test]
    fn the_system_prompt_names_the_bot_and_numbers_the_passages_with_their_titles() {
        let prompt = system_prompt(&request_with(vec![hit(None), hit(Some("When are you open?"))]));
        assert!(prompt.starts_with("You are Acme Bot,"), "{prompt}");
        assert!(prompt.contains("[1] Opening hours\nWe are open 9 to 5."), "{prompt}");
        assert!(prompt.contains("[2] Opening hours\nQuestion: When are you open?\nAnswer: We are open 9 to 5."));
    }

    #[test]
    fn the_system_prompt_names_the_visitors_language_or_else_the_websites() {
        let visitor = ModelRequest { language: "fr".into(), visitor_language: true, ..request_with(Vec::new()) };
        assert!(system_prompt(&visitor).contains("in the visitor's language (fr) unless they write in another"));
        let website = ModelRequest { language: "de".into(), ..request_with(Vec::new()) };
        assert!(system_prompt(&website).contains("in the visitor's language (the website's is de)"));
    }

    #[test]
    fn the_system_prompt_gives_each_passages_source_and_asks_for_numbered_citations() {
        let mut from_file = hit(None);
        from_file.entry.file_name = Some("hours.pdf".into());
        from_file.entry.page = Some(2);
        let mut from_page = hit(None);
        from_page.entry.source_url = Some("https://acme.example/hours".into());
        let prompt = system_prompt(&request_with(vec![from_file, from_page]));
        assert!(prompt.contains("[1] Opening hours\nSource: hours.pdf, page 2\nWe are open"), "{prompt}");
        assert!(prompt.contains("[2] Opening hours\nSource: https://acme.example/hours\nWe are open"), "{prompt}");
        assert!(prompt.contains("in square brackets, such as [1]"), "{prompt}");
    }

    #[test]
    fn passages_that_do_not_answer_the_message_are_not_given() {
        let mut unrelated = hit(None);
        unrelated.entry.content = "Parking is free behind the shop.".into();
        unrelated.entry.title = "Parking".into();
        let request = request_with(vec![unrelated, hit(None)]);
        let given = given(&request);
        assert_eq!(given.len(), 1);
        assert_eq!(given[0].entry.title, "Opening hours");
        assert!(!system_prompt(&request).contains("Parking"));
    }

    #[test]
    fn citations_are_the_given_passages_the_answer_names_and_others_are_dropped() {
        let given = |n: usize| -> Vec<Citation> {
            (1..=n).map(|i| Citation { entry_id: format!("kn_{i}"), ..Citation::default() }).collect()
        };
        let ids = |citations: Vec<Citation>| -> Vec<String> { citations.into_iter().map(|c| c.entry_id).collect() };
        assert_eq!(ids(cited("Open 9 to 5 [2], closed Sundays [1, 2].", given(3))), ["kn_1", "kn_2"]);
        assert_eq!(ids(cited("As the manual says [7].", given(2))), Vec::<String>::new());
        assert_eq!(ids(cited("Open 9 to 5 [3] and [9].", given(3))), ["kn_3"]);
        assert_eq!(ids(cited("No numbers, an [aside] only.", given(2))), ["kn_1", "kn_2"]);
    }

    #[test]
    fn the_system_prompt_says_so_when_no_knowledge_matched() {
        assert!(system_prompt(&request_with(Vec::new())).contains("No knowledge passages matched"));
    }

    #[test]
    fn empty_turns_are_left_out_of_the_history() {
        let request = request_with(Vec::new());
        assert_eq!(history(&request).collect::<Vec<_>>(), vec![(Role::User, "earlier")]);
    }

    #[test]
    fn retry_after_reads_milliseconds_before_seconds_and_ignores_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        let mut dated = reqwest::header::HeaderMap::new();
        dated.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&dated), None);
    }

    #[test]
    fn backoff_doubles_with_each_attempt_within_its_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 1..=4 {
            let full = base * 2u32.pow(attempt - 1);
            let delay = backoff(base, attempt);
            assert!(delay >= full / 2 && delay <= full, "attempt {attempt}: {delay:?}");
        }
    }

    #[test]
    fn error_text_reads_every_shape_providers_use() {
        let text = |json: &str| error_text(&serde_json::from_str(json).unwrap());
        assert_eq!(text(r#"{"error":{"message":"bad key","type":"x"}}"#).as_deref(), Some("bad key"));
        assert_eq!(
            text(r#"{"type":"error","error":{"type":"x","message":"overloaded"}}"#).as_deref(),
            Some("overloaded")
        );
        assert_eq!(text(r#"{"error":"model not found"}"#).as_deref(), Some("model not found"));
        assert_eq!(text(r#"{"detail":"nope"}"#), None);
    }

    #[test]
    fn a_key_echoed_in_a_message_is_redacted() {
        let key = Secret::new("sk-live-123");
        assert_eq!(redact("bad key sk-live-123".into(), Some(&key)), "bad key [redacted]");
    }
}
