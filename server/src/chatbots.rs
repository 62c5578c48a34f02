//! Chatbots: what a workspace builds and visitors talk to.

use crate::db::{Db, Listing, NumberedPage, Page, PageNumber, newest_first, newest_first_numbered};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms};

/// The welcome message of a chatbot that was created without one.
pub const DEFAULT_WELCOME: &str = "Hi! How can I help you today?";

/// A chatbot as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Chatbot {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub website: Option<String>,
    pub welcome_message: String,
    /// [`Settings`] as JSON; read them with [`Chatbot::settings`].
    pub settings: String,
    /// The model provider's API key, sealed (`secrets.rs`); never shown.
    pub provider_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Chatbot {
    /// The chatbot's settings; a row written by an older version gets the defaults it lacks.
    pub fn settings(&self) -> Settings {
        serde_json::from_str(&self.settings).unwrap_or_default()
    }
}

/// The widget's colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    Light,
    Dark,
    Auto,
}

/// The corner the widget's launcher sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    #[default]
    Right,
    Left,
}

/// When the widget asks visitors for their contact details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadCapture {
    #[default]
    Off,
    /// When the chatbot cannot answer or the visitor asks for a person.
    WhenNeeded,
    /// Before the first message.
    BeforeChat,
}

/// Which model answers: the built-in responder (no key, no network) or an HTTP provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    #[default]
    Builtin,
    /// Any OpenAI-compatible `/v1/chat/completions` (OpenAI, Ollama, vLLM, llama.cpp, OpenRouter).
    Openai,
    Anthropic,
}

/// What the model may answer from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerPolicy {
    /// Only from the chatbot's knowledge; otherwise it says it does not know.
    #[default]
    KnowledgeOnly,
    /// From its knowledge first, and from the model's general knowledge too.
    General,
}

/// A chatbot's settings, stored as one JSON column so that new settings need no migration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Instructions for the model: the chatbot's personality and rules (the system prompt).
    pub personality: Option<String>,
    pub starter_questions: Vec<String>,
    /// The chatbot's language, such as `en` or `pt-BR`.
    pub language: String,
    pub theme: Theme,
    /// `#rgb` or `#rrggbb`.
    pub accent_color: Option<String>,
    pub position: Position,
    /// The widget's title; the chatbot's name when unset.
    pub title: Option<String>,
    /// An https URL of the avatar image.
    pub avatar_url: Option<String>,
    /// Origins whose pages may embed the widget; empty allows every origin.
    pub allowed_origins: Vec<String>,
    pub lead_capture: LeadCapture,
    pub answer_policy: AnswerPolicy,
    pub temperature: f64,
    pub max_tokens: u32,
    pub provider: Provider,
    /// The provider's base URL without `/v1`; the provider's own API when unset.
    pub provider_base_url: Option<String>,
    /// The provider's model name, such as `gpt-4o-mini` or `llama3.1`.
    pub provider_model: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            personality: None,
            starter_questions: Vec::new(),
            language: "en".to_owned(),
            theme: Theme::Light,
            accent_color: None,
            position: Position::Right,
            title: None,
            avatar_url: None,
            allowed_origins: Vec::new(),
            lead_capture: LeadCapture::Off,
            answer_policy: AnswerPolicy::KnowledgeOnly,
            temperature: 0.3,
            max_tokens: 800,
            provider: Provider::Builtin,
            provider_base_url: None,
            provider_model: None,
        }
    }
}

/// Changes to a chatbot; `None` leaves a field as it is, and an empty string clears an optional
/// text field.
#[derive(Debug, Clone, Default)]
pub struct ChatbotPatch {
    pub name: Option<String>,
    pub website: Option<String>,
    pub welcome_message: Option<String>,
    pub personality: Option<String>,
    pub starter_questions: Option<Vec<String>>,
    pub language: Option<String>,
    pub theme: Option<Theme>,
    pub accent_color: Option<String>,
    pub position: Option<Position>,
    pub title: Option<String>,
    pub avatar_url: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub lead_capture: Option<LeadCapture>,
    pub answer_policy: Option<AnswerPolicy>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub provider: Option<Provider>,
    /// An http(s) base URL; the caller checks it against the outbound guard.
    pub provider_base_url: Option<String>,
    pub provider_model: Option<String>,
}

