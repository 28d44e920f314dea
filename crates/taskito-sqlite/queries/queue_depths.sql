-- Live jobs per queue. Each half is written so that it can be answered from a
-- partial index of live jobs (pending: jobs_ready, which carries the queue;
-- running: jobs_leases, a handful of rows), never from the whole table; the
-- planner would otherwise pick jobs_status_created and read every pending row.
SELECT queue, 'pending' AS status, count(*) FROM jobs INDEXED BY jobs_ready WHERE status = 'pending' GROUP BY queue
UNION ALL
SELECT queue, 'running' AS status, count(*) FROM jobs INDEXED BY jobs_leases WHERE status = 'running' GROUP BY queue
