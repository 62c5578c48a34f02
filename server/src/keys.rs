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

    pub fn parse(text: &str) -> Option<KeyKind> {
        match text {
            "secret" => Some(KeyKind::Secret),
            "publishable" => Some(KeyKind::Publishable),
            _ => None,
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

/// A browser origin (`scheme://host[:port]`), normalised to lowercase without a trailing slash,
/// as browsers send it in the `Origin` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin(String);

impl AllowedOrigin {
    /// Parses an origin such as `https://shop.example.com` or `http://localhost:8080`. Paths,
    /// queries, credentials and wildcards are refused: an origin names exactly one site.
    pub fn parse(text: &str) -> Result<AllowedOrigin> {
        let invalid = || Error::Validation(format!("{text:?} is not an origin such as https://shop.example.com"));
        let lower = text.trim().trim_end_matches('/').to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).ok_or_else(invalid)?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (rest, None),
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
        let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
        if !host_ok || !port_ok {
            return Err(invalid());
        }
        Ok(AllowedOrigin(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the server knows about an authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub key_id: String,
    pub workspace_id: String,
    pub kind: KeyKind,
    pub scopes: Vec<Scope>,
    pub allowed_origins: Vec<String>,
    /// The rate-limit plan of the key's workspace.
    pub plan: String,
}

impl Principal {
    /// Succeeds when the key holds `scope`; otherwise a `Forbidden` error that names it.
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(Error::forbidden("MISSING_SCOPE", format!("this API key lacks the {} scope", scope.as_str())))
        }
    }

    /// Checks the request's `Origin` against the key's allowed origins. A key without allowed
    /// origins may be used from anywhere except a browser page, unless it is publishable, which
    /// must always come from one of its origins.
    pub fn check_origin(&self, origin: Option<&str>) -> Result<()> {
        let refused = |what: String| Err(Error::forbidden(crate::error::ORIGIN_NOT_ALLOWED, what));
        match origin {
            None if self.kind == KeyKind::Publishable => {
                refused("a publishable key may only be used from one of its allowed origins".into())
            }
            None => Ok(()),
            Some(origin) if self.allowed_origins.is_empty() => {
                if self.kind == KeyKind::Publishable {
                    refused(format!("origin {origin} is not allowed for this key"))
                } else {
                    Ok(())
                }
            }
            Some(origin) => {
                let normalised = origin.trim_end_matches('/').to_ascii_lowercase();
                if self.allowed_origins.contains(&normalised) {
                    Ok(())
                } else {
                    refused(format!("origin {origin} is not allowed for this key"))
                }
            }
        }
    }
}

/// A stored key, as listed (never with its secret).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRecord {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub kind: String,
    pub prefix: String,
    pub last_four: String,
    pub scopes: String,
    pub allowed_origins: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl KeyRecord {
    pub fn kind(&self) -> KeyKind {
        KeyKind::parse(&self.kind).unwrap_or(KeyKind::Secret)
    }

    pub fn scope_list(&self) -> Vec<Scope> {
        self.scopes.split_whitespace().filter_map(Scope::parse).collect()
    }

    pub fn origin_list(&self) -> Vec<String> {
        self.allowed_origins.split_whitespace().map(str::to_owned).collect()
    }
}

/// The longest rotation overlap: a week.
pub const MAX_OVERLAP_SECS: i64 = 7 * 24 * 3600;
/// How long a rolled key keeps working unless told otherwise: a day.
pub const DEFAULT_OVERLAP_SECS: i64 = 24 * 3600;

/// How long a rolled key keeps working, in milliseconds: `secs` from 0 (it stops now) to a week.
pub fn rotation_overlap_ms(secs: Option<i64>) -> Result<i64> {
    let secs = secs.unwrap_or(DEFAULT_OVERLAP_SECS);
    if !(0..=MAX_OVERLAP_SECS).contains(&secs) {
        return Err(Error::Validation(format!(
            "expires_in_seconds must be between 0 (now) and {MAX_OVERLAP_SECS} (a week)"
        )));
    }
    Ok(secs * 1000)
}

fn parse_expiry(text: &str) -> Result<i64> {
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| Error::Validation(format!("{text:?} is not an RFC 3339 time such as 2026-12-31T23:59:59Z")))?;
    let ms = i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    if ms <= now_ms() {
        return Err(Error::Validation("expires_at must be in the future".into()));
    }
    Ok(ms)
}

const KEY_COLUMNS: &str = "id, workspace_id, name, kind, prefix, last_four, scopes, allowed_origins, created_at, last_used_at, expires_at, revoked_at";

/// A validated request for a new key.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub kind: KeyKind,
    pub scopes: Vec<Scope>,
    pub allowed_origins: Vec<AllowedOrigin>,
    pub expires_at: Option<i64>,
}

