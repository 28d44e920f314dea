-- taskito schema, version 9: job counts per status, so `stats()` (the
-- dashboard's and `taskito info`'s counts) reads six rows instead of walking an
-- index of every job. SQLite has one writer at a time, so one row per status is
-- no point of contention. The code that moves jobs keeps the counts, one UPDATE
-- per state per statement (src/counts.rs says why not triggers): anything else
-- that writes to `jobs` must update `job_counts` in the same transaction.
CREATE TABLE job_counts (
    status TEXT    NOT NULL PRIMARY KEY,
    n      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO job_counts (status, n)
SELECT s.status, (SELECT count(*) FROM jobs WHERE jobs.status = s.status)
FROM (SELECT 'pending' AS status UNION ALL SELECT 'running'
      UNION ALL SELECT 'complete' UNION ALL SELECT 'failed'
      UNION ALL SELECT 'dead' UNION ALL SELECT 'cancelled') AS s;
