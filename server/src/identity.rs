//! Identity verification for the widget: a host page that knows who its visitor is tells the
//! widget (`Parlor.identify({id, name, email, hash})`), and `hash`, the HMAC-SHA256 of the id
//! under the chatbot's identity secret, proves that the page's own server said so. The secret
//! is made here, shown to the owner once and stored sealed (`secrets.rs`); a conversation keeps
//! the identity and whether it was verified.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::conversations::Conversation;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::now_ms;
use crate::leads::Email;
use crate::secrets::SecretBox;

/// The error code of an identity whose hash does not match.
pub const IDENTITY_NOT_VERIFIED: &str = "IDENTITY_NOT_VERIFIED";

/// The prefix of identity secrets, so that one pasted in the wrong place is recognisable.
const SECRET_PREFIX: &str = "pis_";

/// What the secret is sealed against, so a sealed secret copied to another chatbot does not open.
fn context(chatbot_id: &str) -> String {
    format!("identity-secret:{chatbot_id}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who a host page says its visitor is, checked for shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Identity {
    /// An id of 1 to 200 characters without control characters, an optional name of at most
    /// 200 characters and an optional valid email.
    pub fn parse(user_id: &str, name: Option<&str>, email: Option<&str>) -> Result<Identity> {
        let user_id = user_id.trim();
        if user_id.is_empty() || user_id.chars().count() > 200 || user_id.chars().any(char::is_control) {
            return Err(Error::Validation("id must be 1 to 200 characters without control characters".into()));
        }
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > 200) {
            return Err(Error::Validation("name must be at most 200 characters".into()));
        }
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            Some(email) => Some(Email::parse(email)?.as_str().to_owned()),
            None => None,
        };
        Ok(Identity { user_id: user_id.to_owned(), name: name.map(str::to_owned), email })
    }
}

