-- Knowledge from the web and from files. A crawl's pages are child sources of the crawl
-- (parent_id), so each page is replaced atomically and skipped when its content hash is
-- unchanged; deleting the crawl deletes its pages.
ALTER TABLE knowledge_sources ADD COLUMN parent_id TEXT REFERENCES knowledge_sources (id) ON DELETE CASCADE;
ALTER TABLE knowledge_sources ADD COLUMN file_name TEXT;
ALTER TABLE knowledge_sources ADD COLUMN content_hash TEXT;
ALTER TABLE knowledge_sources ADD COLUMN pages_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE knowledge_sources ADD COLUMN pages_total BIGINT NOT NULL DEFAULT 0;
CREATE INDEX knowledge_sources_parent ON knowledge_sources (parent_id, source_url);

-- The page of a document (PDF) that a chunk comes from, for citations.
ALTER TABLE knowledge_entries ADD COLUMN page BIGINT;

-- Fetching and crawling run as jobs that a worker leases; a job whose lease expired (its
-- process died) is claimed again and resumes from its checkpoint (state), or fails after
-- too many attempts.
CREATE TABLE knowledge_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    source_id TEXT NOT NULL REFERENCES knowledge_sources (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    state TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT,
    lease_token TEXT,
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX knowledge_jobs_due ON knowledge_jobs (status, lease_until);
CREATE INDEX knowledge_jobs_source ON knowledge_jobs (source_id);

-- Every change to a chatbot's searchable knowledge, in order. Each process's search index is
-- a view of the database that catches up by reading the changes after the last one it applied.
-- A NULL source_id means "reload the whole chatbot".
CREATE TABLE knowledge_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chatbot_id TEXT NOT NULL REFERENCES chatbots (id) ON DELETE CASCADE,
    source_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX knowledge_changes_created ON knowledge_changes (created_at);
