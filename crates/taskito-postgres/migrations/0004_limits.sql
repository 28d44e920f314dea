-- Rate limits and circuit breakers, shared by every worker through the database.

-- One row per rate limit: the earliest free start slot (Unix ms).
CREATE TABLE rate_limits (
    key TEXT COLLATE "C" PRIMARY KEY,
    next_at BIGINT NOT NULL
);

-- Slots taken by jobs that were delayed until them.
CREATE TABLE rate_reservations (
    job_id TEXT COLLATE "C" PRIMARY KEY,
    key TEXT NOT NULL,
    slot_at BIGINT NOT NULL
);

CREATE TABLE circuit_breakers (
    task_name TEXT COLLATE "C" PRIMARY KEY,
    state TEXT NOT NULL,
    failure_count INTEGER NOT NULL,
    window_started_at BIGINT,
    last_failure_at BIGINT,
    opened_at BIGINT,
    trial_job_id TEXT,
    trial_started_at BIGINT,
    threshold INTEGER NOT NULL,
    window_ms BIGINT NOT NULL,
    cooldown_ms BIGINT NOT NULL
);
