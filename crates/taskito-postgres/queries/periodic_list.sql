SELECT name, task_name, cron_expr, timezone, queue, registered_at, last_tick_at
FROM periodic_schedules
ORDER BY name
