"""taskito's own throughput and latency, on the embedded SQLite file or PostgreSQL.

Prints one JSON object:
- ``batch_enqueue_jobs_per_s``: 10,000 jobs enqueued with ``task.map`` (one transaction);
- ``single_enqueue_jobs_per_s``: 2,000 ``delay()`` calls;
- ``processing_jobs_per_s``: 10,000 pre-queued no-op jobs, from worker start until
  every job is complete (worker threads in this process, file database);
- ``latency_ms``: p50/p99 of 200 sequential enqueue -> result round trips with the
  worker in another process; ``in_process_latency_ms``: the same with the worker's
  threads in this process (not with ``--worker-processes``).

Usage: ``python benchmarks/throughput.py [--jobs N] [--round-trips N]
[--db-url postgresql://...] [--worker-processes N]``. With ``--db-url`` the queue lives
in a fresh schema of that PostgreSQL database (dropped afterwards). With
``--worker-processes N`` the processing phase runs N ``taskito worker`` processes
instead of worker threads in this process (their start-up time is included).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

APP = textwrap.dedent(
    """
    from taskito import Queue

    queue = Queue({location}, workers={workers})

    @queue.task(name="noop")
    def noop(i):
        return None

    @queue.task(name="echo")
    def echo(i):
        return i
    """
)


def write_app(directory: Path, workers: int, db_url: str | None, schema: str) -> None:
    if db_url is None:
        location = 'db_path="bench.db"'
    else:
        location = f'backend="postgres", db_url={db_url!r}, schema={schema!r}'
    (directory / "benchapp.py").write_text(APP.format(workers=workers, location=location))


def load_app(directory: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    import benchapp  # type: ignore[import-not-found]

    return benchapp


def wait_until(pred, timeout: float, every: float = 0.005) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark condition not reached")
        time.sleep(every)


def enqueue_figures(app, jobs: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    app.noop.map([(i,) for i in range(jobs)])
    batch = jobs / (time.perf_counter() - t0)
    singles = 2_000
    t0 = time.perf_counter()
    for i in range(singles):
        app.noop.delay(i)
    single = singles / (time.perf_counter() - t0)
    return {"batch_enqueue_jobs_per_s": round(batch), "single_enqueue_jobs_per_s": round(single)}


def processing_in_processes(directory: Path, app, expected: int, n: int) -> float:  # type: ignore[no-untyped-def]
    queue = app.queue
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "taskito", "worker", "--app", "benchapp:queue"],
            cwd=directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]
    try:
        wait_until(lambda: queue.stats()["completed"] >= expected, timeout=600, every=0.01)
        return expected / (time.perf_counter() - t0)
    finally:
        for proc in procs:
            proc.send_signal(2)
        for proc in procs:
            proc.wait(timeout=60)


def processing_figure(app, expected: int, trips: int) -> tuple[float, dict[str, float]]:  # type: ignore[no-untyped-def]
    """The processing rate with worker threads in this process, then the round-trip
    latency with that same in-process worker."""
    queue = app.queue
    t0 = time.perf_counter()
    worker = threading.Thread(target=queue.run_worker, daemon=True)
    with contextlib.redirect_stdout(io.StringIO()):  # keep the worker banner out of the JSON
        worker.start()
        wait_until(lambda: queue.stats()["completed"] >= expected, timeout=600, every=0.01)
        elapsed = time.perf_counter() - t0
        latency = round_trips(app, trips)
        queue._inner.request_shutdown()
        worker.join(timeout=60)
    return expected / elapsed, latency


def round_trips(app, trips: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """p50/p99 of ``trips`` sequential enqueue -> result round trips, in ms."""
    app.echo.delay(-1).result(timeout=60)  # a worker is up
    samples = []
    for i in range(trips):
        t0 = time.perf_counter()
        value = app.echo.delay(i).result(timeout=30)
        samples.append((time.perf_counter() - t0) * 1000)
        assert value == i
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 3),
        "p99": round(samples[int(len(samples) * 0.99) - 1], 3),
    }


def latency_figures(directory: Path, app, trips: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskito", "worker", "--app", "benchapp:queue"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return round_trips(app, trips)
    finally:
        proc.send_signal(2)
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--round-trips", type=int, default=200)
    parser.add_argument("--workers", type=int, default=0, help="worker threads (0 = CPU count)")
    parser.add_argument("--db-url", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--worker-processes", type=int, default=0, help="worker processes")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_app(directory, args.workers, args.db_url, schema)
        app = load_app(directory)
        figures: dict[str, object] = {
            "machine_cpus": os.cpu_count(),
            "backend": "postgres" if args.db_url else "sqlite",
        }
        try:
            figures.update(enqueue_figures(app, args.jobs))
            expected = args.jobs + 2_000
            figures["processed_jobs"] = expected
            if args.worker_processes:
                figures["worker_processes"] = args.worker_processes
                rate = processing_in_processes(directory, app, expected, args.worker_processes)
            else:
                rate, in_process = processing_figure(app, expected, args.round_trips)
                figures["in_process_latency_ms"] = in_process
            figures["processing_jobs_per_s"] = round(rate)
            figures["latency_ms"] = latency_figures(directory, app, args.round_trips)
        finally:
            if args.db_url:
                drop = f"DROP SCHEMA IF EXISTS {schema} CASCADE"
                subprocess.run(["psql", args.db_url, "-qc", drop], check=False)
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
