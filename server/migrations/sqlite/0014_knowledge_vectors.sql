-- Embedding vectors of knowledge chunks, for hybrid retrieval. The database is their source of
-- truth; each process keeps a view in memory that catches up through knowledge_changes, like
-- the BM25 index. A vector is little-endian f32 (dims of them) from one model; content_hash
-- is the SHA-256 of the model and the embedded text, so a chunk whose text did not change is
-- never embedded again. Vectors go with their chunk, source and chatbot.
CREATE TABLE knowledge_vectors (
    entry_id TEXT PRIMARY KEY NOT NULL REFERENCES knowledge_entries (id) ON DELETE CASCADE,
    chatbot_id TEXT NOT NULL REFERENCES chatbots (id) ON DELETE CASCADE,
    source_id TEXT REFERENCES knowledge_sources (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    dims INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX knowledge_vectors_source ON knowledge_vectors (source_id);
CREATE INDEX knowledge_vectors_chatbot ON knowledge_vectors (chatbot_id, model);
