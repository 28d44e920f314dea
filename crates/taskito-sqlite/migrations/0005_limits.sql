-- Rate limits and circuit breakers, shared by every worker through the database.

-- One row per rate limit: the earliest free start slot (Unix ms).
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    next_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Slots taken by jobs that were delayed until them.
CREATE TABLE rate_reservations (
    job_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    slot_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE circuit_breakers (
    task_name TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    failure_count INTEGER NOT NULL,
    window_started_at INTEGER,
    last_failure_at INTEGER,
    opened_at INTEGER,
    trial_job_id TEXT,
    trial_started_at INTEGER,
    threshold INTEGER NOT NULL,
    window_ms INTEGER NOT NULL,
    cooldown_ms INTEGER NOT NULL
) WITHOUT ROWID;
