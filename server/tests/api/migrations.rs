//! The two migration folders (`migrations/sqlite`, `migrations/postgres`) define one schema: the
//! same versions and names, and, once both are applied to fresh databases, the same tables and
//! columns with the same types and nullability.

use std::collections::BTreeSet;
use std::path::Path;

use crate::helpers::{Backend, TestApp, spawn_app};

/// A column as both databases can state it: table, column, type class, whether it is required.
type Column = (String, String, String, bool);

fn migration_files(dialect: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dialect);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

/// SQLite's declared type, as the class the `Any` driver carries.
fn sqlite_class(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "TEXT" => "text",
        "INTEGER" => "int64",
        "REAL" => "float64",
        "BLOB" => "bytes",
        other => return format!("sqlite {other}"),
    }
    .to_owned()
}

/// PostgreSQL's type, as the class the `Any` driver carries. `integer` is 4 bytes, unlike
/// SQLite's INTEGER, so it is a class of its own and fails the comparison.
fn postgres_class(data_type: &str) -> String {
    match data_type {
        "text" => "text",
        "bigint" => "int64",
        "double precision" => "float64",
        "bytea" => "bytes",
        other => return format!("postgres {other}"),
    }
    .to_owned()
}

async fn sqlite_columns(app: &TestApp) -> BTreeSet<Column> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.pk
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    // A primary key is required on PostgreSQL whatever it says; SQLite lets a TEXT key be NULL
    // unless told otherwise, which Parlor never relies on.
    rows.into_iter()
        .map(|(table, column, declared, not_null, pk)| {
            (table, column, sqlite_class(&declared), not_null == 1 || pk > 0)
        })
        .collect()
}

async fn postgres_columns(app: &TestApp) -> BTreeSet<Column> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT),
                CAST(CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS BIGINT)
         FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(table, column, data_type, not_null)| (table, column, postgres_class(&data_type), not_null == 1))
        .collect()
}

#[test]
fn both_migration_folders_list_the_same_versions_and_names() {
    let sqlite = migration_files("sqlite");
    assert!(sqlite.len() >= 17, "{sqlite:?}");
    assert_eq!(sqlite, migration_files("postgres"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgresql_end_with_the_same_tables_columns_types_and_nullability() {
    let sqlite = spawn_app(Backend::Sqlite).await.expect("sqlite is always available");
    let Some(postgres) = spawn_app(Backend::Postgres).await else { return };
    let (sqlite, postgres) = (sqlite_columns(&sqlite).await, postgres_columns(&postgres).await);
    assert!(sqlite.iter().any(|(table, column, ..)| table == "messages" && column == "search_text"));
    let only_sqlite: Vec<&Column> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<&Column> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ\n  only on SQLite: {only_sqlite:#?}\n  only on PostgreSQL: {only_postgres:#?}"
    );
}
