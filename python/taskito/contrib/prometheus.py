"""Prometheus metrics for taskito: queue depth, jobs by status, workers, task durations.

In a worker process (or any process that imports your queue)::

    from taskito.contrib.prometheus import PrometheusMiddleware, start_exporter

    queue = Queue(middleware=[PrometheusMiddleware()])
    start_exporter(queue, port=9100)  # serves http://127.0.0.1:9100/metrics

or ``taskito worker --app tasks:queue --metrics-port 9100``, which does both.

Exported:

- ``taskito_jobs{status}`` (gauge): jobs per status over all queues;
- ``taskito_queue_depth{queue,state}`` (gauge): pending and running jobs per queue;
- ``taskito_workers{state}`` (gauge): workers with a live or stale heartbeat;
- ``taskito_task_duration_seconds{task,queue,outcome}`` (histogram): attempts run in
  this process, ``outcome`` being ``success`` or ``failure``;
- ``taskito_task_retries_total{task,queue}`` (counter): failed attempts that will retry.

The gauges are read from the database at scrape time (the queries read only indexes
of live jobs, plus the per-status count), so any process can export them; the
histogram and counter come from the tasks this process ran. Needs
``pip install taskito[prometheus]``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

try:
    from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
    from prometheus_client.core import GaugeMetricFamily
    from prometheus_client.registry import Collector
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "taskito.contrib.prometheus needs prometheus-client: pip install 'taskito[prometheus]'"
    ) from exc

from taskito.context import JobContext
from taskito.middleware import TaskMiddleware

if TYPE_CHECKING:
    from taskito.app import Queue

REGISTRY = CollectorRegistry()
"""taskito's own registry (so that importing this module adds nothing to the default one)."""

_DURATION = Histogram(
    "taskito_task_duration_seconds",
    "Run time of task attempts in this process",
    ["task", "queue", "outcome"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
_RETRIES = Counter(
    "taskito_task_retries",
    "Failed attempts that will be retried",
    ["task", "queue"],
    registry=REGISTRY,
)


class PrometheusMiddleware(TaskMiddleware):
    """Times every attempt into ``taskito_task_duration_seconds``; counts retries."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def before(self, ctx: JobContext) -> None:
        with self._lock:
            self._started[ctx.id] = time.perf_counter()

    def on_retry(self, ctx: JobContext, error: BaseException, retry_count: int) -> None:
        _RETRIES.labels(ctx.task_name, ctx.queue_name).inc()

    def after(self, ctx: JobContext, result: Any, error: BaseException | None) -> None:
        with self._lock:
            started = self._started.pop(ctx.id, None)
        if started is None:
            return
        outcome = "success" if error is None else "failure"
        _DURATION.labels(ctx.task_name, ctx.queue_name, outcome).observe(
            time.perf_counter() - started
        )


_EXPORTED: list[Collector] = []


class QueueCollector(Collector):
    """Reads the queue's gauges from the database at each scrape."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily("taskito_jobs", "Jobs per status", labels=["status"])
        for status, count in self._queue.stats().items():
            jobs.add_metric([status], count)
        yield jobs
        depth = GaugeMetricFamily(
            "taskito_queue_depth", "Pending and running jobs per queue", labels=["queue", "state"]
        )
        for row in self._queue.queue_depths():
            depth.add_metric([str(row["queue"]), "pending"], row["pending"])
            depth.add_metric([str(row["queue"]), "running"], row["running"])
        yield depth
        workers = GaugeMetricFamily(
            "taskito_workers", "Workers by heartbeat state", labels=["state"]
        )
        listed = self._queue.workers()
        live = sum(1 for w in listed if w["status"] == "active")
        workers.add_metric(["live"], live)
        workers.add_metric(["stale"], len(listed) - live)
        yield workers


def start_exporter(queue: Queue, port: int = 9100, addr: str = "127.0.0.1") -> Any:
    """Serve ``/metrics`` for ``queue`` on ``addr:port`` from a daemon thread.

    Returns the server (``.shutdown()`` stops it). A later call replaces the queue
    whose gauges are exported.
    """
    while _EXPORTED:
        REGISTRY.unregister(_EXPORTED.pop())
    collector = QueueCollector(queue)
    REGISTRY.register(collector)
    _EXPORTED.append(collector)
    server, _thread = start_http_server(port, addr=addr, registry=REGISTRY)
    return server


__all__ = ["REGISTRY", "PrometheusMiddleware", "QueueCollector", "start_exporter"]