impl NewKey {
    /// Parses a key request as the API and the portal receive it: the kind as text (`secret`
    /// when absent) and the expiry as an RFC 3339 time in the future.
    pub fn from_request(
        name: &str,
        kind: Option<&str>,
        scopes: &[String],
        origins: &[String],
        expires_at: Option<&str>,
    ) -> Result<NewKey> {
        let kind = match kind {
            None => KeyKind::Secret,
            Some(text) => KeyKind::parse(text)
                .ok_or_else(|| Error::Validation("kind must be \"secret\" or \"publishable\"".into()))?,
        };
        let expires_at = expires_at.map(parse_expiry).transpose()?;
        NewKey::parse(name, kind, scopes, origins, expires_at)
    }

    /// Checks a key request: a name of 1 to 100 characters, known scopes, parseable origins;
    /// publishable keys must list origins and may hold only `chat:write`.
    pub fn parse(
        name: &str,
        kind: KeyKind,
        scopes: &[String],
        origins: &[String],
        expires_at: Option<i64>,
    ) -> Result<NewKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::Validation("a key name must have 1 to 100 characters".into()));
        }
        let mut parsed = Vec::new();
        for text in scopes {
            let scope = Scope::parse(text.trim()).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                Error::Validation(format!("unknown scope {text:?}; known scopes: {}", known.join(", ")))
            })?;
            if !parsed.contains(&scope) {
                parsed.push(scope);
            }
        }
        if parsed.is_empty() && kind == KeyKind::Publishable {
            parsed.push(Scope::ChatWrite);
        }
        if parsed.is_empty() {
            return Err(Error::Validation("a key needs at least one scope".into()));
        }
        let allowed_origins = origins.iter().map(|o| AllowedOrigin::parse(o)).collect::<Result<Vec<_>>>()?;
        if allowed_origins.len() > 50 {
            return Err(Error::Validation("a key may list at most 50 origins".into()));
        }
        if kind == KeyKind::Publishable {
            if allowed_origins.is_empty() {
                return Err(Error::Validation("a publishable key must list its allowed origins".into()));
            }
            if parsed.iter().any(|s| *s != Scope::ChatWrite) {
                return Err(Error::Validation("a publishable key can only chat: its only scope is chat:write".into()));
            }
        }
        if expires_at.is_some_and(|at| at <= now_ms()) {
            return Err(Error::Validation("expires_at must be in the future".into()));
        }
        Ok(NewKey { name: name.to_owned(), kind, scopes: parsed, allowed_origins, expires_at })
    }
}

/// Creates a key in `workspace_id` and returns its record and the plain key (shown once).
pub async fn create_key(db: &Db, workspace_id: &str, new: &NewKey) -> Result<(KeyRecord, PlainKey)> {
    let plain = PlainKey::generate(new.kind);
    let scope_text: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
    let origin_text: Vec<&str> = new.allowed_origins.iter().map(AllowedOrigin::as_str).collect();
    let record = KeyRecord {
        id: new_id("key"),
        workspace_id: workspace_id.to_owned(),
        name: new.name.clone(),
        kind: new.kind.as_str().to_owned(),
        prefix: new.kind.prefix().to_owned(),
        last_four: plain.last_four().to_owned(),
        scopes: scope_text.join(" "),
        allowed_origins: origin_text.join(" "),
        created_at: now_ms(),
        last_used_at: None,
        expires_at: new.expires_at,
        revoked_at: None,
    };
    let insert = sqlx::query(
        "INSERT INTO api_keys (id, workspace_id, name, kind, prefix, last_four, key_hash, scopes, allowed_origins, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&record.id)
    .bind(workspace_id)
    .bind(&record.name)
    .bind(&record.kind)
    .bind(&record.prefix)
    .bind(&record.last_four)
    .bind(plain.hash())
    .bind(&record.scopes)
    .bind(&record.allowed_origins)
    .bind(record.created_at)
    .bind(record.expires_at);
    db.execute(insert).await?;
    Ok((record, plain))
}

/// The workspace's keys that still work or are within a rotation overlap, newest first.
pub async fn list_keys(db: &Db, workspace_id: &str) -> Result<Vec<KeyRecord>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys
         WHERE workspace_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
         ORDER BY created_at DESC, id DESC"
    ))
    .bind(workspace_id)
    .bind(now_ms())
    .fetch_all(db.pool())
    .await?)
}

/// One key of a workspace; `NotFound` for another workspace's key.
pub async fn get_key(db: &Db, workspace_id: &str, id: &str) -> Result<KeyRecord> {
    sqlx::query_as(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1 AND workspace_id = $2"))
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound("API key"))
}

/// Rolls a key: issues a new key with the same name, kind, scopes and origins, and keeps the old
/// one working for `overlap_ms` more (0 ends it at once). Returns the new key.
pub async fn roll_key(db: &Db, workspace_id: &str, id: &str, overlap_ms: i64) -> Result<(KeyRecord, PlainKey)> {
    let old = get_key(db, workspace_id, id).await?;
    let now = now_ms();
    if old.revoked_at.is_some() || old.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::Conflict("this key no longer works; create a new key instead".into()));
    }
    let new = NewKey {
        name: old.name.clone(),
        kind: old.kind(),
        scopes: old.scope_list(),
        allowed_origins: old.origin_list().into_iter().map(AllowedOrigin).collect(),
        expires_at: None,
    };
    let (record, plain) = create_key(db, workspace_id, &new).await?;
    let old_expiry = now + overlap_ms.max(0);
    db.execute(
        sqlx::query("UPDATE api_keys SET expires_at = $1 WHERE id = $2 AND (expires_at IS NULL OR expires_at > $1)")
            .bind(old_expiry)
            .bind(&old.id),
    )
    .await?;
    Ok((record, plain))
}

