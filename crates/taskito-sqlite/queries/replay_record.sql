-- ?1 original job id, ?2 replay job id, ?3 replayed at.
INSERT INTO replay_history (original_job_id, replay_job_id, replayed_at)
VALUES (?1, ?2, ?3)
