-- The visitors' messages still without their case-folded copy (0017), which `Db::migrate` looks
-- for at every start: a partial index, empty once they are filled, so that the look is one probe
-- instead of a scan of every message.
CREATE INDEX messages_unfolded ON messages (id) WHERE role = 'user' AND search_text IS NULL;
