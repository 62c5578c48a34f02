-- The inbox search reads a copy of each visitor's message with its case folded by Rust
-- (`db::fold_case`), so that "café" finds "CAFÉ" on both databases: SQLite's LOWER() folds only
-- ASCII, and PostgreSQL's depends on the database's locale. Rows written before this migration
-- are filled once at start-up (`Db::migrate`).
ALTER TABLE messages ADD COLUMN search_text TEXT;
