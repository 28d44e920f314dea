SELECT worker_id, hostname, pid, queues, threads, started_at, last_heartbeat
FROM workers
ORDER BY last_heartbeat DESC, worker_id
