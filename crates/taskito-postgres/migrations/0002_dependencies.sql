-- taskito schema for PostgreSQL, version 2: job dependencies. Applied after
-- 0001 in the same way (advisory lock, search_path on the store's schema).

-- How many of the job's dependencies are not complete yet. A pending job
-- with waiting_on > 0 is left out of jobs_ready, so blocked jobs never slow
-- a claim; completing a dependency decrements it.
ALTER TABLE jobs ADD COLUMN waiting_on INTEGER NOT NULL DEFAULT 0;

-- How many jobs depend on this one. The statements that end a job return it,
-- so a job nobody depends on pays no extra statement when it finishes.
ALTER TABLE jobs ADD COLUMN dependents INTEGER NOT NULL DEFAULT 0;

-- One row per (job, dependency) edge, kept after both finish so that
-- JobResult.dependencies / .dependents still answer. `position` is the order
-- the dependencies were given in (a chord callback receives results in it).
CREATE TABLE job_dependencies (
    job_id     TEXT COLLATE "C" NOT NULL,
    depends_on TEXT COLLATE "C" NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (job_id, depends_on)
);

-- From a dependency to the jobs waiting for it (release and cascade).
CREATE INDEX job_dependencies_reverse ON job_dependencies (depends_on, job_id);

-- Ready means pending and waiting for nothing. The claim repeats this WHERE
-- clause, which is what lets the planner use the index.
DROP INDEX jobs_ready;
CREATE INDEX jobs_ready ON jobs (priority DESC, scheduled_at, id)
    WHERE status = 'pending' AND waiting_on = 0;
