-- The first heartbeat registers the worker; later ones refresh it but keep
-- its start time.
INSERT INTO workers (worker_id, hostname, pid, queues, threads, started_at, last_heartbeat)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (worker_id) DO UPDATE SET
    hostname = EXCLUDED.hostname,
    pid = EXCLUDED.pid,
    queues = EXCLUDED.queues,
    threads = EXCLUDED.threads,
    last_heartbeat = EXCLUDED.last_heartbeat
