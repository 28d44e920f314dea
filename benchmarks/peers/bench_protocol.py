"""The protocol every driver speaks with ``benchmarks/compare.py``.

A driver runs one phase per process and prints its figures as one JSON line (the last
line of its stdout). Phases:

- ``enqueue --n N --singles M``: N jobs through the library's bulk API, then M single
  enqueues, on an empty store; prints ``batch_per_s``, ``single_per_s``, ``bulk_api``.
- ``fill --n N --task noop|cpu``: pre-queue N jobs (bulk API, in batches).
- ``fill-finished --n N``: leave N finished jobs in the store (scaling phase).
- ``wait --n N --budget S``: print ``ready``, read the worker's start time (a
  ``time.monotonic()`` value, one line on stdin), then poll until N jobs finished or S
  seconds passed since that start; prints ``done`` (results counted), ``t_end``.
- ``latency --n TRIPS --budget S``: sequential enqueue -> result round trips against a
  worker running in another process; prints ``p50_ms``, ``p99_ms``, ``trips``.
- ``worker``: replaces itself (``os.execv``) with the library's documented worker command.
- ``reset``: empty the library's store (Redis databases of this run only).

Environment: ``BENCH_DIR`` (working directory for file stores), ``BENCH_REDIS`` (e.g.
``redis://127.0.0.1:6379``) and ``BENCH_REDIS_DBS`` (two database numbers, comma
separated: broker, results).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

PHASES = ("enqueue", "fill", "fill-finished", "wait", "latency", "worker", "reset")
BATCH = 10_000  # jobs per bulk call when pre-queueing


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="benchmark driver (see bench_protocol.py)")
    parser.add_argument("phase", choices=PHASES)
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--singles", type=int, default=0)
    parser.add_argument("--task", choices=("noop", "cpu"), default="noop")
    parser.add_argument("--budget", type=float, default=60.0)
    return parser.parse_args(argv)


def work_dir() -> str:
    return os.environ["BENCH_DIR"]


def redis_url(which: int) -> str:
    """``which`` 0 is the broker database of this run, 1 the results database."""
    databases = os.environ["BENCH_REDIS_DBS"].split(",")
    return f"{os.environ['BENCH_REDIS']}/{databases[which]}"


def emit(figures: dict[str, Any]) -> None:
    print(json.dumps(figures), flush=True)


def batches(n: int, size: int = BATCH) -> list[range]:
    return [range(start, min(start + size, n)) for start in range(0, n, size)]


def enqueue_figures(
    bulk: Callable[[range], object], single: Callable[[int], object], n: int, singles: int
) -> dict[str, float]:
    t0 = time.perf_counter()
    bulk(range(n))
    batch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(singles):
        single(i)
    single_s = time.perf_counter() - t0
    return {"batch_per_s": round(n / batch_s), "single_per_s": round(singles / single_s)}


def wait_done(
    count_done: Callable[[], int], n: int, budget: float, busy: Callable[[], bool] | None = None
) -> dict[str, Any]:
    """Poll from the worker's start until ``n`` jobs are done or the budget runs out.

    ``count_done`` counts the results; ``busy`` (when counting is costly) cheaply tells
    whether any job is still pending or running, and the results are counted once at
    the end. The pause between polls grows with the cost of a poll (at most a third of
    the time goes to polling), so polling never competes much with the worker.
    """
    print("ready", flush=True)
    started = float(sys.stdin.readline())
    deadline = started + budget
    seen, changed = 0, started  # the count at the last poll, and when it last grew
    while True:
        before = time.monotonic()
        if busy is not None:
            finished = not busy()
        else:
            count = count_done()
            if count != seen:
                seen, changed = count, before
            finished = count >= n
        now = time.monotonic()
        if finished or now >= deadline:
            figures = {"done": count_done(), "t_end": now, "poll_s": round(now - before, 4)}
            if busy is None:
                figures["idle_s"] = round(now - changed, 3)  # time since a job last finished
            return figures
        time.sleep(max(0.005, 2 * (now - before)))


def percentile(sorted_ms: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(share * len(sorted_ms)))
    return round(sorted_ms[rank - 1], 3)


def round_trips(call: Callable[[int], object], trips: int, budget: float) -> dict[str, Any]:
    """``call(i)`` enqueues job ``i`` and returns its result, which must be ``i``.

    Three warm-up trips first (the first one waits for the worker to come up).
    """
    for i in range(-3, 0):
        check(call(i), i)
    samples: list[float] = []
    deadline = time.monotonic() + budget
    for i in range(trips):
        t0 = time.perf_counter()
        value = call(i)
        samples.append((time.perf_counter() - t0) * 1000)
        check(value, i)
        if time.monotonic() > deadline:
            break
    samples.sort()
    return {
        "trips": len(samples),
        "p50_ms": percentile(samples, 0.50),
        "p99_ms": percentile(samples, 0.99),
    }


def check(value: object, expected: int) -> None:
    if value != expected:
        raise RuntimeError(f"round trip returned {value!r}, expected {expected!r}")


def exec_worker(argv: list[str]) -> None:
    """Become the worker process, so the harness's process is the library's own."""
    sys.stdout.flush()
    os.execv(argv[0], argv)


def bin_path(name: str) -> str:
    """A console script installed beside this interpreter (the library's venv)."""
    return os.path.join(os.path.dirname(sys.executable), name)


def flush_redis() -> dict[str, Any]:
    """Empty this run's two Redis databases (and nothing else)."""
    import redis

    for which in (0, 1):
        redis.Redis.from_url(redis_url(which)).flushdb()
    return {}


def redis_size(which: int) -> Callable[[], int]:
    """Counts the keys of one of this run's databases (``DBSIZE``, constant time)."""
    import redis

    connection = redis.Redis.from_url(redis_url(which))
    return lambda: int(connection.dbsize())
