//! Feedback: a visitor's rating of one answer or of a whole conversation, as thumbs up or down,
//! a rating from 1 to 5, or both, with an optional comment. Storing it emits
//! `feedback.created` in the same transaction.

use crate::chatbots::Chatbot;
use crate::db::{Db, Listing, Page, newest_first};
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms, rfc3339};
use crate::webhooks::{self, events};

const MAX_COMMENT: usize = 2000;

/// Thumbs up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thumbs {
    Up,
    Down,
}

impl Thumbs {
    pub fn as_str(self) -> &'static str {
        match self {
            Thumbs::Up => "up",
            Thumbs::Down => "down",
        }
    }
}

/// Feedback as a visitor sent it, checked.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    pub conversation_id: String,
    pub message_id: Option<String>,
    pub thumbs: Option<Thumbs>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
}

impl NewFeedback {
    pub fn parse(
        conversation_id: String,
        message_id: Option<String>,
        thumbs: Option<&str>,
        rating: Option<i64>,
        comment: Option<&str>,
    ) -> Result<NewFeedback> {
        let thumbs = match thumbs {
            None => None,
            Some("up") => Some(Thumbs::Up),
            Some("down") => Some(Thumbs::Down),
            Some(other) => return Err(Error::Validation(format!("thumbs must be \"up\" or \"down\", not {other:?}"))),
        };
        if let Some(rating) = rating
            && !(1..=5).contains(&rating)
        {
            return Err(Error::Validation(format!("rating must be from 1 to 5, not {rating}")));
        }
        if thumbs.is_none() && rating.is_none() {
            return Err(Error::Validation("feedback needs thumbs (\"up\" or \"down\") or a rating (1 to 5)".into()));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if let Some(comment) = comment
            && comment.chars().count() > MAX_COMMENT
        {
            return Err(Error::Validation(format!("comment must be at most {MAX_COMMENT} characters")));
        }
        if conversation_id.trim().is_empty() {
            return Err(Error::Validation("conversation_id is required".into()));
        }
        Ok(NewFeedback {
            conversation_id,
            message_id: message_id.filter(|id| !id.is_empty()),
            thumbs,
            rating,
            comment: comment.map(str::to_owned),
        })
    }
}

/// Stored feedback.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Feedback {
    pub id: String,
    pub chatbot_id: String,
    pub conversation_id: String,
    pub message_id: Option<String>,
    /// `up` or `down`.
    pub thumbs: Option<String>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub created_at: i64,
}

/// A page of feedback, newest first.
pub type FeedbackPage = Page<Feedback>;

const COLUMNS: &str = "id, chatbot_id, conversation_id, message_id, thumbs, rating, comment, created_at";

/// Stores a visitor's feedback on one of `chatbot`'s conversations (and one of its messages)
/// and emits `feedback.created`. The caller signals the webhook dispatcher after it returns.
pub async fn create_feedback(db: &Db, chatbot: &Chatbot, new: NewFeedback) -> Result<Feedback> {
    let mut tx = db.begin().await?;
    let conversations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE id = $1 AND chatbot_id = $2")
        .bind(&new.conversation_id)
        .bind(&chatbot.id)
        .fetch_one(&mut *tx)
        .await?;
    if conversations == 0 {
        return Err(Error::NotFound("conversation"));
    }
    if let Some(message_id) = &new.message_id {
        let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE id = $1 AND conversation_id = $2")
            .bind(message_id)
            .bind(&new.conversation_id)
            .fetch_one(&mut *tx)
            .await?;
        if messages == 0 {
            return Err(Error::NotFound("message"));
        }
    }
    let feedback = Feedback {
        id: new_id("fb"),
        chatbot_id: chatbot.id.clone(),
        conversation_id: new.conversation_id,
        message_id: new.message_id,
        thumbs: new.thumbs.map(|t| t.as_str().to_owned()),
        rating: new.rating,
        comment: new.comment,
        created_at: now_ms(),
    };
    sqlx::query(&format!("INSERT INTO feedback ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(&feedback.id)
        .bind(&feedback.chatbot_id)
        .bind(&feedback.conversation_id)
        .bind(&feedback.message_id)
        .bind(&feedback.thumbs)
        .bind(feedback.rating)
        .bind(&feedback.comment)
        .bind(feedback.created_at)
        .execute(&mut *tx)
        .await?;
    let event = events::FeedbackCreated {
        feedback_id: &feedback.id,
        chatbot_id: &feedback.chatbot_id,
        conversation_id: &feedback.conversation_id,
        message_id: feedback.message_id.as_deref(),
        thumbs: feedback.thumbs.as_deref(),
        rating: feedback.rating,
        comment: feedback.comment.as_deref(),
        created_at: rfc3339(feedback.created_at),
    };
    webhooks::emit(&mut tx, &chatbot.workspace_id, &event).await?;
    tx.commit().await?;
    Ok(feedback)
}

/// A chatbot's feedback, newest first, continuing after the feedback `after`. The caller has
/// checked that the chatbot belongs to its workspace.
pub async fn list_feedback(db: &Db, chatbot_id: &str, limit: u32, after: Option<&str>) -> Result<FeedbackPage> {
    let select = format!("SELECT {COLUMNS} FROM feedback WHERE chatbot_id = $1");
    let listing = Listing {
        select: &select,
        table: "feedback",
        scope_column: "chatbot_id",
        prefix: "",
        what: "feedback of this chatbot",
    };
    newest_first(db, listing, chatbot_id, limit, after, |f: &Feedback| &f.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(thumbs: Option<&str>, rating: Option<i64>, comment: Option<&str>) -> Result<NewFeedback> {
        NewFeedback::parse("conv_1".into(), None, thumbs, rating, comment)
    }

    #[test]
    fn feedback_needs_thumbs_or_a_rating_within_bounds() {
        assert!(parse(None, None, Some("nice")).is_err());
        assert!(parse(Some("sideways"), None, None).is_err());
        assert!(parse(None, Some(0), None).is_err());
        assert!(parse(None, Some(6), None).is_err());
        assert_eq!(parse(Some("down"), None, None).unwrap().thumbs, Some(Thumbs::Down));
        assert_eq!(parse(None, Some(5), Some("  ")).unwrap().comment, None);
        assert!(parse(Some("up"), None, Some(&"x".repeat(2001))).is_err());
    }
}
