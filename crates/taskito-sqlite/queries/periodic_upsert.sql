-- A worker (re)registers a schedule: its definition is the latest worker's,
-- its registration time and last tick are kept.
INSERT INTO periodic_schedules (name, task_name, cron_expr, timezone, queue, registered_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (name) DO UPDATE SET
    task_name = excluded.task_name,
    cron_expr = excluded.cron_expr,
    timezone = excluded.timezone,
    queue = excluded.queue
RETURNING name, task_name, cron_expr, timezone, queue, registered_at, last_tick_at