fn optional_text(value: &str, field: &str, max_chars: usize) -> Result<Option<String>> {
    let value = value.trim();
    if value.chars().count() > max_chars {
        return Err(Error::Validation(format!("{field} must be at most {max_chars} characters")));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

fn is_colour(text: &str) -> bool {
    text.strip_prefix('#').is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

impl ChatbotPatch {
    /// Applies the patch to a chatbot, checking every changed field.
    pub fn apply(self, chatbot: &mut Chatbot) -> Result<()> {
        let mut settings = chatbot.settings();
        if self.name.is_some() || self.website.is_some() || self.welcome_message.is_some() {
            let checked = NewChatbot::parse(
                self.name.as_deref().unwrap_or(&chatbot.name),
                Some(self.website.as_deref().unwrap_or(chatbot.website.as_deref().unwrap_or(""))),
                Some(self.welcome_message.as_deref().unwrap_or(&chatbot.welcome_message)),
            )?;
            chatbot.name = checked.name;
            chatbot.website = checked.website;
            chatbot.welcome_message = checked.welcome_message.unwrap_or_else(|| DEFAULT_WELCOME.to_owned());
        }
        if let Some(text) = self.personality {
            settings.personality = optional_text(&text, "personality", 4000)?;
        }
        if let Some(questions) = self.starter_questions {
            if questions.len() > 6 {
                return Err(Error::Validation("at most 6 starter questions".into()));
            }
            settings.starter_questions = questions
                .iter()
                .map(|q| optional_text(q, "a starter question", 200))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect();
        }
        if let Some(language) = self.language {
            settings.language = language_tag(&language)?;
        }
        if let Some(theme) = self.theme {
            settings.theme = theme;
        }
        if let Some(colour) = self.accent_color {
            let colour = colour.trim();
            if !colour.is_empty() && !is_colour(colour) {
                return Err(Error::Validation("accent_color must be #rgb or #rrggbb".into()));
            }
            settings.accent_color = (!colour.is_empty()).then(|| colour.to_ascii_lowercase());
        }
        if let Some(position) = self.position {
            settings.position = position;
        }
        if let Some(title) = self.title {
            settings.title = optional_text(&title, "title", 100)?;
        }
        if let Some(url) = self.avatar_url {
            let url = url.trim();
            let acceptable = url.starts_with("https://") && url.len() <= 2048 && !url.contains(char::is_whitespace);
            if !url.is_empty() && !acceptable {
                return Err(Error::Validation("avatar_url must be an https:// URL".into()));
            }
            settings.avatar_url = (!url.is_empty()).then(|| url.to_owned());
        }
        if let Some(origins) = self.allowed_origins {
            if origins.len() > 50 {
                return Err(Error::Validation("at most 50 allowed origins".into()));
            }
            settings.allowed_origins = origins
                .iter()
                .map(|o| crate::keys::AllowedOrigin::parse(o).map(|o| o.as_str().to_owned()))
                .collect::<Result<Vec<_>>>()?;
        }
        if let Some(mode) = self.lead_capture {
            settings.lead_capture = mode;
        }
        if let Some(policy) = self.answer_policy {
            settings.answer_policy = policy;
        }
        if let Some(temperature) = self.temperature {
            if !(0.0..=2.0).contains(&temperature) {
                return Err(Error::Validation("temperature must be between 0 and 2".into()));
            }
            settings.temperature = temperature;
        }
        if let Some(max_tokens) = self.max_tokens {
            if !(1..=8192).contains(&max_tokens) {
                return Err(Error::Validation("max_tokens must be between 1 and 8192".into()));
            }
            settings.max_tokens = max_tokens;
        }
        if let Some(provider) = self.provider {
            settings.provider = provider;
        }
        if let Some(url) = self.provider_base_url {
            let url = url.trim().trim_end_matches('/');
            let acceptable = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 2048
                && !url.contains(char::is_whitespace);
            if !url.is_empty() && !acceptable {
                return Err(Error::Validation("provider_base_url must be an http:// or https:// URL".into()));
            }
            settings.provider_base_url = (!url.is_empty()).then(|| url.to_owned());
        }
        if let Some(model) = self.provider_model {
            settings.provider_model = optional_text(&model, "provider_model", 200)?;
        }
        if settings.provider != Provider::Builtin && settings.provider_model.is_none() {
            return Err(Error::Validation("provider_model is needed for the openai and anthropic providers".into()));
        }
        chatbot.settings = serde_json::to_string(&settings).map_err(|err| Error::Internal(err.into()))?;
        Ok(())
    }
}

impl Settings {
    /// Whether a page of `origin` may embed the chatbot's widget (any origin when none is listed).
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        if self.allowed_origins.is_empty() {
            return true;
        }
        origin.is_some_and(|o| {
            let o = o.trim_end_matches('/').to_ascii_lowercase();
            self.allowed_origins.contains(&o)
        })
    }
}

/// A validated request to create a chatbot.
#[derive(Debug, Clone)]
pub struct NewChatbot {
    pub name: String,
    pub website: Option<String>,
    pub welcome_message: Option<String>,
}

impl NewChatbot {
    /// Checks and normalises the fields: a name of 1 to 100 characters, an optional http(s)
    /// website and a welcome message of at most 1,000 characters.
    pub fn parse(name: &str, website: Option<&str>, welcome: Option<&str>) -> Result<NewChatbot> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Validation("name must not be empty".into()));
        }
        if name.chars().count() > 100 {
            return Err(Error::Validation("name must be at most 100 characters".into()));
        }
        let website = match website.map(str::trim).filter(|w| !w.is_empty()) {
            None => None,
            Some(w)
                if (w.starts_with("https://") || w.starts_with("http://"))
                    && w.len() <= 2048
                    && !w.contains(char::is_whitespace) =>
            {
                Some(w.to_owned())
            }
            Some(_) => return Err(Error::Validation("website must be an http:// or https:// URL".into())),
        };
        let welcome_message = match welcome.map(str::trim) {
            Some(w) if w.chars().count() > 1000 => {
                return Err(Error::Validation("welcome_message must be at most 1000 characters".into()));
            }
            Some(w) if !w.is_empty() => Some(w.to_owned()),
            _ => None,
        };
        Ok(NewChatbot { name: name.to_owned(), website, welcome_message })
    }
}

