-- The first heartbeat registers the worker; later ones refresh it but keep
-- its start time.
INSERT INTO workers (worker_id, hostname, pid, queues, threads, started_at, last_heartbeat)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (worker_id) DO UPDATE SET
    hostname = excluded.hostname,
    pid = excluded.pid,
    queues = excluded.queues,
    threads = excluded.threads,
    last_heartbeat = excluded.last_heartbeat
