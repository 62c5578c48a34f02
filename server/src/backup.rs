//! Backups of a SQLite deployment, and restoring one into an empty data directory.
//!
//! A backup is a consistent copy of the live database, taken with SQLite's `VACUUM INTO` while
//! the server keeps serving: it reads one snapshot (the write-ahead log lets writers go on) and
//! writes a compact database file. The stored secrets in it (provider keys, webhook signing
//! secrets, identity-verification secrets) are sealed with the deployment's secret key, which
//! is not in the database: without the key a restored deployment cannot open them (and refuses
//! to start), and with it anyone who holds the backup can. So the key travels only when asked
//! for, in a file of its own next to the backup, readable by its owner only.
//!
//! PostgreSQL deployments use PostgreSQL's own tools (`pg_dump`, `pg_restore`), which the
//! operations guide shows; these functions refuse them with that advice.

use std::path::{Path, PathBuf};

use crate::config::{Secret, StorageConfig};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::secrets::SecretBox;

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What [`backup`] wrote.
#[derive(Debug, Clone)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    /// The key file written next to the backup, when the key was asked for.
    pub key_file: Option<PathBuf>,
    /// Whether the deployment has a secret key (it has served once, or one is configured).
    pub keyed: bool,
}

/// The file a backup's key is written to: the backup's name with `.key` added.
pub fn key_file_for(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn postgres_refusal() -> Error {
    Error::Validation(
        "this deployment stores its data in PostgreSQL: back it up with pg_dump and restore it with \
         pg_restore (docs/operations.md)"
            .into(),
    )
}

/// Writes a consistent copy of the live SQLite database in `data_dir` to `to`, which must not
/// exist. With `with_key` the deployment's secret key (`configured`, else the data directory's
/// key file) is written to [`key_file_for`]`(to)` as well.
pub async fn backup(
    storage: &StorageConfig,
    data_dir: &Path,
    configured_key: Option<&Secret>,
    to: &Path,
    with_key: bool,
) -> Result<Backup> {
    let StorageConfig::Sqlite { path } = storage else {
        return Err(postgres_refusal());
    };
    if !path.exists() {
        return Err(Error::Validation(format!("there is no database at {}", path.display())));
    }
    if to.exists() {
        return Err(Error::Validation(format!("{} already exists; a backup never overwrites a file", to.display())));
    }
    let deployment_key = SecretBox::key_text(configured_key, data_dir)?;
    let keyed = deployment_key.is_some();
    let key = if with_key {
        let key = deployment_key.ok_or_else(|| {
            Error::Validation("this deployment has no secret key yet (PARLOR_SECRET_KEY or secret.key)".into())
        })?;
        if key_file_for(to).exists() {
            return Err(Error::Validation(format!("{} already exists", key_file_for(to).display())));
        }
        Some(key)
    } else {
        None
    };
    let target = to.to_str().ok_or_else(|| Error::Validation("the backup's path must be valid UTF-8".into()))?;
    // One connection is enough, and the server's own migrations are not run on a live database.
    let db = Db::connect_with(storage, 1).await?;
    let copied = db.execute(sqlx::query("VACUUM INTO $1").bind(target)).await;
    db.close().await;
    copied?;
    let bytes = std::fs::metadata(to).map_err(|err| Error::Internal(err.into()))?.len();
    let key_file = match key {
        Some(key) => {
            let file = key_file_for(to);
            SecretBox::write_key(&file, &key, "the deployment's key")?;
            Some(file)
        }
        None => None,
    };
    Ok(Backup { path: to.to_path_buf(), bytes, key_file, keyed })
}

/// Restores the backup `from` into `data_dir`, which must hold no database: the file is
/// checked (a SQLite database that passes `PRAGMA integrity_check`), copied in, migrated to
/// this version, and its secrets checked against the key: `key_file` (a backup's `.key`),
/// else `configured` (`PARLOR_SECRET_KEY`), else a key file already in `data_dir`. Without
/// any of them the restore is refused, since the server could not start on it.
pub async fn restore(
    from: &Path,
    data_dir: &Path,
    configured_key: Option<&Secret>,
    key_file: Option<&Path>,
) -> Result<PathBuf> {
    let target = data_dir.join("parlor.db");
    if target.exists() {
        return Err(Error::Validation(format!(
            "{} already holds a database; restore into an empty data directory",
            data_dir.display()
        )));
    }
    let mut header = [0u8; 16];
    let readable = std::fs::File::open(from).and_then(|mut file| std::io::Read::read_exact(&mut file, &mut header));
    if readable.is_err() || &header != SQLITE_HEADER {
        return Err(Error::Validation(format!("{} is not a SQLite backup of Parlor", from.display())));
    }
    let existing_key = SecretBox::key_file(data_dir);
    let key_text = match key_file {
        Some(file) => Some(
            std::fs::read_to_string(file)
                .map_err(|err| Error::Validation(format!("cannot read the key file {}: {err}", file.display())))?,
        ),
        None => None,
    };
    let no_key = key_text.is_none() && SecretBox::key_text(configured_key, data_dir)?.is_none();
    if key_text.is_some() && existing_key.exists() {
        return Err(Error::Validation(format!(
            "{} already has a key ({}); restore into an empty data directory",
            data_dir.display(),
            existing_key.display()
        )));
    }

    std::fs::create_dir_all(data_dir).map_err(|err| Error::Internal(err.into()))?;
    let partial = data_dir.join("parlor.db.restoring");
    std::fs::copy(from, &partial).map_err(|err| Error::Internal(err.into()))?;
    let checked = match check_copy(&partial).await {
        // A deployment that never served has sealed nothing yet, and needs no key.
        Ok(true) if no_key => Err(Error::Validation(
            "the backup's secrets are sealed with the key of the deployment it came from: give it with \
             --key-file (the backup's .key file) or PARLOR_SECRET_KEY"
                .into(),
        )),
        Ok(_) => Ok(()),
        Err(err) => Err(err),
    };
    if let Err(err) = checked {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    std::fs::rename(&partial, &target).map_err(|err| Error::Internal(err.into()))?;
    let mut wrote_key = false;
    if let Some(text) = &key_text {
        SecretBox::write_key(&existing_key, text, "the key file")?;
        wrote_key = true;
    }

    let storage = StorageConfig::Sqlite { path: target.clone() };
    let opened = async {
        let db = Db::connect_with(&storage, 1).await?;
        db.migrate().await?;
        let configured = if key_text.is_some() { None } else { configured_key };
        let checked = SecretBox::load(configured, data_dir)?.check_against(&db).await;
        db.close().await;
        checked
    }
    .await;
    if let Err(err) = opened {
        // Leave the directory as it was found, so the restore can be tried again.
        for file in ["parlor.db", "parlor.db-wal", "parlor.db-shm"] {
            let _ = std::fs::remove_file(data_dir.join(file));
        }
        if wrote_key {
            let _ = std::fs::remove_file(&existing_key);
        }
        return Err(err);
    }
    Ok(target)
}

/// Checks that a copied file is a whole SQLite database, and says whether it holds secrets
/// sealed with a key (a deployment that has served once has).
async fn check_copy(path: &Path) -> Result<bool> {
    let storage = StorageConfig::Sqlite { path: path.to_path_buf() };
    let db = Db::connect_with(&storage, 1).await?;
    let verdict: Result<String> =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(db.pool()).await.map_err(Error::from);
    let sealed_with_a_key = SecretBox::has_check(&db).await;
    db.close().await;
    // Connecting may have left a write-ahead log beside the copy; it holds nothing of the backup.
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    match verdict {
        Ok(verdict) if verdict == "ok" => Ok(sealed_with_a_key),
        Ok(verdict) => Err(Error::Validation(format!("{} is damaged: {verdict}", path.display()))),
        Err(_) => Err(Error::Validation(format!("{} is not a SQLite backup of Parlor", path.display()))),
    }
}
