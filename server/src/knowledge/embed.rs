//! Embeddings: the [`Embedder`] trait that turns texts into vectors, and its implementation for
//! OpenAI-compatible APIs (`POST {base}/v1/embeddings`: OpenAI, Ollama, vLLM, llama.cpp, TEI).
//!
//! Requests go through the SSRF guard (`crate::outbound`), so an embedder on a private address
//! needs `PARLOR_OUTBOUND_ALLOW`. Chunks are sent in batches; a busy (429), failing (5xx) or
//! unreachable API is tried again with backoff, honouring `Retry-After`. A visitor's question is
//! embedded with one short attempt, since an answer should not wait for a struggling embedder:
//! retrieval falls back to BM25 alone.

use std::time::Duration;

use serde::Deserialize;

use crate::config::{Config, Secret};
use crate::outbound::OutboundPolicy;

/// Why texts could not be embedded. The message never contains the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedError(pub String);

impl std::fmt::Display for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmbedError {}

/// Turns texts into vectors (one per text, in order, all of one length).
#[async_trait::async_trait]
pub trait Embedder: Send + Sync + 'static {
    /// The model's name, stored with every vector so that vectors of two models never mix.
    fn model(&self) -> &str;

    /// Embeds chunks for storage: batched, with retries.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;

    /// Embeds a visitor's question: one quick attempt.
    async fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let mut vectors = self.embed(&[text.to_owned()]).await?;
        vectors.pop().ok_or_else(|| EmbedError("the embedder returned no vector".into()))
    }
}

/// How the OpenAI-compatible embedder is reached and bounded.
#[derive(Debug, Clone)]
pub struct EmbeddingSettings {
    /// The API's base URL, without `/v1/embeddings`.
    pub base_url: String,
    pub model: String,
    pub key: Option<Secret>,
    /// Texts per request.
    pub batch: usize,
    /// How long one request for chunks may take.
    pub timeout: Duration,
    /// How long embedding a visitor's question may take.
    pub query_timeout: Duration,
    /// Tries per batch of chunks when the API is busy, failing or unreachable.
    pub attempts: u32,
    /// The pause before the first retry; each later one waits twice as long.
    pub backoff_base: Duration,
    /// The longest `Retry-After` obeyed; longer asks are cut to it.
    pub max_retry_after: Duration,
}

impl EmbeddingSettings {
    /// The settings of `PARLOR_EMBEDDINGS_*`, or `None` when no URL is configured.
    pub fn from_config(config: &Config) -> Option<EmbeddingSettings> {
        let base_url = config.embeddings_url.as_deref().map(str::trim).filter(|url| !url.is_empty())?;
        let timeout = Duration::from_secs(config.embeddings_timeout_secs.max(1));
        Some(EmbeddingSettings {
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: config.embeddings_model.trim().to_owned(),
            key: config.embeddings_key.clone().filter(|key| !key.expose().is_empty()),
            batch: usize::try_from(config.embeddings_batch).unwrap_or(64).max(1),
            timeout,
            query_timeout: timeout.min(Duration::from_secs(5)),
            attempts: 4,
            backoff_base: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
        })
    }
}

/// An OpenAI-compatible `/v1/embeddings` API.
pub struct OpenAiEmbedder {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    settings: EmbeddingSettings,
}

#[derive(Deserialize)]
struct EmbeddingsResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    index: usize,
    embedding: Vec<f32>,
}

impl OpenAiEmbedder {
    /// An embedder whose requests pass the SSRF guard of `policy`.
    pub fn new(settings: EmbeddingSettings, policy: &OutboundPolicy) -> crate::error::Result<OpenAiEmbedder> {
        let endpoint = crate::outbound::parse_url(policy, &format!("{}/v1/embeddings", settings.base_url))
            .map_err(|err| crate::error::Error::Validation(format!("PARLOR_EMBEDDINGS_URL: {err}")))?;
        let client = crate::outbound::builder(policy)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|err| crate::error::Error::Internal(anyhow::Error::new(err).context("embeddings client")))?;
        Ok(OpenAiEmbedder { client, endpoint, settings })
    }

    /// One request for one batch, without retries. The error says whether a retry may help,
    /// and how long the API asked to wait.
    async fn request(&self, texts: &[String], timeout: Duration) -> Result<Vec<Vec<f32>>, Attempt> {
        let mut request = self
            .client
            .post(self.endpoint.clone())
            .timeout(timeout)
            .json(&serde_json::json!({ "model": self.settings.model, "input": texts }));
        if let Some(key) = &self.settings.key {
            request = request.bearer_auth(key.expose());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) if err.is_timeout() && !err.is_connect() => {
                return Err(Attempt::Final(format!("the embeddings API did not answer in time: {err}")));
            }
            Err(err) => return Err(Attempt::Retry(format!("could not reach the embeddings API: {err}"), None)),
        };
        let status = response.status();
        if !status.is_success() {
            let asked = retry_after(response.headers());
            let body = response.text().await.unwrap_or_default();
            let reason =
                format!("the embeddings API answered {status}: {}", body.chars().take(200).collect::<String>());
            let reason = self.redact(reason);
            return Err(if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                Attempt::Retry(reason, asked)
            } else {
                Attempt::Final(reason)
            });
        }
        let body = response.bytes().await.map_err(|err| Attempt::Retry(format!("embeddings body: {err}"), None))?;
        let parsed: EmbeddingsResponse = serde_json::from_slice(&body)
            .map_err(|err| Attempt::Final(format!("the embeddings API sent a malformed answer: {err}")))?;
        order(parsed, texts.len()).map_err(Attempt::Final)
    }

    fn redact(&self, text: String) -> String {
        match &self.settings.key {
            Some(key) if !key.expose().is_empty() => text.replace(key.expose(), "[redacted]"),
            _ => text,
        }
    }
}

