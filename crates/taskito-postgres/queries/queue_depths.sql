-- Live jobs per queue, from the partial indexes of live jobs (pending:
-- jobs_ready; running: jobs_leases), never from the whole table.
SELECT queue, 'pending' AS status, count(*) FROM jobs WHERE status = 'pending' GROUP BY queue
UNION ALL
SELECT queue, 'running' AS status, count(*) FROM jobs WHERE status = 'running' GROUP BY queue
