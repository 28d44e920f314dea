-- taskito schema for PostgreSQL: periodic tasks. Applied like the earlier
-- steps (inside the migration transaction, search_path set to the schema).

-- One row per schedule name, upserted by every worker at start. last_tick_at
-- only moves forward: a tick at or before it is never enqueued again.
CREATE TABLE periodic_schedules (
    name         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    task_name    TEXT    NOT NULL,
    cron_expr    TEXT    NOT NULL,
    timezone     TEXT    NOT NULL,
    queue        TEXT    NOT NULL,
    -- Ticks missed since the first registration are caught up, once.
    registered_at BIGINT NOT NULL,
    last_tick_at BIGINT
);

-- One row per enqueued tick: the primary key is the constraint that makes a
-- tick enqueue one job however many workers race for it. Rows a day older
-- than the schedule's latest tick are pruned (last_tick_at guards those).
CREATE TABLE periodic_ticks (
    schedule_name TEXT COLLATE "C" NOT NULL,
    tick_at       BIGINT NOT NULL,
    job_id        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (schedule_name, tick_at)
);
