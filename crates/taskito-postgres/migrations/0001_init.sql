-- taskito schema for PostgreSQL, version 1. Applied once per schema, inside
-- the transaction that holds taskito's migration advisory lock, with
-- search_path set to the store's schema; taskito_migrations records it.
-- Times are Unix milliseconds (BIGINT), written from the callers' clock, as
-- in the SQLite schema.
--
-- Text that is compared or sorted on uses the "C" collation: ids sort
-- bytewise whatever the database's locale (the claim's tie-break must be the
-- same on every backend), and comparisons skip locale rules.

CREATE TABLE jobs (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    queue            TEXT COLLATE "C" NOT NULL,
    task_name        TEXT COLLATE "C" NOT NULL,
    status           TEXT COLLATE "C" NOT NULL CHECK (status IN
                         ('pending', 'running', 'complete', 'failed', 'dead', 'cancelled')),
    priority         INTEGER NOT NULL,
    created_at       BIGINT  NOT NULL,
    scheduled_at     BIGINT  NOT NULL,
    started_at       BIGINT,
    completed_at     BIGINT,
    attempt          INTEGER NOT NULL DEFAULT 0,
    retry_count      INTEGER NOT NULL DEFAULT 0,
    max_retries      INTEGER NOT NULL,
    backoff_ms       BIGINT  NOT NULL,
    timeout_ms       BIGINT  NOT NULL,
    crash_count      INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT COLLATE "C",
    lease_expires_at BIGINT,
    -- Set by each claim to a value of its own: after a connection loss during
    -- the claim's COMMIT, the claimer finds what it claimed by it.
    claim_token      TEXT COLLATE "C",
    error            TEXT,
    progress         INTEGER,
    unique_key       TEXT COLLATE "C",
    metadata         TEXT,
    expires_at       BIGINT,
    result_ttl_ms    BIGINT,
    cancel_requested BOOLEAN NOT NULL DEFAULT false,
    -- Insertion order: breaks ties between jobs created in the same ms when
    -- listing newest first (SQLite uses its rowid).
    seq              BIGINT GENERATED ALWAYS AS IDENTITY,
    payload          BYTEA   NOT NULL,
    result           BYTEA
) WITH (
    -- Every job row is rewritten a few times (claim, outcome); room on the
    -- page lets some of those updates stay on it. A queue table churns: vacuum
    -- and analyze it after a few percent of its rows changed, not 20 %.
    fillfactor = 85,
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.02
);

-- The claim walks this index in claim order and stops after LIMIT rows.
-- Partial: only pending jobs are in it, so finished jobs (however many) never
-- slow the claim down, and the index stays small and hot.
CREATE INDEX jobs_ready ON jobs (priority DESC, scheduled_at, id)
    WHERE status = 'pending';

-- Running jobs are few (one per busy worker slot): heartbeats find a worker's
-- leases by owner, rescues scan this small index for expired ones.
CREATE INDEX jobs_leases ON jobs (lease_owner, lease_expires_at)
    WHERE status = 'running';

-- At most one live job per unique key; finished jobs free the key.
CREATE UNIQUE INDEX jobs_unique_live ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('pending', 'running');

-- Stats (GROUP BY status) and listing one state newest first.
CREATE INDEX jobs_status_created ON jobs (status, created_at, seq);

-- Listing all jobs newest first.
CREATE INDEX jobs_created ON jobs (created_at, seq);

-- Purging old completed jobs without scanning the others.
CREATE INDEX jobs_completed_at ON jobs (completed_at)
    WHERE status = 'complete';

-- Completed jobs that carry a result TTL, by the time their result expires.
-- The purge repeats this expression and WHERE clause exactly.
CREATE INDEX jobs_result_expiry ON jobs ((completed_at + result_ttl_ms))
    WHERE status = 'complete' AND result_ttl_ms IS NOT NULL;

-- Expiring pending jobs before each claim: empty unless jobs carry a deadline.
CREATE INDEX jobs_pending_expiry ON jobs (expires_at)
    WHERE status = 'pending' AND expires_at IS NOT NULL;

CREATE TABLE job_errors (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id    TEXT COLLATE "C" NOT NULL,
    attempt   INTEGER NOT NULL,
    error     TEXT    NOT NULL,
    failed_at BIGINT  NOT NULL
);

CREATE INDEX job_errors_job ON job_errors (job_id, id);

CREATE TABLE dead_letters (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    original_job_id TEXT COLLATE "C" NOT NULL,
    queue           TEXT COLLATE "C" NOT NULL,
    task_name       TEXT COLLATE "C" NOT NULL,
    error           TEXT,
    retry_count     INTEGER NOT NULL,
    failed_at       BIGINT  NOT NULL,
    metadata        TEXT,
    priority        INTEGER NOT NULL,
    max_retries     INTEGER NOT NULL,
    backoff_ms      BIGINT  NOT NULL,
    timeout_ms      BIGINT  NOT NULL,
    result_ttl_ms   BIGINT,
    -- Insertion order, for listing newest first among equal failed_at.
    seq             BIGINT GENERATED ALWAYS AS IDENTITY,
    payload         BYTEA   NOT NULL
);

CREATE INDEX dead_letters_failed_at ON dead_letters (failed_at, seq);

CREATE TABLE workers (
    worker_id      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    hostname       TEXT    NOT NULL,
    -- u32 values: PostgreSQL has no unsigned integers.
    pid            BIGINT  NOT NULL,
    queues         TEXT    NOT NULL,
    threads        BIGINT  NOT NULL,
    started_at     BIGINT  NOT NULL,
    last_heartbeat BIGINT  NOT NULL
);

-- One row per replay of a job. The errors shown with it are read from the two
-- jobs at read time, so the replay's error is its current one.
CREATE TABLE replay_history (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    original_job_id TEXT COLLATE "C" NOT NULL,
    replay_job_id   TEXT COLLATE "C" NOT NULL,
    replayed_at     BIGINT NOT NULL
);

CREATE INDEX replay_history_original ON replay_history (original_job_id, replayed_at, id);
