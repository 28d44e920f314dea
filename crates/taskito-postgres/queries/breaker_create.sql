-- $1 task name, $2 threshold, $3 window_ms, $4 cooldown_ms: a closed breaker,
-- unless the task has one (so that the next statement can lock its row).
INSERT INTO circuit_breakers (task_name, state, failure_count, threshold, window_ms, cooldown_ms)
VALUES ($1, 'closed', 0, $2, $3, $4)
ON CONFLICT (task_name) DO NOTHING
