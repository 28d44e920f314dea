"""Driver for Celery on the local Redis.

Bulk API: none. ``group(...).apply_async()`` is a workflow primitive, not a bulk insert:
it still sends one message per job, with extra bookkeeping, and is slower than a loop of
``delay()`` here, so the batch figure is a ``delay()`` loop. Results are counted as the
keys of the result-backend database (one ``celery-task-meta-*`` key per finished job);
failures are counted from their states. Worker: ``celery -A celery_app worker`` with
its defaults (prefork, one child process per CPU).
"""

from __future__ import annotations

import json

import bench_protocol as bp


def failures() -> int:
    import redis

    connection = redis.Redis.from_url(bp.redis_url(1))
    keys = list(connection.scan_iter(match="celery-task-meta-*", count=5_000))
    failed = 0
    for start in range(0, len(keys), 5_000):
        for raw in connection.mget(keys[start : start + 5_000]):
            if raw is not None and json.loads(raw).get("status") != "SUCCESS":
                failed += 1
    return failed


def main() -> None:
    args = bp.parse_args()
    if args.phase == "worker":
        bp.exec_worker([bp.bin_path("celery"), "-A", "celery_app", "worker"])
    if args.phase in ("reset", "fill-finished"):
        bp.emit(bp.flush_redis() if args.phase == "reset" else {"error": "not supported"})
        return
    import celery
    import celery_app as app

    task = app.noop if args.task == "noop" else app.cpu

    def bulk(ids: range, task=task) -> None:  # type: ignore[no-untyped-def]
        for i in ids:
            task.delay(i)

    figures: dict[str, object] = {"version": celery.__version__}
    if args.phase == "enqueue":
        figures.update(bp.enqueue_figures(bulk, app.noop.delay, args.n, args.singles))
        figures["bulk_api"] = "none (delay() per job)"
    elif args.phase == "fill":
        for chunk in bp.batches(args.n):
            bulk(chunk)
    elif args.phase == "wait":
        figures.update(bp.wait_done(bp.redis_size(1), args.n, args.budget))
        figures["failed"] = failures()
    elif args.phase == "latency":
        trip = lambda i: app.noop.delay(i).get(timeout=60)  # noqa: E731
        figures.update(bp.round_trips(trip, args.n, args.budget))
    bp.emit(figures)


if __name__ == "__main__":
    main()
