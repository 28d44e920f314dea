-- taskito schema for PostgreSQL, version 6: dependency edges go with their
-- jobs. Applied after 0005 in the same way (advisory lock, search_path on the
-- store's schema).

-- A purged job (result TTL, purge_completed: complete jobs only, whose
-- dependents were released when it completed) takes its edges with it, both
-- those to its own dependencies and those of the jobs that waited for it:
-- one statement per purge, over the deleted ids. Jobs are deleted only by
-- purges, never on the claim/finish path. The function keeps the schema it
-- was created in, whatever the caller's search_path.
CREATE FUNCTION job_dependencies_follow_jobs() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM job_dependencies WHERE job_id IN (SELECT id FROM purged_jobs);
    DELETE FROM job_dependencies WHERE depends_on IN (SELECT id FROM purged_jobs);
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_dependencies_follow_jobs AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS purged_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION job_dependencies_follow_jobs();

-- Edges left behind by purges before this version.
DELETE FROM job_dependencies AS d
WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE id = d.job_id)
   OR NOT EXISTS (SELECT 1 FROM jobs WHERE id = d.depends_on);
