-- taskito schema, version 7: dependency edges go with their jobs. Applied
-- after 0006 in the same way (BEGIN IMMEDIATE, then PRAGMA user_version = 7).

-- A purged job (result TTL, purge_completed: complete jobs only, whose
-- dependents were released when it completed) takes its edges with it, both
-- those to its own dependencies and those of the jobs that waited for it.
-- Jobs are deleted only by purges, never on the claim/finish path.
CREATE TRIGGER job_dependencies_follow_job AFTER DELETE ON jobs
BEGIN
    DELETE FROM job_dependencies WHERE job_id = OLD.id;
    DELETE FROM job_dependencies WHERE depends_on = OLD.id;
END;

-- Edges left behind by purges before this version.
DELETE FROM job_dependencies
WHERE job_id NOT IN (SELECT id FROM jobs) OR depends_on NOT IN (SELECT id FROM jobs);
