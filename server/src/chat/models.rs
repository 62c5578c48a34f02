//! Which model answers a chatbot: the default model (the built-in responder unless an embedder
//! chose another) or the HTTP provider its settings name, with its sealed key opened only
//! here. Providers are built once per chatbot configuration and reused, so their connection
//! pools are too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::stream::BoxStream;

use super::anthropic::{Anthropic, AnthropicConfig};
use super::openai::{self, OpenAiCompatible, OpenAiConfig};
use super::{ChatModel, ModelError, ModelEvent, ModelRequest};
use crate::chatbots::{Chatbot, Provider};
use crate::config::Secret;
use crate::outbound::OutboundPolicy;
use crate::secrets::SecretBox;

/// The context a provider key is sealed under: its chatbot.
pub fn key_context(chatbot_id: &str) -> String {
    format!("provider-key:{chatbot_id}")
}

/// Built providers by chatbot id, with the configuration each was built from.
type Built = HashMap<String, (String, Arc<dyn ChatModel>)>;

/// Chooses and builds the model of each chatbot. Cheap to clone.
#[derive(Clone)]
pub struct Models {
    default: Arc<dyn ChatModel>,
    secrets: SecretBox,
    policy: OutboundPolicy,
    built: Arc<Mutex<Built>>,
}

impl Models {
    pub fn new(default: Arc<dyn ChatModel>, secrets: SecretBox, policy: OutboundPolicy) -> Models {
        Models { default, secrets, policy, built: Arc::default() }
    }

    /// Every chatbot answered by `model` (tests and embedders that bring their own model).
    pub fn only(model: Arc<dyn ChatModel>) -> Models {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
        Models::new(model, SecretBox::from_key(&key), OutboundPolicy::default())
    }

    /// Checks a provider base URL that a user gives against the outbound guard.
    pub async fn check_base_url(&self, text: &str) -> crate::error::Result<()> {
        crate::outbound::check_user_url(&self.policy, text).await.map(drop)
    }

    /// Seals a provider key for a chatbot.
    pub fn seal_key(&self, chatbot_id: &str, key: &str) -> String {
        self.secrets.seal(&key_context(chatbot_id), key)
    }

    /// The model that answers `chatbot`. A provider that cannot be built (a key sealed with
    /// another instance key, say) answers with its error, so the visitor sees a failed answer
    /// and the owner a stored reason, never a crash.
    pub fn for_chatbot(&self, chatbot: &Chatbot) -> Arc<dyn ChatModel> {
        let settings = chatbot.settings();
        if settings.provider == Provider::Builtin {
            return self.default.clone();
        }
        let fingerprint = format!("{}\u{1f}{}", chatbot.settings, chatbot.provider_key.as_deref().unwrap_or(""));
        if let Ok(built) = self.built.lock()
            && let Some((seen, model)) = built.get(&chatbot.id)
            && *seen == fingerprint
        {
            return model.clone();
        }
        let model: Arc<dyn ChatModel> = match self.build(chatbot) {
            Ok(model) => model,
            Err(err) => return Arc::new(Unavailable(err.0)),
        };
        if let Ok(mut built) = self.built.lock() {
            built.insert(chatbot.id.clone(), (fingerprint, model.clone()));
        }
        model
    }

    fn build(&self, chatbot: &Chatbot) -> Result<Arc<dyn ChatModel>, ModelError> {
        let settings = chatbot.settings();
        let key = match &chatbot.provider_key {
            Some(sealed) => Some(Secret::new(
                self.secrets
                    .open(&key_context(&chatbot.id), sealed)
                    .map_err(|_| ModelError("the provider key cannot be decrypted; set it again".into()))?,
            )),
            None => None,
        };
        let model = settings.provider_model.clone().unwrap_or_default();
        let temperature = Some(settings.temperature as f32);
        match settings.provider {
            Provider::Builtin => Ok(self.default.clone()),
            Provider::Openai => {
                let mut config = OpenAiConfig::new(
                    settings.provider_base_url.clone().unwrap_or_else(|| openai::DEFAULT_BASE_URL.to_owned()),
                    model,
                );
                config.api_key = key;
                config.temperature = temperature;
                config.max_tokens = Some(settings.max_tokens);
                config.http.guard = Some(self.policy.clone());
                Ok(Arc::new(OpenAiCompatible::new(config)?))
            }
            Provider::Anthropic => {
                let key = key.ok_or_else(|| ModelError("the anthropic provider needs an API key".into()))?;
                let mut config = AnthropicConfig::new(model, key);
                if let Some(base) = &settings.provider_base_url {
                    config.base_url.clone_from(base);
                }
                config.temperature = temperature;
                config.max_tokens = settings.max_tokens;
                config.http.guard = Some(self.policy.clone());
                Ok(Arc::new(Anthropic::new(config)?))
            }
        }
    }
}

/// A provider that could not be built: every answer fails with the reason.
struct Unavailable(String);

#[async_trait::async_trait]
impl ChatModel for Unavailable {
    fn name(&self) -> &'static str {
        "unavailable"
    }

    async fn reply(
        &self,
        _request: ModelRequest,
    ) -> Result<BoxStream<'static, Result<ModelEvent, ModelError>>, ModelError> {
        Err(ModelError(self.0.clone()))
    }
}