/// How one request failed.
enum Attempt {
    /// Busy, failing or unreachable: trying again may help (after the asked pause, if any).
    Retry(String, Option<Duration>),
    /// Refused or malformed: trying again would fail the same way.
    Final(String),
}

/// The vectors of a response in the order of the inputs, checked: one per input, each index
/// once, all of one non-zero length, every number finite.
fn order(response: EmbeddingsResponse, count: usize) -> Result<Vec<Vec<f32>>, String> {
    if response.data.len() != count {
        return Err(format!("the embeddings API returned {} vectors for {count} texts", response.data.len()));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; count];
    for item in response.data {
        let slot = slots.get_mut(item.index).ok_or("the embeddings API returned an index out of range")?;
        if slot.replace(item.embedding).is_some() {
            return Err("the embeddings API returned an index twice".into());
        }
    }
    let vectors: Vec<Vec<f32>> = slots.into_iter().map(Option::unwrap_or_default).collect();
    let dims = vectors.first().map_or(0, Vec::len);
    if dims == 0 || vectors.iter().any(|v| v.len() != dims) {
        return Err("the embeddings API returned empty vectors or vectors of different lengths".into());
    }
    if vectors.iter().flatten().any(|x| !x.is_finite()) {
        return Err("the embeddings API returned a number that is not finite".into());
    }
    Ok(vectors)
}

/// The pause an API asked for: `retry-after-ms`, else `Retry-After` in seconds.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number = |name: &str| -> Option<f64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    number("retry-after-ms")
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
        .or_else(|| number("retry-after").and_then(|s| Duration::try_from_secs_f64(s).ok()))
}

#[async_trait::async_trait]
impl Embedder for OpenAiEmbedder {
    fn model(&self) -> &str {
        &self.settings.model
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.settings.batch) {
            let mut attempt = 1;
            loop {
                match self.request(batch, self.settings.timeout).await {
                    Ok(vectors) => {
                        out.extend(vectors);
                        break;
                    }
                    Err(Attempt::Final(reason)) => return Err(EmbedError(reason)),
                    Err(Attempt::Retry(reason, asked)) => {
                        if attempt >= self.settings.attempts {
                            return Err(EmbedError(format!("{reason} (after {attempt} attempts)")));
                        }
                        let delay = asked.map_or_else(
                            || {
                                let exponential = self.settings.backoff_base.saturating_mul(1 << (attempt - 1).min(10));
                                exponential.mul_f64(rand::random_range(0.5..=1.0))
                            },
                            |asked| asked.min(self.settings.max_retry_after),
                        );
                        tracing::warn!(attempt, delay_ms = delay.as_millis(), reason = %reason, "retrying an embeddings request");
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                }
            }
        }
        Ok(out)
    }

    async fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let texts = [text.to_owned()];
        match self.request(&texts, self.settings.query_timeout).await {
            Ok(mut vectors) => vectors.pop().ok_or_else(|| EmbedError("no vector".into())),
            Err(Attempt::Final(reason) | Attempt::Retry(reason, _)) => Err(EmbedError(reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(items: &[(usize, &[f32])]) -> EmbeddingsResponse {
        EmbeddingsResponse {
            data: items.iter().map(|(index, v)| EmbeddingItem { index: *index, embedding: v.to_vec() }).collect(),
        }
    }

    #[test]
    fn vectors_are_put_in_the_order_of_their_indexes() {
        let vectors = order(response(&[(1, &[2.0, 0.0]), (0, &[1.0, 0.0])]), 2).unwrap();
        assert_eq!(vectors, vec![vec![1.0, 0.0], vec![2.0, 0.0]]);
    }

    #[test]
    fn malformed_answers_are_refused() {
        assert!(order(response(&[(0, &[1.0])]), 2).is_err(), "too few");
        assert!(order(response(&[(0, &[1.0]), (0, &[1.0])]), 2).is_err(), "an index twice");
        assert!(order(response(&[(0, &[1.0]), (5, &[1.0])]), 2).is_err(), "out of range");
        assert!(order(response(&[(0, &[1.0]), (1, &[1.0, 2.0])]), 2).is_err(), "lengths differ");
        assert!(order(response(&[(0, &[])]), 1).is_err(), "empty");
        assert!(order(response(&[(0, &[f32::NAN])]), 1).is_err(), "not finite");
    }

    #[test]
    fn no_url_means_no_embeddings() {
        let mut config = Config::with_data_dir("/tmp/x".into());
        assert!(EmbeddingSettings::from_config(&config).is_none());
        config.embeddings_url = Some("http://127.0.0.1:9/".into());
        let settings = EmbeddingSettings::from_config(&config).unwrap();
        assert_eq!(settings.base_url, "http://127.0.0.1:9");
        assert!(format!("{settings:?}").contains("text-embedding-3-small"));
    }
}
