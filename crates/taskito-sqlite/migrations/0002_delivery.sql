-- taskito schema, version 2: replay history and result expiry. Applied after
-- 0001 in the same way (BEGIN IMMEDIATE, then PRAGMA user_version = 2), also
-- on databases created at version 1.

-- One row per replay of a job. The errors shown with it are read from the two
-- jobs at read time, so the replay's error is its current one.
CREATE TABLE replay_history (
    id              INTEGER NOT NULL PRIMARY KEY,
    original_job_id TEXT    NOT NULL,
    replay_job_id   TEXT    NOT NULL,
    replayed_at     INTEGER NOT NULL
) STRICT;

-- Replays of one job, oldest first (the rowid breaks ties).
CREATE INDEX replay_history_original ON replay_history (original_job_id, replayed_at);

-- Completed jobs that carry a result TTL, by the time their result expires:
-- the purge walks only the expired ones. Empty unless jobs set a TTL. The
-- purge statements repeat this expression and WHERE clause exactly, which is
-- what lets SQLite use the index.
CREATE INDEX jobs_result_expiry ON jobs (completed_at + result_ttl_ms)
    WHERE status = 'complete' AND result_ttl_ms IS NOT NULL;
