-- taskito schema, version 1. Applied once per database file inside a
-- BEGIN IMMEDIATE transaction; PRAGMA user_version records that it ran.
-- Times are Unix milliseconds.

-- Big blobs (payload, result) are the last columns: SQLite stores a row as one
-- record, and columns after a blob that spills into overflow pages cost extra
-- page reads for every status check.
CREATE TABLE jobs (
    id               TEXT    NOT NULL PRIMARY KEY,
    queue            TEXT    NOT NULL,
    task_name        TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    priority         INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    scheduled_at     INTEGER NOT NULL,
    started_at       INTEGER,
    completed_at     INTEGER,
    attempt          INTEGER NOT NULL DEFAULT 0,
    retry_count      INTEGER NOT NULL DEFAULT 0,
    max_retries      INTEGER NOT NULL,
    backoff_ms       INTEGER NOT NULL,
    timeout_ms       INTEGER NOT NULL,
    crash_count      INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    error            TEXT,
    progress         INTEGER,
    unique_key       TEXT,
    metadata         TEXT,
    expires_at       INTEGER,
    result_ttl_ms    INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    payload          BLOB    NOT NULL,
    result           BLOB
) STRICT;

-- The claim walks this index in claim order and stops after LIMIT rows, so
-- finished rows and the size of the backlog do not slow it down. `queue` is
-- carried along (not sorted on) so that skipping ready jobs of queues the
-- worker does not serve reads only the index, never the table.
CREATE INDEX jobs_ready ON jobs (priority DESC, scheduled_at, id, queue)
    WHERE status = 'pending';

-- Running jobs are few (one per busy worker slot): heartbeat finds a worker's
-- leases by owner, rescue scans this small index for expired ones.
CREATE INDEX jobs_leases ON jobs (lease_owner, lease_expires_at)
    WHERE status = 'running';

-- At most one live job per unique key; finished jobs free the key.
CREATE UNIQUE INDEX jobs_unique_live ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('pending', 'running');

-- Stats (covering GROUP BY status) and listing one state newest first.
CREATE INDEX jobs_status_created ON jobs (status, created_at);

-- Listing all jobs newest first.
CREATE INDEX jobs_created ON jobs (created_at);

-- Purging old completed jobs without scanning the others.
CREATE INDEX jobs_completed_at ON jobs (completed_at)
    WHERE status = 'complete';

-- Expiring pending jobs before each claim: empty unless jobs carry a deadline.
CREATE INDEX jobs_pending_expiry ON jobs (expires_at)
    WHERE status = 'pending' AND expires_at IS NOT NULL;

CREATE TABLE job_errors (
    id        INTEGER NOT NULL PRIMARY KEY,
    job_id    TEXT    NOT NULL,
    attempt   INTEGER NOT NULL,
    error     TEXT    NOT NULL,
    failed_at INTEGER NOT NULL
) STRICT;

CREATE INDEX job_errors_job ON job_errors (job_id, id);

CREATE TABLE dead_letters (
    id              TEXT    NOT NULL PRIMARY KEY,
    original_job_id TEXT    NOT NULL,
    queue           TEXT    NOT NULL,
    task_name       TEXT    NOT NULL,
    error           TEXT,
    retry_count     INTEGER NOT NULL,
    failed_at       INTEGER NOT NULL,
    metadata        TEXT,
    priority        INTEGER NOT NULL,
    max_retries     INTEGER NOT NULL,
    backoff_ms      INTEGER NOT NULL,
    timeout_ms      INTEGER NOT NULL,
    result_ttl_ms   INTEGER,
    payload         BLOB    NOT NULL
) STRICT;

CREATE INDEX dead_letters_failed_at ON dead_letters (failed_at);

CREATE TABLE workers (
    worker_id      TEXT    NOT NULL PRIMARY KEY,
    hostname       TEXT    NOT NULL,
    pid            INTEGER NOT NULL,
    queues         TEXT    NOT NULL,
    threads        INTEGER NOT NULL,
    started_at     INTEGER NOT NULL,
    last_heartbeat INTEGER NOT NULL
) STRICT;
