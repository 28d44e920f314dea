-- ?1 job id: the jobs it depends on, in the order given at insert.
SELECT depends_on FROM job_dependencies WHERE job_id = ?1 ORDER BY position
