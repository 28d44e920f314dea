"""Driver for Dramatiq on the local Redis.

Bulk API: none (``actor.send()`` per job). Results are counted as the keys of the
results database (one per finished job, written by the Results middleware). Worker:
``dramatiq dramatiq_app`` with its defaults (one process per CPU, 8 threads each).
"""

from __future__ import annotations

import bench_protocol as bp


def main() -> None:
    args = bp.parse_args()
    if args.phase == "worker":
        bp.exec_worker([bp.bin_path("dramatiq"), "dramatiq_app"])
    if args.phase in ("reset", "fill-finished"):
        bp.emit(bp.flush_redis() if args.phase == "reset" else {"error": "not supported"})
        return
    import dramatiq
    import dramatiq_app as app

    actor = app.noop if args.task == "noop" else app.cpu

    def bulk(ids: range, actor=actor) -> None:  # type: ignore[no-untyped-def]
        for i in ids:
            actor.send(i)

    figures: dict[str, object] = {"version": dramatiq.__version__}
    if args.phase == "enqueue":
        figures.update(bp.enqueue_figures(bulk, app.noop.send, args.n, args.singles))
        figures["bulk_api"] = "none (send() per job)"
    elif args.phase == "fill":
        for chunk in bp.batches(args.n):
            bulk(chunk)
    elif args.phase == "wait":
        figures.update(bp.wait_done(bp.redis_size(1), args.n, args.budget))
    elif args.phase == "latency":
        trip = lambda i: app.noop.send(i).get_result(block=True, timeout=60_000)  # noqa: E731
        figures.update(bp.round_trips(trip, args.n, args.budget))
    bp.emit(figures)


if __name__ == "__main__":
    main()
