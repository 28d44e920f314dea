INSERT INTO task_metrics (worker_id, task_name, bucket_start, last_at, count, success_count,
                          failure_count, sum_us, min_us, max_us, histogram)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (worker_id, task_name, bucket_start) DO UPDATE SET
    last_at = excluded.last_at,
    count = excluded.count,
    success_count = excluded.success_count,
    failure_count = excluded.failure_count,
    sum_us = excluded.sum_us,
    min_us = excluded.min_us,
    max_us = excluded.max_us,
    histogram = excluded.histogram