/// Revokes a key at once.
pub async fn revoke_key(db: &Db, workspace_id: &str, id: &str) -> Result<()> {
    let key = get_key(db, workspace_id, id).await?;
    if key.revoked_at.is_none() {
        db.execute(sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2").bind(now_ms()).bind(&key.id))
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    workspace_id: String,
    kind: String,
    scopes: String,
    allowed_origins: String,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    plan: String,
}

/// Resolves a presented key to its principal, or `Unauthorized` with a code and a reason a
/// developer can act on. Unknown, expired and revoked keys are refused at once.
pub async fn authenticate(db: &Db, presented: &str) -> Result<Principal> {
    let (plain, _) = PlainKey::parse(presented.trim())
        .map_err(|err| Error::unauthorized("MALFORMED_API_KEY", format!("malformed API key: {err}")))?;
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT k.id, k.workspace_id, k.kind, k.scopes, k.allowed_origins, k.expires_at, k.revoked_at,
                k.last_used_at, w.plan
         FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.key_hash = $1",
    )
    .bind(plain.hash())
    .fetch_optional(db.pool())
    .await?;
    let row = row.ok_or_else(|| Error::unauthorized("INVALID_API_KEY", "invalid API key: no such key"))?;
    let now = now_ms();
    if row.revoked_at.is_some() {
        return Err(Error::unauthorized("REVOKED_API_KEY", "this API key was revoked"));
    }
    if row.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::unauthorized("EXPIRED_API_KEY", "this API key has expired"));
    }
    // Recording every use would turn each request into a write; once a minute is enough.
    if row.last_used_at.is_none_or(|at| now - at > 60_000) {
        db.execute(sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2").bind(now).bind(&row.id)).await?;
    }
    Ok(Principal {
        key_id: row.id,
        workspace_id: row.workspace_id,
        kind: KeyKind::parse(&row.kind).unwrap_or(KeyKind::Secret),
        scopes: row.scopes.split_whitespace().filter_map(Scope::parse).collect(),
        allowed_origins: row.allowed_origins.split_whitespace().map(str::to_owned).collect(),
        plan: row.plan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_lists_exactly_the_scopes_the_server_knows() {
        let server: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
        assert_eq!(server, parlor_protocol::wire::API_SCOPES.to_vec());
    }

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
    fn origins_are_normalised_and_paths_refused() {
        assert_eq!(AllowedOrigin::parse("HTTPS://Shop.Example.com/").unwrap().as_str(), "https://shop.example.com");
        assert_eq!(AllowedOrigin::parse("http://localhost:8080").unwrap().as_str(), "http://localhost:8080");
        for bad in [
            "shop.example.com",
            "https://shop.example.com/path",
            "ftp://x",
            "https://*.example.com",
            "https://a:b@x",
            "https://x:99999999",
        ] {
            assert!(AllowedOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn publishable_keys_must_list_origins_and_can_only_chat() {
        let origins = vec!["https://shop.example.com".to_owned()];
        let key = NewKey::parse("site", KeyKind::Publishable, &[], &origins, None).unwrap();
        assert_eq!(key.scopes, vec![Scope::ChatWrite]);
        assert!(NewKey::parse("site", KeyKind::Publishable, &[], &[], None).is_err());
        assert!(NewKey::parse("site", KeyKind::Publishable, &["chatbots:read".into()], &origins, None).is_err());
        assert!(NewKey::parse("srv", KeyKind::Secret, &[], &[], None).is_err());
        assert!(NewKey::parse("srv", KeyKind::Secret, &["nope".into()], &[], None).is_err());
    }

    fn principal(kind: KeyKind, origins: &[&str]) -> Principal {
        Principal {
            key_id: "key".into(),
            workspace_id: "ws".into(),
            kind,
            scopes: vec![Scope::ChatWrite],
            allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            plan: "free".into(),
        }
    }

    #[test]
    fn origins_are_enforced_only_where_a_key_lists_them_except_for_publishable_keys() {
        let open = principal(KeyKind::Secret, &[]);
        assert!(open.check_origin(None).is_ok());
        assert!(open.check_origin(Some("https://anywhere.example")).is_ok());
        let listed = principal(KeyKind::Secret, &["https://shop.example.com"]);
        assert!(listed.check_origin(Some("https://shop.example.com")).is_ok());
        assert!(listed.check_origin(Some("https://evil.example")).is_err());
        assert!(listed.check_origin(None).is_ok());
        let browser = principal(KeyKind::Publishable, &["https://shop.example.com"]);
        assert!(browser.check_origin(None).is_err());
        assert!(browser.check_origin(Some("https://evil.example")).is_err());
        assert!(browser.check_origin(Some("https://SHOP.example.com")).is_ok());
    }

    #[test]
    fn scopes_round_trip_through_their_names() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("everything"), None);
    }
}
