SELECT task_name, state, failure_count, window_started_at, last_failure_at, opened_at,
       trial_job_id, trial_started_at, threshold, window_ms, cooldown_ms
FROM circuit_breakers
ORDER BY task_name
