//! Workspaces: every resource belongs to exactly one.

use crate::db::Db;
use crate::error::Result;
use crate::ids::{new_id, now_ms};

/// The id of the workspace that operator commands use: the oldest one, created on first use.
pub async fn default_workspace(db: &Db) -> Result<String> {
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1")
        .fetch_optional(db.pool())
        .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = new_id("ws");
    create_workspace_with_id(db, &id, "Default workspace").await?;
    Ok(id)
}

/// A workspace as operator commands list it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkspaceSummary {
    pub id: String,
    pub name: String,
    pub plan: String,
}

/// Every workspace, oldest first (the first is the default of operator commands).
pub async fn list(db: &Db) -> Result<Vec<WorkspaceSummary>> {
    Ok(sqlx::query_as("SELECT id, name, plan FROM workspaces ORDER BY created_at, id").fetch_all(db.pool()).await?)
}

/// `workspace_id` when such a workspace exists, else `NotFound`.
pub async fn existing(db: &Db, workspace_id: &str) -> Result<String> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM workspaces WHERE id = $1")
        .bind(workspace_id)
        .fetch_optional(db.pool())
        .await?;
    found.ok_or(crate::error::Error::NotFound("workspace"))
}

/// Creates a workspace with a chosen id unless it exists already.
pub async fn create_workspace_with_id(db: &Db, id: &str, name: &str) -> Result<()> {
    db.execute(
        sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(name)
            .bind(now_ms()),
    )
    .await?;
    Ok(())
}

/// Sets the rate-limit plan of a workspace; `NotFound` when there is no such workspace.
pub async fn set_plan(db: &Db, workspace_id: &str, plan: &str) -> Result<()> {
    let updated = db
        .execute(sqlx::query("UPDATE workspaces SET plan = $1 WHERE id = $2").bind(plan).bind(workspace_id))
        .await?
        .rows_affected();
    if updated == 0 {
        return Err(crate::error::Error::NotFound("workspace"));
    }
    Ok(())
}
