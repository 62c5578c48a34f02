//! API keys: generation, parsing, hashing, storage and authentication.
//!
//! A key is `sk_` (secret, for servers) or `pk_` (publishable, for browsers), then 32 random
//! base62 characters (about 190 bits) and a 6-character base62 CRC32 checksum of everything
//! before it, so a secret scanner can tell a real key from a typo without asking the server.
//! Only the SHA-256 of a key is stored: a high-entropy key needs no slow hash, and a leaked
//! database reveals no usable key. The plain key exists once, when it is created.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{base62_fixed, is_base62, new_id, now_ms, random_base62};

const RANDOM_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;

/// Whether a key may be used from servers (secret) or embedded in pages (publishable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Secret,
    Publishable,
}

impl KeyKind {
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Secret => "sk_",
            KeyKind::Publishable => "pk_",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::Publishable => "publishable",
        }
    }
}

/// A permission that a key may hold. Every endpoint names the one it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    ChatbotsRead,
    ChatbotsWrite,
    ChatWrite,
    ConversationsRead,
    ConversationsWrite,
    KnowledgeRead,
    KnowledgeWrite,
    LeadsRead,
    ContactsRead,
    ContactsWrite,
    WebhooksRead,
    WebhooksWrite,
    UsageRead,
    KeysWrite,
}

impl Scope {
    pub const ALL: [Scope; 14] = [
        Scope::ChatbotsRead,
        Scope::ChatbotsWrite,
        Scope::ChatWrite,
        Scope::ConversationsRead,
        Scope::ConversationsWrite,
        Scope::KnowledgeRead,
        Scope::KnowledgeWrite,
        Scope::LeadsRead,
        Scope::ContactsRead,
        Scope::ContactsWrite,
        Scope::WebhooksRead,
        Scope::WebhooksWrite,
        Scope::UsageRead,
        Scope::KeysWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ChatbotsRead => "chatbots:read",
            Scope::ChatbotsWrite => "chatbots:write",
            Scope::ChatWrite => "chat:write",
            Scope::ConversationsRead => "conversations:read",
            Scope::ConversationsWrite => "conversations:write",
            Scope::KnowledgeRead => "knowledge:read",
            Scope::KnowledgeWrite => "knowledge:write",
            Scope::LeadsRead => "leads:read",
            Scope::ContactsRead => "contacts:read",
            Scope::ContactsWrite => "contacts:write",
            Scope::WebhooksRead => "webhooks:read",
            Scope::WebhooksWrite => "webhooks:write",
            Scope::UsageRead => "usage:read",
            Scope::KeysWrite => "keys:write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }
}

/// A plain API key, as shown to its owner exactly once. `Debug` never shows the value.
pub struct PlainKey(String);

impl PlainKey {
    /// Generates a new random key of the given kind.
    pub fn generate(kind: KeyKind) -> PlainKey {
        let body = format!("{}{}", kind.prefix(), random_base62(RANDOM_LEN));
        let checksum = checksum(&body);
        PlainKey(format!("{body}{checksum}"))
    }

    /// Checks the shape and checksum of a presented key; says nothing about whether it exists.
    pub fn parse(text: &str) -> Result<(PlainKey, KeyKind), KeyFormatError> {
        let kind = if text.starts_with(KeyKind::Secret.prefix()) {
            KeyKind::Secret
        } else if text.starts_with(KeyKind::Publishable.prefix()) {
            KeyKind::Publishable
        } else {
            return Err(KeyFormatError::UnknownPrefix);
        };
        let rest = &text[kind.prefix().len()..];
        if rest.len() != RANDOM_LEN + CHECKSUM_LEN || !is_base62(rest) {
            return Err(KeyFormatError::Malformed);
        }
        let (body, sum) = text.split_at(text.len() - CHECKSUM_LEN);
        if checksum(body) != sum {
            return Err(KeyFormatError::BadChecksum);
        }
        Ok((PlainKey(text.to_owned()), kind))
    }

    /// The key itself, to print once or to send in a request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the key in hex, which is what the database stores.
    pub fn hash(&self) -> String {
        hash_key(&self.0)
    }

    /// The last four characters, shown in lists so an owner can tell keys apart.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Debug for PlainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlainKey({}…{})", &self.0[..3], self.last_four())
    }
}

/// Why a presented string is not a well-formed key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("API keys start with sk_ or pk_")]
    UnknownPrefix,
    #[error("the API key has the wrong length or characters")]
    Malformed,
    #[error("the API key's checksum does not match (is it mistyped?)")]
    BadChecksum,
}

fn checksum(body: &str) -> String {
    base62_fixed(u64::from(crc32fast::hash(body.as_bytes())), CHECKSUM_LEN)
}

fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the server knows about an authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub key_id: String,
    pub workspace_id: String,
    pub kind: KeyKind,
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Succeeds when the key holds `scope`; otherwise a `Forbidden` error that names it.
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("this API key lacks the {} scope", scope.as_str())))
        }
    }
}

/// A stored key, as listed (never with its secret).
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub id: String,
    pub name: String,
    pub kind: KeyKind,
    pub last_four: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
}

/// Creates a key in `workspace_id` and returns its record and the plain key (shown once).
pub async fn create_key(
    db: &Db,
    workspace_id: &str,
    name: &str,
    kind: KeyKind,
    scopes: &[Scope],
) -> Result<(KeyRecord, PlainKey)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Validation("a key name must have 1 to 100 characters".into()));
    }
    if scopes.is_empty() {
        return Err(Error::Validation("a key needs at least one scope".into()));
    }
    let plain = PlainKey::generate(kind);
    let record = KeyRecord {
        id: new_id("key"),
        name: name.to_owned(),
        kind,
        last_four: plain.last_four().to_owned(),
        scopes: scopes.to_vec(),
        created_at: now_ms(),
    };
    let scope_text: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    sqlx::query(
        "INSERT INTO api_keys (id, workspace_id, name, kind, prefix, last_four, key_hash, scopes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&record.id)
    .bind(workspace_id)
    .bind(&record.name)
    .bind(kind.as_str())
    .bind(kind.prefix())
    .bind(&record.last_four)
    .bind(plain.hash())
    .bind(scope_text.join(" "))
    .bind(record.created_at)
    .execute(db.pool())
    .await?;
    Ok((record, plain))
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    workspace_id: String,
    kind: String,
    scopes: String,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

/// Resolves a presented key to its principal, or `Unauthorized` with a reason a developer can
/// act on. Unknown, expired and revoked keys are refused at once.
pub async fn authenticate(db: &Db, presented: &str) -> Result<Principal> {
    let (plain, _) =
        PlainKey::parse(presented.trim()).map_err(|err| Error::Unauthorized(format!("invalid API key: {err}")))?;
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT id, workspace_id, kind, scopes, expires_at, revoked_at, last_used_at
         FROM api_keys WHERE key_hash = $1",
    )
    .bind(plain.hash())
    .fetch_optional(db.pool())
    .await?;
    let row = row.ok_or_else(|| Error::Unauthorized("invalid API key: no such key".into()))?;
    let now = now_ms();
    if row.revoked_at.is_some() {
        return Err(Error::Unauthorized("invalid API key: this key was revoked".into()));
    }
    if row.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::Unauthorized("invalid API key: this key has expired".into()));
    }
    // Recording every use would turn each request into a write; once a minute is enough.
    if row.last_used_at.is_none_or(|at| now - at > 60_000) {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&row.id)
            .execute(db.pool())
            .await?;
    }
    let kind = if row.kind == KeyKind::Publishable.as_str() { KeyKind::Publishable } else { KeyKind::Secret };
    Ok(Principal {
        key_id: row.id,
        workspace_id: row.workspace_id,
        kind,
        scopes: row.scopes.split_whitespace().filter_map(Scope::parse).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_with_their_kind() {
        for kind in [KeyKind::Secret, KeyKind::Publishable] {
            let key = PlainKey::generate(kind);
            assert!(key.expose().starts_with(kind.prefix()));
            assert_eq!(key.expose().len(), 3 + RANDOM_LEN + CHECKSUM_LEN);
            let (parsed, parsed_kind) = PlainKey::parse(key.expose()).unwrap();
            assert_eq!(parsed_kind, kind);
            assert_eq!(parsed.hash(), key.hash());
        }
    }

    #[test]
    fn a_single_mistyped_character_fails_the_checksum() {
        let key = PlainKey::generate(KeyKind::Secret);
        let mut chars: Vec<char> = key.expose().chars().collect();
        chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(PlainKey::parse(&typo).unwrap_err(), KeyFormatError::BadChecksum);
    }

    #[test]
    fn keys_of_the_wrong_shape_are_rejected() {
        assert_eq!(PlainKey::parse("ghp_abc").unwrap_err(), KeyFormatError::UnknownPrefix);
        assert_eq!(PlainKey::parse("sk_short").unwrap_err(), KeyFormatError::Malformed);
        let with_symbol = format!("sk_{}", "-".repeat(RANDOM_LEN + CHECKSUM_LEN));
        assert_eq!(PlainKey::parse(&with_symbol).unwrap_err(), KeyFormatError::Malformed);
    }

    #[test]
    fn debug_output_never_contains_the_key() {
        let key = PlainKey::generate(KeyKind::Secret);
        let debug = format!("{key:?}");
        assert!(!debug.contains(&key.expose()[3..20]));
    }

    #[test]
    fn the_stored_hash_is_sha256_hex() {
        assert_eq!(hash_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn scopes_round_trip_through_their_names() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("everything"), None);
    }
}
