"""What the dashboard shows, read from a Queue: cached counts, the overview, job
details with previews, periodic schedules."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from taskito._json import json_safe
from taskito.result import record_dict
from taskito.serializers import failure_reason
from taskito.signing import SignatureError

if TYPE_CHECKING:
    from taskito._native import JobRecord
    from taskito.queue import Queue

#: The live jobs per queue and the completion series are refreshed in the
#: background when older than this: both read index ranges whose size grows with
#: the backlog or the throughput. (Counts per status are kept by the store, a read
#: of six rows, and are read fresh.)
COUNTS_TTL_S = 1.0
#: The overview's series: the last 10 minutes in 10 s buckets, from at most this
#: many of the most recent completions (bounds the cost at any throughput).
SERIES_WINDOW_MS = 600_000
SERIES_BUCKET_MS = 10_000
SERIES_ROW_LIMIT = 50_000
#: Previews of arguments and results are cut to this many characters.
PREVIEW_CHARS = 2_000


class _Cache:
    """One value per key, refreshed in the background once older than ``ttl`` seconds.

    Only the first read of a key waits for the database; later reads get the last
    value at once while at most one thread per key recomputes it, so a slow count
    never makes a page refresh wait, and many open pages cost one query per ``ttl``.
    """

    def __init__(self, ttl: float) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, Any]] = {}
        self._refreshing: set[str] = set()
        self._first: dict[str, threading.Lock] = {}

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and time.monotonic() - hit[0] >= self._ttl:
                if key not in self._refreshing:
                    self._refreshing.add(key)
                    threading.Thread(target=self._refresh, args=(key, compute), daemon=True).start()
        if hit is not None:
            return hit[1]
        with self._lock:
            first = self._first.setdefault(key, threading.Lock())
        with first:  # concurrent first reads (the warm-up, a page) wait for one query
            with self._lock:
                hit = self._values.get(key)
            if hit is not None:
                return hit[1]
            value = compute()
            with self._lock:
                self._values[key] = (time.monotonic(), value)
            return value

    def _refresh(self, key: str, compute: Callable[[], Any]) -> None:
        try:
            value = compute()
        except Exception:  # the next read tries again; that read reports the error
            with self._lock:
                self._values.pop(key, None)
                self._refreshing.discard(key)
            return
        with self._lock:
            self._values[key] = (time.monotonic(), value)
            self._refreshing.discard(key)


class DashboardData:
    """The reads behind the API, for one queue."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue
        self._cache = _Cache(COUNTS_TTL_S)

    def stats(self) -> dict[str, int]:
        """``queue.stats()``: kept counts, cheap to read on every call."""
        return self.queue.stats()

    def warm_up(self) -> None:
        """Fill the caches (in a background thread at server start), so that even the
        first page load does not wait for the counts."""
        try:
            self.overview()
        except Exception:  # the page's first request will report it
            return

    def overview(self) -> dict[str, Any]:
        """Counts per status and per queue (pending, running), the completion series, workers."""
        depths = self._cache.get("live", self.queue.queue_depths)
        since, now, rows = self._cache.get(
            "series",
            lambda: self.queue.inspection.completion_series(
                SERIES_WINDOW_MS, SERIES_BUCKET_MS, SERIES_ROW_LIMIT
            ),
        )
        workers = self.queue.workers()
        return {
            "counts": self.stats(),
            "queues": depths,
            "series": {
                "since": since,
                "now": now,
                "bucket_ms": SERIES_BUCKET_MS,
                "row_limit": SERIES_ROW_LIMIT,
                "buckets": [
                    {
                        "start": start,
                        "completed": completed,
                        "per_second": completed * 1000 / SERIES_BUCKET_MS,
                        "avg_run_ms": round(avg_run, 2),
                        "max_run_ms": max_run,
                        "avg_wait_ms": round(avg_wait, 2),
                    }
                    for start, completed, avg_run, max_run, avg_wait in rows
                ],
            },
            "workers": {
                "active": sum(1 for w in workers if w["status"] == "active"),
                "stale": sum(1 for w in workers if w["status"] != "active"),
            },
        }

    def job_detail(self, job_id: str) -> dict[str, Any] | None:
        """``to_dict()`` plus attempt history, previews of arguments and result, dependencies."""
        job = self.queue.get_job(job_id)
        if job is None:
            return None
        record = job._snapshot()
        detail = record_dict(record)
        detail["attempt"] = record.attempt
        detail["errors"] = self.queue.job_errors(job_id)
        detail["args_preview"] = self._args_preview(record)
        detail["result_preview"] = self._result_preview(job_id, record.result)
        detail["dependencies"] = job.dependencies
        return detail

    def _args_preview(self, record: JobRecord) -> str:
        try:
            data = self.queue.codec.open_payload(record.task_name, record.payload)
        except SignatureError as exc:  # refused before the serializer sees a byte
            return f"<refused by the signing key: {exc}>"
        return self._preview(data)

    def _result_preview(self, job_id: str, result: bytes | None) -> str | None:
        if result is None:
            return None
        try:
            data = self.queue.codec.open_result(job_id, result)
        except SignatureError as exc:
            return f"<refused by the signing key: {exc}>"
        return self._preview(data)

    def _preview(self, data: bytes) -> str:
        try:
            value = self.queue.codec.loads(data)
        except Exception as exc:
            return f"<could not deserialize: {failure_reason(exc)}>"
        text = repr(value)
        if len(text) > PREVIEW_CHARS:
            text = text[:PREVIEW_CHARS] + f"... ({len(text)} characters)"
        return text

    def periodic(self) -> list[Any]:
        """The registered periodic schedules, as JSON-safe dicts."""
        rows = []
        for config in self.queue.registry.periodic:
            row = dict(config)
            payload = row.pop("payload", None)
            if isinstance(payload, bytes):  # written by this process's own Queue
                row["args_preview"] = self._preview(payload)
            rows.append(json_safe(row))
        return rows
