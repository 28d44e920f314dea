-- $1 original job id. Oldest replay first. Both errors are the jobs' current
-- ones; a job purged since reads as no error.
SELECT h.id, h.original_job_id, h.replay_job_id, h.replayed_at,
       original.error, replay.error
FROM replay_history AS h
LEFT JOIN jobs AS original ON original.id = h.original_job_id
LEFT JOIN jobs AS replay ON replay.id = h.replay_job_id
WHERE h.original_job_id = $1
ORDER BY h.replayed_at, h.id
