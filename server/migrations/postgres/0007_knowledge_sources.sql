-- A knowledge source is what an owner adds (a Q&A pair, a text, later a page or a file); its
-- chunks are the knowledge entries that retrieval ranks.
CREATE TABLE knowledge_sources (
    id TEXT PRIMARY KEY NOT NULL,
    chatbot_id TEXT NOT NULL REFERENCES chatbots (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    source_url TEXT,
    status TEXT NOT NULL,
    error TEXT,
    chunk_count BIGINT NOT NULL DEFAULT 0,
    byte_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX knowledge_sources_chatbot ON knowledge_sources (chatbot_id, created_at);

ALTER TABLE knowledge_entries ADD COLUMN source_id TEXT REFERENCES knowledge_sources (id) ON DELETE CASCADE;
ALTER TABLE knowledge_entries ADD COLUMN section TEXT;
CREATE INDEX knowledge_entries_source ON knowledge_entries (source_id);
