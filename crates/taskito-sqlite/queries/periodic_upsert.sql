-- A worker (re)registers a schedule: its definition is the latest worker's,
-- its last tick is kept.
INSERT INTO periodic_schedules (name, task_name, cron_expr, timezone, queue)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (name) DO UPDATE SET
    task_name = excluded.task_name,
    cron_expr = excluded.cron_expr,
    timezone = excluded.timezone,
    queue = excluded.queue
RETURNING name, task_name, cron_expr, timezone, queue, last_tick_at
