//! Portal accounts: sign-up and sign-in with an email and a password, sessions, workspace
//! membership with roles, and invitations by link.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB, two passes, the
//! OWASP minimum) on a blocking thread, so a burst of sign-ins never stalls the async workers.
//! Session and invitation tokens are 43 random base62 characters (about 256 bits); like API
//! keys, only their SHA-256 is stored, so a leaked database opens no session.

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{new_id, now_ms, random_base62};
use crate::leads::Email;

/// How long a session lasts after sign-in.
pub const SESSION_DAYS: i64 = 14;
/// How long an invitation link can be used.
pub const INVITE_DAYS: i64 = 7;
const DAY_MS: i64 = 24 * 3600 * 1000;
const TOKEN_LEN: usize = 43;
/// NIST SP 800-63B: at least 8 characters, and long passphrases must fit.
const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_BYTES: usize = 1024;
const MAX_WORKSPACE_NAME: usize = 80;

/// What a member may do in a workspace. Owners also manage its members and invitations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Result<Role> {
        match text {
            "owner" => Ok(Role::Owner),
            "member" => Ok(Role::Member),
            _ => Err(Error::Validation("role must be \"owner\" or \"member\"".into())),
        }
    }
}

/// A password as typed. `Debug` never shows it.
pub struct Password(String);

impl Password {
    pub fn parse(text: &str) -> Result<Password> {
        if text.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::Validation(format!("password must be at least {MIN_PASSWORD_CHARS} characters")));
        }
        if text.len() > MAX_PASSWORD_BYTES {
            return Err(Error::Validation(format!("password must be at most {MAX_PASSWORD_BYTES} bytes")));
        }
        Ok(Password(text.to_owned()))
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A session or invitation token as given to its holder, once. `Debug` never shows it.
pub struct Token(String);

impl Token {
    fn generate() -> Token {
        Token(random_base62(TOKEN_LEN))
    }

    /// A presented token, from a cookie or a link; shape only.
    pub fn presented(text: &str) -> Option<Token> {
        (text.len() == TOKEN_LEN && crate::ids::is_base62(text)).then(|| Token(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn hash(&self) -> String {
        Sha256::digest(self.0.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// A signed-in person in the workspace their session is on.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub account_id: String,
    pub email: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub role: Role,
}

impl Viewer {
    /// Refuses unless the viewer owns the workspace.
    pub fn require_owner(&self) -> Result<()> {
        if self.role == Role::Owner {
            Ok(())
        } else {
            Err(Error::forbidden("OWNER_ONLY", "only the workspace's owners can do this"))
        }
    }
}

/// A workspace that an account belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceMembership {
    pub workspace_id: String,
    pub name: String,
    pub role: String,
}

/// A member of a workspace as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub account_id: String,
    pub email: String,
    pub role: String,
    pub created_at: i64,
}

/// An invitation that has not been used yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invite {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub role: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What an invitation link leads to, shown before it is accepted.
#[derive(Debug, Clone)]
pub struct InviteDetails {
    pub invite: Invite,
    pub workspace_name: String,
    pub account_exists: bool,
}

async fn hash_password(password: Password) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| Error::Internal(anyhow::anyhow!("hashing a password failed: {err}")))
    })
    .await
    .map_err(|err| Error::Internal(anyhow::Error::new(err)))?
}

/// Checks a password against a stored hash; a missing account is checked against a fixed
/// hash so that unknown emails take as long as wrong passwords.
async fn verify_password(password: &str, stored: Option<String>) -> Result<bool> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .map_err(|err| Error::Internal(anyhow::Error::new(err)))
}

/// An Argon2id hash (default parameters) of a random string nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Wl2m7Hn5Jd3bJ0l2b7fJ0hGk1u3cFv4yqk6yQ8mF0pI";

fn invalid_credentials() -> Error {
    Error::unauthorized("INVALID_CREDENTIALS", "that email and password do not match an account")
}

fn workspace_name(text: &str, email: &Email) -> Result<String> {
    let name = text.trim();
    if name.chars().count() > MAX_WORKSPACE_NAME {
        return Err(Error::Validation(format!("workspace name must be at most {MAX_WORKSPACE_NAME} characters")));
    }
    if name.is_empty() {
        let local = email.as_str().split('@').next().unwrap_or("My");
        return Ok(format!("{local}'s workspace"));
    }
    Ok(name.to_owned())
}

