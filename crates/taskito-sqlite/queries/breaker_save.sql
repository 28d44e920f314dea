-- Writes a breaker's whole state (?1 task name ... ?11 cooldown_ms).
INSERT INTO circuit_breakers (task_name, state, failure_count, window_started_at,
    last_failure_at, opened_at, trial_job_id, trial_started_at, threshold, window_ms,
    cooldown_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (task_name) DO UPDATE SET
    state = excluded.state,
    failure_count = excluded.failure_count,
    window_started_at = excluded.window_started_at,
    last_failure_at = excluded.last_failure_at,
    opened_at = excluded.opened_at,
    trial_job_id = excluded.trial_job_id,
    trial_started_at = excluded.trial_started_at,
    threshold = excluded.threshold,
    window_ms = excluded.window_ms,
    cooldown_ms = excluded.cooldown_ms
