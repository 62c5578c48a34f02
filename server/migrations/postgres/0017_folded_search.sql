-- The inbox search reads a copy of each visitor's message with its case folded by Rust
-- (`db::fold_case`), so that "café" finds "CAFÉ" on both databases: SQLite's LOWER() folds only
-- ASCII, and PostgreSQL's depends on the database's locale. Rows written before this migration
-- are filled once at start-up (`Db::migrate`).
ALTER TABLE messages ADD COLUMN search_text TEXT;
-- 0013 declared this flag INTEGER (4 bytes) where every other flag is BIGINT, as SQLite's
-- INTEGER is; the migration pair test (tests/api/migrations.rs) compares the two schemas.
ALTER TABLE conversations ALTER COLUMN user_verified TYPE BIGINT;
