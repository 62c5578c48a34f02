//! The `parlor` command line: `serve`, and operator commands such as `key create`.

use clap::{Parser, Subcommand};

use std::path::PathBuf;

use crate::config::{Config, DatabaseArgs, Secret, StorageConfig};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::keys::{self, KeyKind, NewKey, PlainKey, Scope};
use crate::telemetry::LogFormat;
use crate::{backup, ratelimit, workspaces};

/// Parlor: self-hosted chatbots that answer from your knowledge.
#[derive(Debug, Parser)]
#[command(name = "parlor", version, about, long_about = None)]
pub struct Cli {
    /// Log format: human-readable text or one JSON object a line.
    #[arg(long, env = "PARLOR_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: API, widget and portal.
    Serve(Box<Config>),
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Manage workspaces.
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
    /// Write a consistent copy of the live SQLite database to a file, while the server runs.
    /// The copy's stored secrets are sealed with the deployment's secret key, which is not in
    /// it: keep the key apart (or add --with-key, and guard that file like a password).
    Backup(BackupArgs),
    /// Restore a backup into an empty data directory, with the key it was made with.
    Restore(RestoreArgs),
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Read one document from standard input within limits and print it as JSON. The server
    /// runs this itself for every upload and fetched page (see `ingest::sandbox`).
    #[command(name = "extract-worker", hide = true)]
    ExtractWorker,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key and print it once: in the workspace given with --workspace, or else
    /// the oldest one (created on first use).
    Create(KeyCreateArgs),
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Set a workspace's rate-limit plan (one of PARLOR_PLANS, such as free, pro, enterprise).
    Plan(PlanArgs),
    /// List the workspaces, oldest first: id, plan and name, one a line.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The plan's name.
    #[arg(long)]
    pub plan: String,

    /// The workspace's id; the default workspace when omitted.
    #[arg(long)]
    pub workspace: Option<String>,

    /// The plans that exist, as for `parlor serve`.
    #[arg(
        long,
        env = "PARLOR_PLANS",
        default_value = "free=60/10/5000,pro=300/50/50000,enterprise=1000/200/unlimited"
    )]
    pub plans: String,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist.
    #[arg(long)]
    pub to: PathBuf,

    /// Also write the deployment's secret key to `<FILE>.key` (readable by its owner only).
    /// Anyone holding the backup and its key can open the stored provider keys and webhook
    /// secrets; without the key the backup cannot be restored into a working deployment.
    #[arg(long)]
    pub with_key: bool,

    /// The deployment's key, when it is configured rather than in the data directory.
    #[arg(long, env = "PARLOR_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<Secret>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file (`parlor backup --to FILE`).
    #[arg(long)]
    pub from: PathBuf,

    /// The key file written with the backup (`FILE.key`); else PARLOR_SECRET_KEY.
    #[arg(long)]
    pub key_file: Option<PathBuf>,

    /// The key the backup was made with, when it is configured rather than in a file.
    #[arg(long, env = "PARLOR_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<Secret>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub struct KeyCreateArgs {
    /// A name that says where the key is used.
    #[arg(long)]
    pub name: String,

    /// Grant every scope.
    #[arg(long, conflicts_with = "scopes")]
    pub all_scopes: bool,

    /// Comma-separated scopes, such as chatbots:read,chat:write.
    #[arg(long, value_delimiter = ',')]
    pub scopes: Vec<String>,

    /// A browser origin allowed to use the key, such as https://shop.example.com (repeatable).
    /// Publishable keys must have at least one.
    #[arg(long = "origin")]
    pub origins: Vec<String>,

    /// `secret` (for servers) or `publishable` (for browser pages; can only chat).
    #[arg(long, default_value = "secret", value_parser = ["secret", "publishable"])]
    pub kind: String,

    /// The workspace's id (`parlor workspace list`); the oldest workspace when omitted.
    #[arg(long)]
    pub workspace: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Opens and migrates the database for an operator command.
pub async fn open_database(database: &DatabaseArgs) -> Result<Db> {
    let db = Db::connect_with(&database.storage(), 2).await?;
    db.migrate().await?;
    Ok(db)
}

/// `parlor key create`: returns the new plain key, which the caller prints once.
pub async fn create_key(args: &KeyCreateArgs) -> Result<PlainKey> {
    let kind = KeyKind::parse(&args.kind).unwrap_or(KeyKind::Secret);
    let scopes: Vec<String> =
        if args.all_scopes { Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect() } else { args.scopes.clone() };
    if scopes.is_empty() && kind == KeyKind::Secret {
        return Err(Error::Validation("choose scopes with --scopes a,b or grant all with --all-scopes".into()));
    }
    let new = NewKey::parse(&args.name, kind, &scopes, &args.origins, None)?;
    let db = open_database(&args.database).await?;
    let workspace_id = match &args.workspace {
        Some(id) => workspaces::existing(&db, id.trim()).await?,
        None => workspaces::default_workspace(&db).await?,
    };
    let (record, plain) = keys::create_key(&db, &workspace_id, &new).await?;
    tracing::info!(key_id = %record.id, workspace_id = %workspace_id, "API key created");
    db.close().await;
    Ok(plain)
}

/// `parlor workspace list`: every workspace, oldest first.
pub async fn list_workspaces(database: &DatabaseArgs) -> Result<Vec<workspaces::WorkspaceSummary>> {
    let db = open_database(database).await?;
    let list = workspaces::list(&db).await;
    db.close().await;
    list
}

/// `parlor workspace plan`: returns the workspace whose plan was set.
pub async fn set_plan(args: &PlanArgs) -> Result<String> {
    let plans = ratelimit::parse_plans(&args.plans)?;
    let plan = args.plan.trim().to_lowercase();
    if !plans.iter().any(|p| p.name == plan) {
        let names: Vec<&str> = plans.iter().map(|p| p.name.as_str()).collect();
        return Err(Error::Validation(format!("unknown plan {plan:?}; plans: {}", names.join(", "))));
    }
    let db = open_database(&args.database).await?;
    let workspace_id = match &args.workspace {
        Some(id) => id.clone(),
        None => workspaces::default_workspace(&db).await?,
    };
    workspaces::set_plan(&db, &workspace_id, &plan).await?;
    tracing::info!(workspace_id = %workspace_id, plan = %plan, "workspace plan set");
    db.close().await;
    Ok(workspace_id)
}

/// `parlor backup`: what was written.
pub async fn backup(args: &BackupArgs) -> Result<backup::Backup> {
    let data_dir = &args.database.data_dir;
    backup::backup(&args.database.storage(), data_dir, args.secret_key.as_ref(), &args.to, args.with_key).await
}

/// `parlor restore`: the database file restored.
pub async fn restore(args: &RestoreArgs) -> Result<PathBuf> {
    if !matches!(args.database.storage(), StorageConfig::Sqlite { .. }) {
        return Err(Error::Validation(
            "DATABASE_URL is set: restore a PostgreSQL deployment with pg_restore (docs/operations.md)".into(),
        ));
    }
    backup::restore(&args.from, &args.database.data_dir, args.secret_key.as_ref(), args.key_file.as_deref()).await
}
