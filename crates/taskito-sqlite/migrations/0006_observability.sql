-- taskito schema: job logs and task metrics (issue 6, item 9).

-- Lines a task writes with current_job.log(). `extra` is JSON text.
CREATE TABLE job_logs (
    id        INTEGER NOT NULL PRIMARY KEY,
    job_id    TEXT    NOT NULL,
    task_name TEXT    NOT NULL,
    level     TEXT    NOT NULL,
    message   TEXT    NOT NULL,
    extra     TEXT,
    logged_at INTEGER NOT NULL
) STRICT;

-- task_logs(job_id), oldest first; and deleting a purged job's lines.
CREATE INDEX job_logs_job ON job_logs (job_id, id);
-- query_logs (newest first) and the retention prune.
CREATE INDEX job_logs_logged_at ON job_logs (logged_at, id);

-- A job's lines go with the job when it is purged (result TTL, purge_completed).
-- Jobs are deleted only by purges, never on the claim/finish path.
CREATE TRIGGER job_logs_follow_job AFTER DELETE ON jobs
BEGIN
    DELETE FROM job_logs WHERE job_id = OLD.id;
END;

-- One row per worker, task and minute: the worker's running tally of the
-- attempts of that task that finished in that minute, rewritten as it grows.
-- `histogram` is "bucket:count,..." over log-scale duration buckets.
CREATE TABLE task_metrics (
    worker_id     TEXT    NOT NULL,
    task_name     TEXT    NOT NULL,
    bucket_start  INTEGER NOT NULL,
    last_at       INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    success_count INTEGER NOT NULL,
    failure_count INTEGER NOT NULL,
    sum_us        INTEGER NOT NULL,
    min_us        INTEGER NOT NULL,
    max_us        INTEGER NOT NULL,
    histogram     TEXT    NOT NULL,
    PRIMARY KEY (worker_id, task_name, bucket_start)
) STRICT;

-- metrics(since=...) and the retention prune.
CREATE INDEX task_metrics_last_at ON task_metrics (last_at);
