-- Rate-limit buckets, shared by every process on the database. Times are microseconds since the
-- Unix epoch; `version` makes each update a compare-and-swap.
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY NOT NULL,
    tat_second BIGINT NOT NULL,
    tat_minute BIGINT NOT NULL,
    day BIGINT NOT NULL,
    day_count BIGINT NOT NULL,
    version BIGINT NOT NULL
);

-- The plan that sets a workspace's API rate limits.
ALTER TABLE workspaces ADD COLUMN plan TEXT NOT NULL DEFAULT 'free';
