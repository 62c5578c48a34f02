//! Chatbots: what a workspace builds and visitors talk to.

use crate::db::Db;
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
    pub created_at: i64,
    pub updated_at: i64,
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

const COLUMNS: &str = "id, workspace_id, name, website, welcome_message, created_at, updated_at";

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
        created_at: now,
        updated_at: now,
    };
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
    .bind(chatbot.updated_at)
    .execute(db.pool())
    .await?;
    Ok(chatbot)
}

/// A page of chatbots, newest first.
#[derive(Debug, Clone)]
pub struct ChatbotPage {
    pub items: Vec<Chatbot>,
    pub next_cursor: Option<String>,
}

/// Lists a workspace's chatbots, newest first, `limit` at a time, continuing after the chatbot
/// whose id is `after` (the previous page's cursor).
pub async fn list_chatbots(db: &Db, workspace_id: &str, limit: u32, after: Option<&str>) -> Result<ChatbotPage> {
    let limit = limit.clamp(1, 100);
    let fetch = i64::from(limit) + 1;
    let mut items: Vec<Chatbot> = match after {
        None => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM chatbots WHERE workspace_id = $1
                 ORDER BY created_at DESC, id DESC LIMIT $2"
            ))
            .bind(workspace_id)
            .bind(fetch)
            .fetch_all(db.pool())
            .await?
        }
        Some(cursor) => {
            let anchor = get_chatbot(db, workspace_id, cursor)
                .await
                .map_err(|_| Error::Validation("cursor does not name a chatbot of this workspace".into()))?;
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM chatbots WHERE workspace_id = $1
                   AND (created_at < $2 OR (created_at = $2 AND id < $3))
                 ORDER BY created_at DESC, id DESC LIMIT $4"
            ))
            .bind(workspace_id)
            .bind(anchor.created_at)
            .bind(&anchor.id)
            .bind(fetch)
            .fetch_all(db.pool())
            .await?
        }
    };
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|c| c.id.clone())
    } else {
        None
    };
    Ok(ChatbotPage { items, next_cursor })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_must_not_be_empty() {
        assert_eq!(NewChatbot::parse("  My Chatbot ", None, None).unwrap().name, "My Chatbot");
        assert!(NewChatbot::parse("   ", None, None).is_err());
        assert!(NewChatbot::parse(&"x".repeat(101), None, None).is_err());
    }

    #[test]
    fn websites_must_be_http_urls() {
        assert!(NewChatbot::parse("a", Some("https://example.com"), None).is_ok());
        assert!(NewChatbot::parse("a", Some("javascript:alert(1)"), None).is_err());
        assert_eq!(NewChatbot::parse("a", Some(""), None).unwrap().website, None);
    }
}
