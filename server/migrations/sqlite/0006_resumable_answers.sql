-- Resumable answers: where each streamed piece ends in the content (a JSON array of byte
-- offsets), when the generator last saved progress, and whether someone asked it to stop.
ALTER TABLE messages ADD COLUMN chunk_ends TEXT NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN heartbeat_at INTEGER;
ALTER TABLE messages ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0;
