-- $1 job id.
SELECT {job_columns}
FROM jobs
WHERE id = $1
