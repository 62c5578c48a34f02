-- Allowed browser origins per key, space-separated and normalised (empty: no restriction for
-- secret keys).
ALTER TABLE api_keys ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '';