const COLUMNS: &str =
    "id, workspace_id, name, website, welcome_message, settings, provider_key, created_at, updated_at";

/// Creates a chatbot in a workspace.
pub async fn create_chatbot(db: &Db, workspace_id: &str, new: NewChatbot) -> Result<Chatbot> {
    create_chatbot_with_id(db, &new_id("bot"), workspace_id, new).await
}

/// Creates a chatbot with a chosen id (the demo uses a fixed one).
pub async fn create_chatbot_with_id(db: &Db, id: &str, workspace_id: &str, new: NewChatbot) -> Result<Chatbot> {
    let now = now_ms();
    let chatbot = Chatbot {
        id: id.to_owned(),
        workspace_id: workspace_id.to_owned(),
        name: new.name,
        website: new.website,
        welcome_message: new.welcome_message.unwrap_or_else(|| DEFAULT_WELCOME.to_owned()),
        settings: "{}".to_owned(),
        provider_key: None,
        created_at: now,
        updated_at: now,
    };
    db.execute(
        sqlx::query(
            "INSERT INTO chatbots (id, workspace_id, name, website, welcome_message, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&chatbot.id)
        .bind(&chatbot.workspace_id)
        .bind(&chatbot.name)
        .bind(&chatbot.website)
        .bind(&chatbot.welcome_message)
        .bind(chatbot.created_at)
        .bind(chatbot.updated_at),
    )
    .await?;
    Ok(chatbot)
}

/// A page of chatbots, newest first.
pub type ChatbotPage = Page<Chatbot>;

/// Lists a workspace's chatbots, newest first, `limit` at a time, continuing after the chatbot
/// whose id is `after` (the previous page's cursor).
pub async fn list_chatbots(db: &Db, workspace_id: &str, limit: u32, after: Option<&str>) -> Result<ChatbotPage> {
    let select = format!("SELECT {COLUMNS} FROM chatbots WHERE workspace_id = $1");
    newest_first(db, listing(&select), workspace_id, limit, after, |c: &Chatbot| &c.id).await
}

/// Lists a workspace's chatbots, newest first, by numbered page, with how many it has.
pub async fn list_chatbots_numbered(db: &Db, workspace_id: &str, at: PageNumber) -> Result<NumberedPage<Chatbot>> {
    let select = format!("SELECT {COLUMNS} FROM chatbots WHERE workspace_id = $1");
    newest_first_numbered(db, listing(&select), workspace_id, at).await
}

/// Where the lists of a workspace's chatbots read from.
fn listing(select: &str) -> Listing<'_> {
    Listing { select, table: "chatbots", scope_column: "workspace_id", prefix: "", what: "a chatbot of this workspace" }
}

/// A chatbot of a workspace; `NotFound` when it does not exist or belongs to another.
pub async fn get_chatbot(db: &Db, workspace_id: &str, id: &str) -> Result<Chatbot> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM chatbots WHERE id = $1 AND workspace_id = $2"))
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound("chatbot"))
}

/// A chatbot by id alone, for the public widget endpoints, which know no workspace.
pub async fn get_public_chatbot(db: &Db, id: &str) -> Result<Chatbot> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM chatbots WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound("chatbot"))
}

/// Stores a chatbot's changed fields.
pub async fn update_chatbot(db: &Db, chatbot: &mut Chatbot) -> Result<()> {
    chatbot.updated_at = now_ms().max(chatbot.updated_at);
    db.execute(
        sqlx::query(
            "UPDATE chatbots SET name = $1, website = $2, welcome_message = $3, settings = $4, updated_at = $5
         WHERE id = $6 AND workspace_id = $7",
        )
        .bind(&chatbot.name)
        .bind(&chatbot.website)
        .bind(&chatbot.welcome_message)
        .bind(&chatbot.settings)
        .bind(chatbot.updated_at)
        .bind(&chatbot.id)
        .bind(&chatbot.workspace_id),
    )
    .await?;
    Ok(())
}

