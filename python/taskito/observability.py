"""Job logs and task metrics: the queue part behind ``Queue.metrics``, ``task_logs``,
``query_logs`` and ``purge_logs``, and the writer of ``current_job.log`` lines.

A task writes log lines with ``current_job.log(message, level, extra)``; they are
stored with the job's id and task name and read back with :meth:`task_logs` (one job,
oldest first) or :meth:`query_logs` (by task, level and age, newest first). A job's
lines are deleted with the job when it is purged (``result_ttl``,
``purge_completed``), and every line is deleted after 7 days by the worker's
maintenance (see ``docs/observability.md``).

Metrics need nothing from the task: a worker times every attempt, tallies durations
per task in memory and writes one rollup row per task and minute with its heartbeat
(about once a second), so the claim/finish path does no extra database work.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from taskito._native import NativeObservability, NativeQueue

LOG_LEVELS = ("debug", "info", "warning", "error")
"""The levels of a log line, least severe first."""


def check_level(level: object) -> str:
    """``level`` if it is one of :data:`LOG_LEVELS`; otherwise a ``ValueError``."""
    if not isinstance(level, str) or level not in LOG_LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}; got {level!r}")
    return level


def extra_json(extra: object) -> str | None:
    """``extra`` (a dict or None) as JSON text; a ``TypeError`` when it cannot be."""
    if extra is None:
        return None
    if not isinstance(extra, dict):
        raise TypeError(f"log extra must be a dict or None, not {type(extra).__name__}")
    try:
        return json.dumps(extra)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"log extra must be JSON-serializable: {exc}") from exc


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _check_name(name: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a str or None, not {type(value).__name__}")
    return value


class Observability:
    """Job logs and task metrics of one queue (the native reader is made on first use)."""

    def __init__(self, native: NativeQueue) -> None:
        self._native = native
        self._reader: NativeObservability | None = None
        self._lock = threading.Lock()

    @property
    def _observability(self) -> NativeObservability:
        reader = self._reader
        if reader is None:
            with self._lock:
                if self._reader is None:
                    self._reader = NativeObservability(self._native)
                reader = self._reader
        return reader

    def log(self, job_id: str, task_name: str, level: str, message: str, extra: str | None) -> None:
        """Store one log line of a job (``level`` checked, ``extra`` JSON text or None)."""
        self._observability.log(job_id, task_name, level, message, extra)

    def metrics(
        self, task_name: str | None = None, since: float = 3600
    ) -> dict[str, dict[str, Any]]:
        """Per-task figures over the attempts that finished in the last ``since`` seconds.

        Returns ``{task_name: {count, success_count, failure_count, avg_ms, p50_ms,
        p95_ms, p99_ms, min_ms, max_ms}}`` (only tasks with attempts in the window;
        only ``task_name`` when given). A failure is an attempt that raised. Count, min,
        max and average are exact; percentiles come from a log-scale histogram and are
        at most ~4.5 % above the true value, never below. Workers write their figures
        about once a second, per minute of activity: an attempt shows up within a
        second or so, and a window includes a worker's whole minute once any attempt of
        that minute falls in it.
        """
        name = _check_name("task_name", task_name)
        window = _check_seconds("since", since)
        return self._observability.metrics(name, window)

    def task_logs(self, job_id: str) -> list[dict[str, Any]]:
        """The log lines of a job, oldest first: dicts ``{id, job_id, task_name, level,
        message, extra, logged_at}`` (``extra`` is the JSON text given, or None;
        ``logged_at`` in Unix ms)."""
        if not isinstance(job_id, str):
            raise ValueError(f"job_id must be a str, not {type(job_id).__name__}")
        return [dict(row) for row in self._observability.task_logs(job_id)]

    def query_logs(
        self,
        task_name: str | None = None,
        level: str | None = None,
        since: float = 3600,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Log lines of the last ``since`` seconds, newest first, at most ``limit``.

        ``task_name`` and ``level`` (one of debug, info, warning, error) filter when
        given; ``level`` matches exactly. Same dicts as :meth:`task_logs`.
        """
        name = _check_name("task_name", task_name)
        wanted = None if level is None else check_level(level)
        window = _check_seconds("since", since)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be an int >= 1, got {limit!r}")
        rows = self._observability.query_logs(name, wanted, window, limit)
        return [dict(row) for row in rows]

    def purge_logs(self, older_than: float = 86400) -> int:
        """Delete log lines older than ``older_than`` seconds; returns how many."""
        return self._observability.purge_logs(_check_seconds("older_than", older_than))


__all__ = ["LOG_LEVELS", "Observability", "check_level", "extra_json"]
