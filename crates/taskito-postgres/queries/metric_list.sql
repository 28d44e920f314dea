-- $2: task name, or NULL for all.
SELECT worker_id, task_name, bucket_start, last_at, count, success_count, failure_count,
       sum_us, min_us, max_us, histogram
FROM task_metrics
WHERE last_at >= $1
  AND ($2::text IS NULL OR task_name = $2)
