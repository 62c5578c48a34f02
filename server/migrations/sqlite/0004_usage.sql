-- One row per chat turn: what it used and cost. Kept when the chatbot or key goes away, because
-- usage is billing history. Cost is in millionths of a US dollar.
CREATE TABLE usage_events (
    id TEXT PRIMARY KEY NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    chatbot_id TEXT NOT NULL,
    key_id TEXT,
    message_id TEXT NOT NULL,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_micros INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX usage_events_workspace_time ON usage_events (workspace_id, created_at);
CREATE INDEX usage_events_key_time ON usage_events (key_id, created_at);
