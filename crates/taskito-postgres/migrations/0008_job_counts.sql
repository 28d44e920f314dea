-- taskito schema for PostgreSQL, version 8: job counts per status, so
-- `stats()` (the dashboard's and `taskito info`'s counts) reads a few rows
-- instead of walking an index of every job. Applied after 0007 in the same
-- way (advisory lock, search_path on the store's schema).
--
-- Writers never update a shared counter row (every worker would queue on its
-- lock): statement-level triggers append signed deltas to `job_count_deltas`, a heap with no
-- index, and a maintenance turn (and `stats()` itself) folds them into
-- `job_counts` about once a second. A count is the sum over both tables,
-- read in one snapshot, so it is exact whenever it is read.
CREATE TABLE job_counts (
    status TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    n      BIGINT NOT NULL
);

CREATE TABLE job_count_deltas (
    status TEXT COLLATE "C" NOT NULL,
    n      BIGINT NOT NULL
);

INSERT INTO job_counts (status, n)
SELECT s.status, (SELECT count(*) FROM jobs WHERE jobs.status = s.status)
FROM unnest(ARRAY['pending', 'running', 'complete', 'failed', 'dead', 'cancelled']) AS s(status);

-- One trigger run per statement, never per row: inserts and deletes come in
-- batches (`map`, purges), and so do claims and completions (one statement
-- each); a row trigger on updates cost a sixth of the worker's throughput.
-- Each run adds one delta per status from the statement's transition tables.
-- Updates that leave the status alone (leases, progress, cancel requests) add
-- none: PostgreSQL allows no column list (UPDATE OF status) on a trigger with
-- transition tables, hence the HAVING. A branch names only the tables its own
-- trigger defines (PL/pgSQL plans a statement when it first runs it).
CREATE FUNCTION job_counts_changed() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO job_count_deltas (status, n)
        SELECT status, count(*) FROM jobs_after GROUP BY status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO job_count_deltas (status, n)
        SELECT status, -count(*) FROM jobs_before GROUP BY status;
    ELSE
        INSERT INTO job_count_deltas (status, n)
        SELECT status, sum(n)
        FROM (
            SELECT status, -1 AS n FROM jobs_before
            UNION ALL
            SELECT status, 1 AS n FROM jobs_after
        ) AS moved
        GROUP BY status
        HAVING sum(n) <> 0;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_counts_inserted AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS jobs_after
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_changed();

CREATE TRIGGER job_counts_deleted AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS jobs_before
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_changed();

CREATE TRIGGER job_counts_moved AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS jobs_before NEW TABLE AS jobs_after
    FOR EACH STATEMENT EXECUTE FUNCTION job_counts_changed();
