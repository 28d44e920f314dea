-- ?1 dependent job id, ?2 dependency id, ?3 position among its dependencies.
INSERT INTO job_dependencies (job_id, depends_on, position) VALUES (?1, ?2, ?3)
