//! Secrets that Parlor must be able to read back (webhook signing secrets, model provider
//! keys) are stored encrypted with XChaCha20-Poly1305 under one instance key.
//!
//! The key comes from `PARLOR_SECRET_KEY` (32 bytes, base64) or, when that is unset, from
//! `secret.key` in the data directory, created on first start. Every process of one
//! deployment must use the same key; a check value stored in the database makes a process
//! with another key refuse to start instead of failing later on every secret.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::config::Secret;
use crate::db::Db;
use crate::error::{Error, Result};

const SEALED_PREFIX: &str = "v1:";
const KEY_FILE: &str = "secret.key";
const CHECK_NAME: &str = "secret_key_check";
const CHECK_PLAINTEXT: &str = "parlor secret key check";

/// Encrypts and decrypts stored secrets. Cheap to clone.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

impl SecretBox {
    /// A box with the given 32-byte key.
    pub fn from_key(key: &[u8; 32]) -> SecretBox {
        SecretBox { cipher: XChaCha20Poly1305::new(key.into()) }
    }

    /// The box of this deployment: from the configured key, else from the data directory's key
    /// file, which is created (readable by its owner only) when missing.
    pub fn load(configured: Option<&Secret>, data_dir: &Path) -> Result<SecretBox> {
        if let Some(text) = configured.filter(|s| !s.expose().trim().is_empty()) {
            return Ok(SecretBox::from_key(&decode_key(text.expose().trim(), "PARLOR_SECRET_KEY")?));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(SecretBox::from_key(&decode_key(text.trim(), &path.display().to_string())?)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                std::fs::create_dir_all(data_dir).map_err(|err| internal(err, "cannot create the data directory"))?;
                write_private(&path, &BASE64.encode(key)).map_err(|err| internal(err, "cannot write secret.key"))?;
                tracing::info!(path = %path.display(), "created a new secret key for stored secrets");
                Ok(SecretBox::from_key(&key))
            }
            Err(err) => Err(internal(err, "cannot read secret.key")),
        }
    }

    /// The text of this deployment's key (the configured one, else the data directory's key
    /// file), or `None` when there is none yet. Unlike [`SecretBox::load`] it creates nothing.
    pub fn key_text(configured: Option<&Secret>, data_dir: &Path) -> Result<Option<String>> {
        if let Some(text) = configured.filter(|s| !s.expose().trim().is_empty()) {
            decode_key(text.expose().trim(), "PARLOR_SECRET_KEY")?;
            return Ok(Some(text.expose().trim().to_owned()));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                decode_key(text.trim(), &path.display().to_string())?;
                Ok(Some(text.trim().to_owned()))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(internal(err, "cannot read secret.key")),
        }
    }

    /// Writes `text` (a key as [`SecretBox::key_text`] returns it, checked here) to `path`,
    /// readable by its owner only; refuses to overwrite a file.
    pub fn write_key(path: &Path, text: &str, source: &str) -> Result<()> {
        decode_key(text.trim(), source)?;
        write_private(path, text.trim()).map_err(|err| match err.kind() {
            std::io::ErrorKind::AlreadyExists => {
                Error::Validation(format!("{} already exists; it is not overwritten", path.display()))
            }
            _ => internal(err, "cannot write the key file"),
        })
    }

    /// Whether `db` holds the check value of a key, i.e. may hold secrets sealed with it (when
    /// it cannot be read, as if it did).
    pub async fn has_check(db: &Db) -> bool {
        let found: std::result::Result<Option<String>, sqlx::Error> =
            sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = $1")
                .bind(CHECK_NAME)
                .fetch_optional(db.pool())
                .await;
        !matches!(found, Ok(None))
    }

    /// The key file of a data directory.
    pub fn key_file(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join(KEY_FILE)
    }

    /// Encrypts `plaintext`; `context` (such as the owning row's id) must be given again to
    /// decrypt, so a sealed value copied to another row does not open.
    pub fn seal(&self, context: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", BASE64.encode(out))
    }

    /// Decrypts a value made by [`SecretBox::seal`] with the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<String> {
        let failed = || {
            Error::Internal(anyhow::anyhow!(
                "a stored secret cannot be decrypted: was it written by a process with another PARLOR_SECRET_KEY?"
            ))
        };
        let bytes = sealed.strip_prefix(SEALED_PREFIX).and_then(|b64| BASE64.decode(b64).ok()).ok_or_else(failed)?;
        if bytes.len() < 24 {
            return Err(failed());
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map_err(|_| failed())?;
        String::from_utf8(plain).map_err(|_| failed())
    }

    /// Makes sure every process of a deployment uses the same key: the first process stores a
    /// sealed check value, later ones must open it.
    pub async fn check_against(&self, db: &Db) -> Result<()> {
        let stored: Option<String> = sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = $1")
            .bind(CHECK_NAME)
            .fetch_optional(db.pool())
            .await?;
        match stored {
            Some(sealed) => match self.open(CHECK_NAME, &sealed) {
                Ok(text) if text == CHECK_PLAINTEXT => Ok(()),
                _ => Err(Error::Internal(anyhow::anyhow!(
                    "this database's secrets were encrypted with another key: start every Parlor process of a \
                     deployment with the same PARLOR_SECRET_KEY (or the same data directory's secret.key)"
                ))),
            },
            None => {
                // Two processes starting at once: the loser of the insert checks the winner's value.
                db.execute(
                    sqlx::query(
                        "INSERT INTO instance_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(CHECK_NAME)
                    .bind(self.seal(CHECK_NAME, CHECK_PLAINTEXT)),
                )
                .await?;
                Box::pin(self.check_against(db)).await
            }
        }
    }
}

fn decode_key(text: &str, source: &str) -> Result<[u8; 32]> {
    BASE64.decode(text).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()).ok_or_else(|| {
        Error::Validation(format!(
            "{source} must hold 32 random bytes in base64 (for example the output of `openssl rand -base64 32`)"
        ))
    })
}

fn internal(err: std::io::Error, context: &'static str) -> Error {
    Error::Internal(anyhow::Error::new(err).context(context))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_the_same_key_and_context_only() {
        let one = SecretBox::from_key(&[7; 32]);
        let sealed = one.seal("whk_1", "whsec_abc");
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(one.open("whk_1", &sealed).unwrap(), "whsec_abc");
        assert!(one.open("whk_2", &sealed).is_err(), "another row's context does not open it");
        assert!(SecretBox::from_key(&[8; 32]).open("whk_1", &sealed).is_err(), "another key does not open it");
        assert!(one.open("whk_1", "v1:AAAA").is_err());
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::load(None, dir.path()).unwrap();
        let sealed = first.seal("x", "hello");
        let second = SecretBox::load(None, dir.path()).unwrap();
        assert_eq!(second.open("x", &sealed).unwrap(), "hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_key_must_be_32_bytes_of_base64() {
        let dir = tempfile::tempdir().unwrap();
        assert!(SecretBox::load(Some(&Secret::new("short")), dir.path()).is_err());
        let key = BASE64.encode([1u8; 32]);
        assert!(SecretBox::load(Some(&Secret::new(key)), dir.path()).is_ok());
        assert!(!dir.path().join(KEY_FILE).exists(), "no key file is written when a key is configured");
    }
}
