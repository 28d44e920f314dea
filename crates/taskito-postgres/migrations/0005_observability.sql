-- taskito schema for PostgreSQL: job logs and task metrics (issue 6, item 9).
-- Applied like 0001 (search_path set to the store's schema).

-- Lines a task writes with current_job.log(). `extra` is JSON text.
CREATE TABLE job_logs (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id    TEXT COLLATE "C" NOT NULL,
    task_name TEXT COLLATE "C" NOT NULL,
    level     TEXT COLLATE "C" NOT NULL,
    message   TEXT   NOT NULL,
    extra     TEXT,
    logged_at BIGINT NOT NULL
);

-- task_logs(job_id), oldest first; and deleting a purged job's lines.
CREATE INDEX job_logs_job ON job_logs (job_id, id);
-- query_logs (newest first) and the retention prune.
CREATE INDEX job_logs_logged_at ON job_logs (logged_at, id);

-- A job's lines go with the job when it is purged (result TTL, purge_completed):
-- one statement per purge, over the deleted ids. Jobs are deleted only by
-- purges, never on the claim/finish path. The function keeps the schema it
-- was created in, whatever the caller's search_path.
CREATE FUNCTION job_logs_follow_jobs() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM job_logs WHERE job_id IN (SELECT id FROM purged_jobs);
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_logs_follow_jobs AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS purged_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION job_logs_follow_jobs();

-- One row per worker, task and minute: the worker's running tally of the
-- attempts of that task that finished in that minute, rewritten as it grows.
-- `histogram` is "bucket:count,..." over log-scale duration buckets.
CREATE TABLE task_metrics (
    worker_id     TEXT COLLATE "C" NOT NULL,
    task_name     TEXT COLLATE "C" NOT NULL,
    bucket_start  BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    success_count BIGINT NOT NULL,
    failure_count BIGINT NOT NULL,
    sum_us        BIGINT NOT NULL,
    min_us        BIGINT NOT NULL,
    max_us        BIGINT NOT NULL,
    histogram     TEXT   NOT NULL,
    PRIMARY KEY (worker_id, task_name, bucket_start)
);

-- metrics(since=...) and the retention prune.
CREATE INDEX task_metrics_last_at ON task_metrics (last_at);