/// Stores (or with `None` removes) a chatbot's sealed provider key.
pub async fn set_provider_key(db: &Db, chatbot: &mut Chatbot, sealed: Option<String>) -> Result<()> {
    db.execute(
        sqlx::query("UPDATE chatbots SET provider_key = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(&sealed)
            .bind(&chatbot.id)
            .bind(&chatbot.workspace_id),
    )
    .await?;
    chatbot.provider_key = sealed;
    Ok(())
}

/// Deletes a chatbot and, through the schema's cascades, all of its data: conversations,
/// messages and knowledge. Usage records stay, as billing history.
pub async fn delete_chatbot(db: &Db, workspace_id: &str, id: &str) -> Result<()> {
    let deleted = db
        .execute(sqlx::query("DELETE FROM chatbots WHERE id = $1 AND workspace_id = $2").bind(id).bind(workspace_id))
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(Error::NotFound("chatbot"));
    }
    Ok(())
}

/// A language tag such as `en` or `pt-BR`, checked for its shape (2 to 12 letters, digits and
/// hyphens, starting with a letter); `pt_BR` is read as `pt-BR`.
pub fn language_tag(raw: &str) -> Result<String> {
    let tag = raw.trim().replace('_', "-");
    let valid = (2..=12).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !valid {
        return Err(Error::Validation("language must be a language tag such as en or pt-BR".into()));
    }
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_must_not_be_empty() {
        assert_eq!(NewChatbot::parse("  My Chatbot ", None, None).unwrap().name, "My Chatbot");
        assert!(NewChatbot::parse("   ", None, None).is_err());
        assert!(NewChatbot::parse(&"x".repeat(101), None, None).is_err());
    }

    fn chatbot() -> Chatbot {
        Chatbot {
            id: "bot".into(),
            workspace_id: "ws".into(),
            name: "Bot".into(),
            website: None,
            welcome_message: DEFAULT_WELCOME.into(),
            settings: "{}".into(),
            provider_key: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_checks_it() {
        let mut bot = chatbot();
        let patch = ChatbotPatch {
            personality: Some("Be brief.".into()),
            accent_color: Some("#FF8800".into()),
            theme: Some(Theme::Dark),
            starter_questions: Some(vec!["Hours?".into(), "  ".into()]),
            ..ChatbotPatch::default()
        };
        patch.apply(&mut bot).unwrap();
        let settings = bot.settings();
        assert_eq!(settings.personality.as_deref(), Some("Be brief."));
        assert_eq!(settings.accent_color.as_deref(), Some("#ff8800"));
        assert_eq!(settings.theme, Theme::Dark);
        assert_eq!(settings.starter_questions, vec!["Hours?".to_owned()]);
        assert_eq!(bot.name, "Bot");
        assert_eq!(settings.max_tokens, 800);

        for bad in [
            ChatbotPatch { accent_color: Some("red; background:url(x)".into()), ..ChatbotPatch::default() },
            ChatbotPatch { temperature: Some(3.0), ..ChatbotPatch::default() },
            ChatbotPatch { max_tokens: Some(0), ..ChatbotPatch::default() },
            ChatbotPatch { avatar_url: Some("javascript:alert(1)".into()), ..ChatbotPatch::default() },
            ChatbotPatch { language: Some("en_US!".into()), ..ChatbotPatch::default() },
            ChatbotPatch { allowed_origins: Some(vec!["example.com".into()]), ..ChatbotPatch::default() },
            ChatbotPatch { name: Some(" ".into()), ..ChatbotPatch::default() },
        ] {
            assert!(bad.apply(&mut chatbot()).is_err());
        }
    }

    #[test]
    fn allowed_origins_restrict_the_widget_only_when_listed() {
        let mut settings = Settings::default();
        assert!(settings.allows_origin(Some("https://any.example")));
        settings.allowed_origins = vec!["https://shop.example.com".into()];
        assert!(settings.allows_origin(Some("https://SHOP.example.com")));
        assert!(!settings.allows_origin(Some("https://evil.example")));
        assert!(!settings.allows_origin(None));
    }

    #[test]
    fn websites_must_be_http_urls() {
        assert!(NewChatbot::parse("a", Some("https://example.com"), None).is_ok());
        assert!(NewChatbot::parse("a", Some("javascript:alert(1)"), None).is_err());
        assert_eq!(NewChatbot::parse("a", Some(""), None).unwrap().website, None);
    }
}