/// The hash a host page's server computes for `user_id`: lowercase hex of
/// HMAC-SHA256(key = the secret's text, message = the id).
pub fn expected_hash(secret: &str, user_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(user_id.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Whether `hash` (hex, either case) is the HMAC of `user_id` under `secret`, compared in
/// constant time.
pub fn hash_matches(secret: &str, user_id: &str, hash: &str) -> bool {
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let given: Vec<u8> =
        (0..32).filter_map(|i| u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).ok()).collect::<Vec<u8>>();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(user_id.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Makes a new identity secret for a chatbot and stores it sealed, replacing any earlier one
/// (which stops verifying at once). Returns the plain secret, which is never shown again.
pub async fn rotate_secret(db: &Db, secrets: &SecretBox, workspace_id: &str, chatbot_id: &str) -> Result<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{SECRET_PREFIX}{}", hex(&bytes));
    let stored = db
        .execute(
            sqlx::query(
                "UPDATE chatbots SET identity_secret = $1, updated_at = $2 WHERE id = $3 AND workspace_id = $4",
            )
            .bind(secrets.seal(&context(chatbot_id), &secret))
            .bind(now_ms())
            .bind(chatbot_id)
            .bind(workspace_id),
        )
        .await?
        .rows_affected();
    if stored == 0 {
        return Err(Error::NotFound("chatbot"));
    }
    Ok(secret)
}

/// Removes a chatbot's identity secret: hashes are then refused until a new one is made.
pub async fn remove_secret(db: &Db, workspace_id: &str, chatbot_id: &str) -> Result<()> {
    let removed = db
        .execute(
            sqlx::query("UPDATE chatbots SET identity_secret = NULL WHERE id = $1 AND workspace_id = $2")
                .bind(chatbot_id)
                .bind(workspace_id),
        )
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(Error::NotFound("chatbot"));
    }
    Ok(())
}

/// Checks an identity's hash for a chatbot. Without a hash the identity is taken as the page
/// gave it, unverified (`Ok(false)`); with one it must match the chatbot's secret (`Ok(true)`),
/// and a wrong hash, or a hash for a chatbot without a secret, is refused.
pub async fn verify(
    db: &Db,
    secrets: &SecretBox,
    chatbot_id: &str,
    identity: &Identity,
    hash: Option<&str>,
) -> Result<bool> {
    let Some(hash) = hash.map(str::trim).filter(|h| !h.is_empty()) else { return Ok(false) };
    let sealed: Option<String> = sqlx::query_scalar("SELECT identity_secret FROM chatbots WHERE id = $1")
        .bind(chatbot_id)
        .fetch_optional(db.pool())
        .await?
        .flatten();
    let Some(sealed) = sealed else {
        return Err(Error::forbidden(
            IDENTITY_NOT_VERIFIED,
            "this chatbot has no identity secret, so a hash cannot be checked: create one with POST /api/v2/chatbots/{id}/identity-secret, or identify without a hash",
        ));
    };
    let secret = secrets.open(&context(chatbot_id), &sealed)?;
    if hash_matches(&secret, &identity.user_id, hash) {
        Ok(true)
    } else {
        Err(Error::forbidden(
            IDENTITY_NOT_VERIFIED,
            "the identity hash does not match: it must be the hex HMAC-SHA256 of the id under the chatbot's identity secret",
        ))
    }
}

/// Records who the visitor of a conversation is. A verified identity is never replaced by an
/// unverified one, so a script on the page cannot overwrite what the page's server proved.
pub async fn attach(db: &Db, conversation: &Conversation, identity: &Identity, verified: bool) -> Result<()> {
    attach_to_conversation(db, conversation, identity, verified).await
}

/// Makes a verified identity with an email the workspace's contact (`leads::identify_contact`),
/// so the owner knows the person across conversations. An unverified one makes no contact: anyone
/// could claim any email. Returns whether a contact was written (its webhook event is waiting).
pub async fn attach_contact(db: &Db, workspace_id: &str, identity: &Identity, verified: bool) -> Result<bool> {
    let Some(email) = identity.email.as_deref().filter(|_| verified) else { return Ok(false) };
    crate::leads::identify_contact(db, workspace_id, email, identity.name.as_deref(), &identity.user_id).await?;
    Ok(true)
}

async fn attach_to_conversation(
    db: &Db,
    conversation: &Conversation,
    identity: &Identity,
    verified: bool,
) -> Result<()> {
    db.execute(
        sqlx::query(
            "UPDATE conversations SET user_id = $1, user_name = $2, user_email = $3, user_verified = $4
         WHERE id = $5 AND (user_verified = 0 OR $4 = 1)",
        )
        .bind(&identity.user_id)
        .bind(&identity.name)
        .bind(&identity.email)
        .bind(i64::from(verified))
        .bind(&conversation.id),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_only_its_own_id_and_secret() {
        let hash = expected_hash("pis_secret", "user-42");
        assert_eq!(hash.len(), 64);
        assert!(hash_matches("pis_secret", "user-42", &hash));
        assert!(hash_matches("pis_secret", "user-42", &hash.to_uppercase()));
        assert!(!hash_matches("pis_secret", "user-43", &hash));
        assert!(!hash_matches("pis_other", "user-42", &hash));
        assert!(!hash_matches("pis_secret", "user-42", &hash[..63]));
        assert!(!hash_matches("pis_secret", "user-42", "zz"));
    }

    #[test]
    fn identities_need_a_plain_id_and_a_valid_email() {
        let identity = Identity::parse(" u1 ", Some(" Ada "), Some("ada@example.com")).unwrap();
        assert_eq!(identity.user_id, "u1");
        assert_eq!(identity.name.as_deref(), Some("Ada"));
        assert!(Identity::parse("", None, None).is_err());
        assert!(Identity::parse("a\nb", None, None).is_err());
        assert!(Identity::parse("u1", None, Some("not an email")).is_err());
        assert_eq!(Identity::parse("u1", Some(" "), Some("")).unwrap().email, None);
    }
}
