-- Live jobs per queue, from indexes of live jobs (ready pending: jobs_ready;
-- pending waiting for dependencies: jobs_status_created; running:
-- jobs_leases), never from the whole table.
SELECT queue, 'pending' AS status, count(*) FROM jobs
WHERE status = 'pending' AND waiting_on = 0 GROUP BY queue
UNION ALL
SELECT queue, 'pending' AS status, count(*) FROM jobs
WHERE status = 'pending' AND waiting_on > 0 GROUP BY queue
UNION ALL
SELECT queue, 'running' AS status, count(*) FROM jobs WHERE status = 'running' GROUP BY queue
