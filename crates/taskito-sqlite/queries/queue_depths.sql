-- Live jobs per queue, read from indexes of live jobs, never the whole table:
-- ready pending jobs from jobs_ready (which carries the queue), pending jobs
-- waiting for dependencies through jobs_status_created, running jobs from
-- jobs_leases (a handful of rows). INDEXED BY: the planner would otherwise
-- read every pending row through jobs_status_created for the first part.
SELECT queue, 'pending' AS status, count(*) FROM jobs INDEXED BY jobs_ready
WHERE status = 'pending' AND waiting_on = 0 GROUP BY queue
UNION ALL
SELECT queue, 'pending' AS status, count(*) FROM jobs
WHERE status = 'pending' AND waiting_on > 0 GROUP BY queue
UNION ALL
SELECT queue, 'running' AS status, count(*) FROM jobs INDEXED BY jobs_leases
WHERE status = 'running' GROUP BY queue
