"""Dashboard API latency with a big job table (default 1,000,000 rows).

Fills a fresh database quickly: ``enqueue_many`` in batches of 50,000, then one SQL
UPDATE marks 98% of the rows complete (completion times spread over the last 24 h,
run times of 5-500 ms), 1% dead and leaves 1% pending, the way a long-running queue
looks (on SQLite it then recounts ``job_counts``, which taskito's own code keeps).
Then it prints, in milliseconds:

- the store reads behind the overview, called directly (no cache): p50 and max;
- each route the overview and job-list pages call, through the dashboard server in
  this process: the first (cold) call, p50 and max. The overview's counts are then
  served from the server's cache, refreshed in the background once a second.

Usage: ``python benchmarks/dashboard_api.py [--rows N] [--calls N]
[--db-url postgresql://...]``. With ``--db-url`` the rows go to a fresh schema of that
PostgreSQL database (dropped afterwards; needs ``psql``).
"""

from __future__ import annotations

import argparse
import functools
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import taskito.dashboard.data as dashboard_data
from taskito import Queue
from taskito.dashboard import make_server, server_url

BATCH = 50_000
MARK_SQL = """
UPDATE jobs SET
    status = CASE WHEN {key} % 100 = 0 THEN 'pending'
                  WHEN {key} % 100 = 1 THEN 'dead' ELSE 'complete' END,
    completed_at = CASE WHEN {key} % 100 = 0 THEN NULL
                        ELSE {now} - ({key} * 7919) % 86400000 END,
    started_at = CASE WHEN {key} % 100 = 0 THEN NULL
                      ELSE {now} - ({key} * 7919) % 86400000 - 5 - {key} % 500 END,
    error = CASE WHEN {key} % 100 = 1 THEN 'ValueError: benchmark' ELSE NULL END,
    attempt = CASE WHEN {key} % 100 = 0 THEN 0 ELSE 1 END
"""


RECOUNT_SQL = (
    "UPDATE job_counts SET n = (SELECT count(*) FROM jobs WHERE status = job_counts.status)"
)


def fill(queue: Queue, rows: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, rows, BATCH):
        count = min(BATCH, rows - start)
        queue_name = "emails" if start // BATCH % 10 == 9 else "default"
        ids += [
            job.id
            for job in queue.enqueue_many(
                "bench.task", [(i,) for i in range(count)], queue=queue_name
            )
        ]
    return ids


def mark(db: str | None, db_url: str | None, schema: str) -> None:
    now = int(time.time() * 1000)
    if db_url is None:
        assert db is not None
        sql = MARK_SQL.format(key="rowid", now=now)
        with sqlite3.connect(db, timeout=60) as conn:
            conn.execute(sql)
            conn.execute(RECOUNT_SQL)
        return
    sql = f"SET search_path TO {schema}; " + MARK_SQL.format(key="seq", now=now)
    subprocess.run(["psql", db_url, "-qc", sql], check=True)
    vacuum = f"VACUUM ANALYZE {schema}.jobs"  # its own command: not inside a transaction
    subprocess.run(["psql", db_url, "-qc", vacuum], check=True)


def timed(call: Callable[[], object], calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def fetch(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=20, help="calls per route")
    parser.add_argument("--db-url", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "taskito.db")
        if args.db_url:
            queue = Queue(backend="postgres", db_url=args.db_url, schema=schema)
        else:
            queue = Queue(db_path=db)
        try:
            started = time.perf_counter()
            ids = fill(queue, args.rows)
            filled = time.perf_counter()
            mark(None if args.db_url else db, args.db_url, schema)
            print(
                f"{args.rows:,} rows: enqueued in {filled - started:.1f} s, "
                f"marked in {time.perf_counter() - filled:.1f} s"
            )
            series = (
                dashboard_data.SERIES_WINDOW_MS,
                dashboard_data.SERIES_BUCKET_MS,
                dashboard_data.SERIES_ROW_LIMIT,
            )
            reads: list[tuple[str, Callable[[], object]]] = [
                ("queue.stats() (kept counts)", queue.stats),
                ("pending/running per queue", queue.queue_depths),
                ("completion series (10 min)", lambda: queue._inner.completion_series(*series)),
            ]
            counts = queue.stats()
            assert counts["completed"] + counts["dead"] + counts["pending"] == args.rows, counts
            print(f"{'store read, uncached':<60} {'p50 ms':>8} {'max ms':>8}")
            for name, call in reads:
                times = timed(call, args.calls)
                print(f"{name:<60} {statistics.median(times):>8.1f} {max(times):>8.1f}")
            server = make_server(queue, "127.0.0.1", 0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = server_url(server)
            middle = queue.get_job(ids[len(ids) // 2])
            assert middle is not None
            deep = f"{middle.to_dict()['created_at']}:{middle.id}"
            routes = [
                "/api/overview",
                "/api/stats",
                "/api/workers",
                "/api/jobs?limit=20",
                "/api/jobs?limit=20&status=complete",
                "/api/jobs?limit=20&status=pending",
                "/api/jobs?limit=20&status=dead",
                "/api/jobs?limit=20&queue=emails",
                f"/api/jobs?limit=20&cursor={deep}",
                f"/api/jobs?limit=20&status=complete&cursor={deep}",
                f"/api/jobs/{middle.id}",
                "/api/dead-letters?limit=20",
            ]
            print(f"{'route':<60} {'cold ms':>8} {'p50 ms':>8} {'max ms':>8}")
            for path in routes:
                times = timed(functools.partial(fetch, base + path), args.calls)
                shown = path.replace(deep, "<middle>").replace(middle.id, "<id>")
                p50, worst = statistics.median(times), max(times)
                print(f"{shown:<60} {times[0]:>8.1f} {p50:>8.1f} {worst:>8.1f}")
            server.shutdown()
        finally:
            if args.db_url:
                drop = f"DROP SCHEMA IF EXISTS {schema} CASCADE"
                subprocess.run(["psql", args.db_url, "-qc", drop], check=False)


if __name__ == "__main__":
    main()
