"""Driver for Huey with its SQLite storage.

Bulk API: ``task.map()`` (Huey enqueues each job with its own INSERT). Results are
counted with ``huey.result_count()`` (Huey stores each non-``None`` return value).
Worker: ``huey_consumer huey_app.huey`` with its defaults (1 worker thread).
"""

from __future__ import annotations

import bench_protocol as bp


def main() -> None:
    args = bp.parse_args()
    if args.phase == "worker":
        bp.exec_worker([bp.bin_path("huey_consumer"), "huey_app.huey"])
    if args.phase in ("reset", "fill-finished"):
        bp.emit({} if args.phase == "reset" else {"error": "not supported"})
        return
    import huey
    import huey_app as app

    task = app.noop if args.task == "noop" else app.cpu
    figures: dict[str, object] = {"version": huey.__version__}
    if args.phase == "enqueue":
        figures.update(bp.enqueue_figures(app.noop.map, app.noop, args.n, args.singles))
        figures["bulk_api"] = "task.map()"
    elif args.phase == "fill":
        for chunk in bp.batches(args.n):
            task.map(chunk)
        figures["queued"] = len(app.huey)
    elif args.phase == "wait":
        figures.update(bp.wait_done(app.huey.result_count, args.n, args.budget))
    elif args.phase == "latency":
        figures.update(
            bp.round_trips(
                lambda i: app.noop(i).get(blocking=True, timeout=60), args.n, args.budget
            )
        )
    bp.emit(figures)


if __name__ == "__main__":
    main()
