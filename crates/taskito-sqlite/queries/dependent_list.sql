-- ?1 job id: the jobs that depend on it, oldest first (ids are time-ordered).
SELECT job_id FROM job_dependencies WHERE depends_on = ?1 ORDER BY job_id
