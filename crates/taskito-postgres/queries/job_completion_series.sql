-- Completed jobs since $1 in buckets of $2 ms, reading at most the $3 most
-- recent ones from the partial index jobs_completed_at.
SELECT $1::bigint + ((completed_at - $1::bigint) / $2::bigint) * $2::bigint AS bucket,
       count(*),
       avg(completed_at - coalesce(started_at, completed_at))::float8,
       max(completed_at - coalesce(started_at, completed_at)),
       avg(coalesce(started_at, completed_at) - created_at)::float8
FROM (SELECT completed_at, started_at, created_at
      FROM jobs
      WHERE status = 'complete' AND completed_at >= $1::bigint
      ORDER BY completed_at DESC
      LIMIT $3) recent
GROUP BY bucket
ORDER BY bucket
