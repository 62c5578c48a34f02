-- Identity verification for the widget's `Parlor.identify`: each chatbot may have an identity
-- secret (sealed with the instance key, see secrets.rs; shown to its owner once), and a
-- conversation remembers who the visitor said they were and whether the HMAC proved it.
ALTER TABLE chatbots ADD COLUMN identity_secret TEXT;
ALTER TABLE conversations ADD COLUMN user_id TEXT;
ALTER TABLE conversations ADD COLUMN user_name TEXT;
ALTER TABLE conversations ADD COLUMN user_email TEXT;
ALTER TABLE conversations ADD COLUMN user_verified INTEGER NOT NULL DEFAULT 0;