/// Creates an account, its own workspace (the account owns it) and a session on it.
pub async fn sign_up(db: &Db, email: &str, password: &str, workspace: &str) -> Result<(Viewer, Token)> {
    let email = Email::parse(email)?;
    let password = Password::parse(password)?;
    let name = workspace_name(workspace, &email)?;
    let hash = hash_password(password).await?;
    let account_id = new_id("acct");
    let workspace_id = new_id("ws");
    let now = now_ms();
    let mut tx = db.begin().await?;
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(Error::Conflict("an account with this email exists already: sign in instead".into()));
    }
    sqlx::query("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&account_id)
        .bind(email.as_str())
        .bind(&hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&workspace_id)
        .bind(&name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    add_membership(&mut tx, &workspace_id, &account_id, Role::Owner).await?;
    let token = insert_session(&mut tx, &account_id, &workspace_id).await?;
    tx.commit().await?;
    let viewer =
        Viewer { account_id, email: email.as_str().to_owned(), workspace_id, workspace_name: name, role: Role::Owner };
    Ok((viewer, token))
}

async fn add_membership(tx: &mut crate::db::Tx, workspace_id: &str, account_id: &str, role: Role) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (workspace_id, account_id, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (workspace_id, account_id) DO NOTHING",
    )
    .bind(workspace_id)
    .bind(account_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_session(tx: &mut crate::db::Tx, account_id: &str, workspace_id: &str) -> Result<Token> {
    let token = Token::generate();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, workspace_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token.hash())
    .bind(account_id)
    .bind(workspace_id)
    .bind(now)
    .bind(now + SESSION_DAYS * DAY_MS)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    password_hash: String,
}

/// Checks an email and password and opens a session on the account's first workspace.
pub async fn sign_in(db: &Db, email: &str, password: &str) -> Result<(Viewer, Token)> {
    // A malformed email still costs a hash check, so timing says nothing about it.
    let email = Email::parse(email).ok();
    let account: Option<AccountRow> = match &email {
        Some(email) => {
            sqlx::query_as("SELECT id, password_hash FROM accounts WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(db.pool())
                .await?
        }
        None => None,
    };
    let matches = verify_password(password, account.as_ref().map(|a| a.password_hash.clone())).await?;
    let (Some(account), true) = (account, matches) else {
        return Err(invalid_credentials());
    };
    let workspaces = workspaces_of(db, &account.id).await?;
    let first = workspaces.first().ok_or_else(invalid_credentials)?;
    let mut tx = db.begin().await?;
    let token = insert_session(&mut tx, &account.id, &first.workspace_id).await?;
    tx.commit().await?;
    let viewer = viewer_for(db, &token).await?.ok_or_else(invalid_credentials)?;
    Ok((viewer, token))
}

#[derive(sqlx::FromRow)]
struct ViewerRow {
    account_id: String,
    email: String,
    workspace_id: String,
    workspace_name: String,
    role: Option<String>,
}

/// The viewer a session token belongs to, if the session is current and its account is still a
/// member of the session's workspace.
pub async fn viewer_for(db: &Db, token: &Token) -> Result<Option<Viewer>> {
    let row: Option<ViewerRow> = sqlx::query_as(
        "SELECT a.id AS account_id, a.email, w.id AS workspace_id, w.name AS workspace_name, m.role
         FROM sessions s
         JOIN accounts a ON a.id = s.account_id
         JOIN workspaces w ON w.id = s.workspace_id
         LEFT JOIN memberships m ON m.workspace_id = s.workspace_id AND m.account_id = s.account_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token.hash())
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(role) = row.role else { return Ok(None) };
    Ok(Some(Viewer {
        account_id: row.account_id,
        email: row.email,
        workspace_id: row.workspace_id,
        workspace_name: row.workspace_name,
        role: Role::parse(&role)?,
    }))
}

/// Ends a session; an unknown token is not an error.
pub async fn sign_out(db: &Db, token: &Token) -> Result<()> {
    db.execute(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token.hash())).await?;
    Ok(())
}

/// Moves a session to another workspace the account belongs to.
pub async fn switch_workspace(db: &Db, token: &Token, viewer: &Viewer, workspace_id: &str) -> Result<()> {
    let member = workspaces_of(db, &viewer.account_id).await?.into_iter().any(|w| w.workspace_id == workspace_id);
    if !member {
        return Err(Error::NotFound("workspace"));
    }
    db.execute(
        sqlx::query("UPDATE sessions SET workspace_id = $1 WHERE token_hash = $2")
            .bind(workspace_id)
            .bind(token.hash()),
    )
    .await?;
    Ok(())
}

/// The workspaces an account belongs to, oldest membership first.
pub async fn workspaces_of(db: &Db, account_id: &str) -> Result<Vec<WorkspaceMembership>> {
    Ok(sqlx::query_as(
        "SELECT w.id AS workspace_id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
         WHERE m.account_id = $1 ORDER BY m.created_at, w.id",
    )
    .bind(account_id)
    .fetch_all(db.pool())
    .await?)
}

/// The members of a workspace, oldest first.
pub async fn members(db: &Db, workspace_id: &str) -> Result<Vec<Member>> {
    Ok(sqlx::query_as(
        "SELECT a.id AS account_id, a.email, m.role, m.created_at FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.workspace_id = $1 ORDER BY m.created_at, a.id",
    )
    .bind(workspace_id)
    .fetch_all(db.pool())
    .await?)
}

/// Removes a member (and their sessions on the workspace). The last owner cannot be removed,
/// so a workspace always has someone who can manage it.
pub async fn remove_member(db: &Db, viewer: &Viewer, account_id: &str) -> Result<()> {
    viewer.require_owner()?;
    let mut tx = db.begin().await?;
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE workspace_id = $1 AND account_id = $2")
            .bind(&viewer.workspace_id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
    let role = role.ok_or(Error::NotFound("member"))?;
    if role == Role::Owner.as_str() {
        let owners: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'")
                .bind(&viewer.workspace_id)
                .fetch_one(&mut *tx)
                .await?;
        if owners <= 1 {
            return Err(Error::Conflict("the last owner of a workspace cannot be removed".into()));
        }
    }
    sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND account_id = $2")
        .bind(&viewer.workspace_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE workspace_id = $1 AND account_id = $2")
        .bind(&viewer.workspace_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Invites someone by email; the returned token goes into the link that the owner passes on.
pub async fn invite(db: &Db, viewer: &Viewer, email: &str, role: Role) -> Result<(Invite, Token)> {
    viewer.require_owner()?;
    let email = Email::parse(email)?;
    let already: Option<String> = sqlx::query_scalar(
        "SELECT a.id FROM accounts a JOIN memberships m ON m.account_id = a.id WHERE a.email = $1 AND m.workspace_id = $2",
    )
    .bind(email.as_str())
    .bind(&viewer.workspace_id)
    .fetch_optional(db.pool())
    .await?;
    if already.is_some() {
        return Err(Error::Conflict(format!("{} is a member of this workspace already", email.as_str())));
    }
    let token = Token::generate();
    let now = now_ms();
    let invite = Invite {
        id: new_id("inv"),
        workspace_id: viewer.workspace_id.clone(),
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
        created_at: now,
        expires_at: now + INVITE_DAYS * DAY_MS,
    };
    db.execute(
        sqlx::query(
            "INSERT INTO invites (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&invite.id)
        .bind(&invite.workspace_id)
        .bind(&invite.email)
        .bind(&invite.role)
        .bind(token.hash())
        .bind(&viewer.account_id)
        .bind(invite.created_at)
        .bind(invite.expires_at),
    )
    .await?;
    Ok((invite, token))
}

/// The workspace's invitations that can still be accepted, newest first.
pub async fn pending_invites(db: &Db, workspace_id: &str) -> Result<Vec<Invite>> {
    Ok(sqlx::query_as(
        "SELECT id, workspace_id, email, role, created_at, expires_at FROM invites
         WHERE workspace_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id",
    )
    .bind(workspace_id)
    .bind(now_ms())
    .fetch_all(db.pool())
    .await?)
}

/// Withdraws an invitation that has not been accepted.
pub async fn revoke_invite(db: &Db, viewer: &Viewer, id: &str) -> Result<()> {
    viewer.require_owner()?;
    let deleted = db
        .execute(
            sqlx::query("DELETE FROM invites WHERE id = $1 AND workspace_id = $2 AND accepted_at IS NULL")
                .bind(id)
                .bind(&viewer.workspace_id),
        )
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(Error::NotFound("invite"));
    }
    Ok(())
}

/// What an invitation link offers, if it can still be accepted.
pub async fn invite_details(db: &Db, token: &Token) -> Result<InviteDetails> {
    let invite: Option<Invite> = sqlx::query_as(
        "SELECT id, workspace_id, email, role, created_at, expires_at FROM invites
         WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2",
    )
    .bind(token.hash())
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    let invite = invite.ok_or(Error::NotFound("invite"))?;
    let workspace_name: String = sqlx::query_scalar("SELECT name FROM workspaces WHERE id = $1")
        .bind(&invite.workspace_id)
        .fetch_one(db.pool())
        .await?;
    let account_exists: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(&invite.email)
        .fetch_optional(db.pool())
        .await?;
    Ok(InviteDetails { invite, workspace_name, account_exists: account_exists.is_some() })
}

/// Accepts an invitation: the invited email's account (created now with `password` if it does
/// not exist, otherwise checked against it) joins the workspace, and a session opens on it.
pub async fn accept_invite(db: &Db, token: &Token, password: &str) -> Result<(Viewer, Token)> {
    let details = invite_details(db, token).await?;
    let invite = details.invite;
    let existing: Option<AccountRow> = sqlx::query_as("SELECT id, password_hash FROM accounts WHERE email = $1")
        .bind(&invite.email)
        .fetch_optional(db.pool())
        .await?;
    let (account_id, new_hash) = match existing {
        Some(account) => {
            if !verify_password(password, Some(account.password_hash)).await? {
                return Err(invalid_credentials());
            }
            (account.id, None)
        }
        None => (new_id("acct"), Some(hash_password(Password::parse(password)?).await?)),
    };
    let mut tx = db.begin().await?;
    // Claiming the invitation first makes a second use of the same link fail.
    let claimed = sqlx::query("UPDATE invites SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL")
        .bind(now_ms())
        .bind(&invite.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed == 0 {
        return Err(Error::NotFound("invite"));
    }
    if let Some(hash) = new_hash {
        sqlx::query("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&account_id)
            .bind(&invite.email)
            .bind(&hash)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
    }
    add_membership(&mut tx, &invite.workspace_id, &account_id, Role::parse(&invite.role)?).await?;
    let session = insert_session(&mut tx, &account_id, &invite.workspace_id).await?;
    tx.commit().await?;
    let viewer = viewer_for(db, &session).await?.ok_or(Error::NotFound("invite"))?;
    Ok((viewer, session))
}

/// Deletes expired sessions and invitations; called now and then.
pub async fn purge_expired(db: &Db) -> Result<u64> {
    let now = now_ms();
    let sessions = db.execute(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now)).await?;
    let invites = db
        .execute(
            sqlx::query("DELETE FROM invites WHERE accepted_at IS NULL AND expires_at <= $1")
                .bind(now - INVITE_DAYS * DAY_MS),
        )
        .await?;
    Ok(sessions.rows_affected() + invites.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_with_the_minimum() {
        let err = Password::parse("short").unwrap_err();
        assert!(err.to_string().contains("at least 8"), "{err}");
        assert!(Password::parse("long enough passphrase").is_ok());
    }

    #[test]
    fn debug_output_never_shows_passwords_or_tokens() {
        let password = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
        let token = Token::generate();
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    #[test]
    fn presented_tokens_must_have_the_generated_shape() {
        let token = Token::generate();
        assert!(Token::presented(token.expose()).is_some());
        assert!(Token::presented("short").is_none());
        assert!(Token::presented(&format!("{}!", &token.expose()[1..])).is_none());
    }

    #[tokio::test]
    async fn the_dummy_hash_parses_so_unknown_emails_cost_a_real_verification() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything at all", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password(Password::parse("correct horse battery").unwrap()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(hash.clone())).await.unwrap());
        assert!(!verify_password("wrong horse battery", Some(hash)).await.unwrap());
    }
}
