"""Driver for RQ on the local Redis.

Bulk API: ``Queue.enqueue_many`` (one pipeline). Results are counted with the queue's
``finished_job_registry``; the tasks are ``bench_workload.noop``/``cpu``, which the
worker imports by name. Worker: ``rq worker --url ... bench`` with its defaults (one
worker process that forks a work horse per job).
"""

from __future__ import annotations

import bench_protocol as bp
import bench_workload


def main() -> None:
    args = bp.parse_args()
    if args.phase == "worker":
        bp.exec_worker([bp.bin_path("rq"), "worker", "--url", bp.redis_url(0), "bench"])
    if args.phase in ("reset", "fill-finished"):
        bp.emit(bp.flush_redis() if args.phase == "reset" else {"error": "not supported"})
        return
    import rq
    from rq import Queue
    from rq_app import queue

    fn = bench_workload.noop if args.task == "noop" else bench_workload.cpu

    def bulk(ids: range, fn=fn) -> None:  # type: ignore[no-untyped-def]
        queue.enqueue_many([Queue.prepare_data(fn, (i,)) for i in ids])

    figures: dict[str, object] = {"version": rq.__version__}
    if args.phase == "enqueue":
        single = lambda i: queue.enqueue(bench_workload.noop, i)  # noqa: E731
        figures.update(bp.enqueue_figures(bulk, single, args.n, args.singles))
        figures["bulk_api"] = "Queue.enqueue_many()"
    elif args.phase == "fill":
        for chunk in bp.batches(args.n):
            bulk(chunk)
        figures["queued"] = queue.count
    elif args.phase == "wait":
        registry = queue.finished_job_registry
        figures.update(bp.wait_done(lambda: registry.count, args.n, args.budget))
        figures["failed"] = queue.failed_job_registry.count
    elif args.phase == "latency":

        def trip(i: int) -> object:
            result = queue.enqueue(bench_workload.noop, i).latest_result(timeout=60)
            return None if result is None else result.return_value

        figures.update(bp.round_trips(trip, args.n, args.budget))
    bp.emit(figures)


if __name__ == "__main__":
    main()
