"""Driver for taskito: ours (the running interpreter) and 0.22 from PyPI (its own venv).

Bulk API: ``task.map`` (one transaction per call). Results are counted with
``queue.stats()["completed"]``. ``fill-finished`` inserts the jobs through ``task.map``
and then marks them finished with one SQL transaction, writing what a worker writes
(status, attempt, timestamps, the serialized result); for 0.22, which moves finished
jobs to ``archived_jobs`` and records a ``task_metrics`` row per job, it does that.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time

import bench_protocol as bp


def finish_ours(db: sqlite3.Connection, result: bytes, now: int) -> None:
    moved = db.execute(
        "UPDATE jobs SET status = 'complete', attempt = attempt + 1, started_at = ?1,"
        " completed_at = ?1, result = ?2 WHERE status = 'pending'",
        (now, result),
    ).rowcount
    # The counts per state are kept by whoever moves jobs (migration 0009).
    db.execute("UPDATE job_counts SET n = n - ?1 WHERE status = 'pending'", (moved,))
    db.execute("UPDATE job_counts SET n = n + ?1 WHERE status = 'complete'", (moved,))


def finish_022(db: sqlite3.Connection, result: bytes, now: int) -> None:
    columns = (
        "id, queue, task_name, payload, status, priority, created_at, scheduled_at,"
        " started_at, completed_at, retry_count, max_retries, result, error, timeout_ms,"
        " unique_key, progress, metadata, notes, cancel_requested, expires_at,"
        " result_ttl_ms, namespace"
    )
    values = columns.replace(" status,", " 2,").replace(" started_at, completed_at,", " ?1, ?1,")
    values = values.replace(" result,", " ?2,")
    db.execute(
        f"INSERT INTO archived_jobs ({columns}) SELECT {values} FROM jobs WHERE status = 0",
        (now, result),
    )
    db.execute(
        "INSERT INTO task_metrics (id, task_name, job_id, wall_time_ns, memory_bytes,"
        " succeeded, recorded_at, namespace) SELECT lower(hex(randomblob(16))), task_name,"
        " id, 20000, 0, TRUE, ?1, namespace FROM jobs WHERE status = 0",
        (now,),
    )
    db.execute("DELETE FROM jobs WHERE status = 0")


def fill_finished(app: object, n: int) -> dict[str, object]:
    queue = app.queue  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    for chunk in bp.batches(n, 50_000):
        app.noop.map([(i,) for i in chunk])  # type: ignore[attr-defined]
    inserted_s = time.perf_counter() - t0
    db = sqlite3.connect(os.path.join(bp.work_dir(), "taskito.db"), timeout=60)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finish = finish_022 if "archived_jobs" in tables else finish_ours
    db.execute("BEGIN IMMEDIATE")
    finish(db, bytes(queue._serializer.dumps(0)), int(time.time() * 1000))
    db.commit()
    # Start the measurement from a settled file: the fill's WAL copied into the
    # database and the written pages on disk, rather than leaving the worker's first
    # checkpoint to pay for a gigabyte of writeback.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    os.sync()
    completed = queue.stats()["completed"]
    if completed != n:
        raise RuntimeError(f"{completed} finished jobs after marking, expected {n}")
    return {
        "finished": completed,
        "insert_s": round(inserted_s, 2),
        "mark_s": round(time.perf_counter() - t0 - inserted_s, 2),
    }


def worker_argv() -> list[str]:
    script = bp.bin_path("taskito")
    if os.path.exists(script):
        return [script, "worker", "--app", "taskito_app:queue"]
    return [sys.executable, "-m", "taskito", "worker", "--app", "taskito_app:queue"]


def main() -> None:
    args = bp.parse_args()
    if args.phase == "worker":
        bp.exec_worker(worker_argv())
    if args.phase == "reset":
        bp.emit({})
        return
    import taskito
    import taskito_app as app

    queue = app.queue
    task = app.noop if args.task == "noop" else app.cpu
    figures: dict[str, object] = {"version": getattr(taskito, "__version__", "?")}
    if args.phase == "enqueue":
        figures.update(
            bp.enqueue_figures(
                lambda ids: app.noop.map([(i,) for i in ids]), app.noop.delay, args.n, args.singles
            )
        )
        figures["bulk_api"] = "task.map()"
    elif args.phase == "fill":
        for chunk in bp.batches(args.n):
            task.map([(i,) for i in chunk])
        figures["queued"] = queue.stats()["pending"]
    elif args.phase == "fill-finished":
        figures.update(fill_finished(app, args.n))
    elif args.phase == "wait":
        before = queue.stats()["completed"]
        figures.update(
            bp.wait_done(
                lambda: queue.stats()["completed"] - before,
                args.n,
                args.budget,
                busy=lambda: bool(
                    queue.list_jobs(status="pending", limit=1)
                    or queue.list_jobs(status="running", limit=1)
                ),
            )
        )
        stats = queue.stats()
        figures["failed"] = stats["failed"] + stats["dead"]
    elif args.phase == "latency":
        figures.update(
            bp.round_trips(lambda i: app.noop.delay(i).result(timeout=60), args.n, args.budget)
        )
    bp.emit(figures)


if __name__ == "__main__":
    main()
