SELECT name, task_name, cron_expr, timezone, queue, last_tick_at
FROM periodic_schedules
ORDER BY name
