"""Reading a queue's jobs and workers: the part behind ``Queue.get_job``, ``list_jobs``,
``stats``, ``queue_depths``, ``job_errors``, ``workers``, ``circuit_breakers`` and
``periodic_tasks``, and the record reads other parts need (results, dependencies, the
dashboard's completion series). Every method returns plain records or dicts; the Queue
wraps records into ``JobResult`` handles.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from taskito import limits
from taskito._native import cron_next
from taskito.errors import QueueError
from taskito.result import job_error_dicts

if TYPE_CHECKING:
    from taskito._native import JobRecord, NativeQueue
    from taskito.registry import TaskRegistry

STATUSES = ("pending", "running", "complete", "failed", "dead", "cancelled")
STAT_KEYS = ("pending", "running", "completed", "failed", "dead", "cancelled")
# A worker beats every second; one silent for this long is reported "stale".
STALE_AFTER_MS = 5_000


class Inspector:
    """Reads of one queue's store."""

    def __init__(self, native: NativeQueue, registry: TaskRegistry) -> None:
        self._native = native
        self._registry = registry

    # -- jobs -----------------------------------------------------------------------------

    def record(self, job_id: str) -> JobRecord | None:
        """The stored job, or None."""
        return self._native.get_job(job_id)

    def wait(self, job_id: str, timeout_s: float) -> JobRecord | None:
        """Block (without the GIL) until the job is terminal or ``timeout_s`` passes;
        the latest record either way, None when there is no such job."""
        return self._native.wait_for_job(job_id, timeout_s)

    def records(
        self,
        status: str | None,
        queue: str | None,
        task_name: str | None,
        limit: int,
        offset: int,
        after: tuple[int, str] | None,
    ) -> list[JobRecord]:
        """:meth:`taskito.Queue.list_jobs`, as records."""
        if status == "completed":
            status = "complete"
        if status is not None and status not in STATUSES:
            raise QueueError(f"invalid status {status!r}: expected one of {', '.join(STATUSES)}")
        if limit < 0 or offset < 0:
            raise QueueError("limit and offset must be >= 0")
        return self._native.list_jobs(status, queue, task_name, limit, offset, after=after)

    def stats(self) -> dict[str, int]:
        """Job counts over all queues, under the six public keys."""
        raw = self._native.stats()
        return {key: int(raw.get(key, 0)) for key in STAT_KEYS}

    def queue_depths(self) -> list[dict[str, Any]]:
        """Pending and running jobs per queue with live jobs, by name."""
        return self._native.queue_depths()

    def job_errors(self, job_id: str) -> list[dict[str, Any]]:
        """Every failed attempt of a job, oldest first; ``attempt`` counts from 0 (the
        retry count at the failure, as the original taskito), ``claim`` from 1."""
        return job_error_dicts(self._native.job_errors(job_id))

    def dependencies(self, job_id: str) -> list[str]:
        """The ids the job waits for, in the order given."""
        return self._native.job_dependencies(job_id)

    def dependents(self, job_id: str) -> list[str]:
        """The ids of the jobs that wait for this one."""
        return self._native.job_dependents(job_id)

    def completion_series(
        self, window_ms: int, bucket_ms: int, limit: int
    ) -> tuple[int, int, list[tuple[int, int, float, int, float]]]:
        """Completions of the last ``window_ms`` per ``bucket_ms`` (at most ``limit`` rows
        read): ``(since, now, [(start, completed, avg_run_ms, max_run_ms, avg_wait_ms)])``."""
        return self._native.completion_series(window_ms, bucket_ms, limit)

    # -- workers, limits, schedules -------------------------------------------------------

    def workers(self, draining: Collection[str] = ()) -> list[dict[str, Any]]:
        """Worker processes seen on this database: dicts ``{worker_id, last_heartbeat
        (ms), queues (comma-joined), status, hostname, pid, threads, started_at,
        pool_type, tags, resources, resource_health}``. ``status`` is "active", "stale"
        after 5 s without a heartbeat, or "draining" for the ids in ``draining`` (this
        process's workers that are stopping). ``pool_type`` is "thread"; ``tags``,
        ``resources`` and ``resource_health`` (the original taskito's) are None."""
        now_ms = int(time.time() * 1000)
        result = []
        for row in self._native.list_workers():
            last = int(row["last_heartbeat"])  # type: ignore[call-overload]
            queues = row.get("queues")
            if isinstance(queues, (list, tuple)):
                queues = ",".join(str(q) for q in queues)
            worker_id = row["worker_id"]
            if worker_id in draining:
                status = "draining"
            else:
                status = "active" if now_ms - last < STALE_AFTER_MS else "stale"
            result.append(
                {
                    "worker_id": worker_id,
                    "last_heartbeat": last,
                    "queues": queues,
                    "status": status,
                    "hostname": row.get("hostname"),
                    "pid": row.get("pid"),
                    "threads": row.get("threads"),
                    "started_at": row.get("started_at"),
                    # The original taskito's keys: one pool kind here, no tags or resources.
                    "pool_type": "thread",
                    "tags": None,
                    "resources": None,
                    "resource_health": None,
                }
            )
        return result

    def circuit_breakers(self) -> list[dict[str, Any]]:
        """Stored breakers, plus a closed one per task of this queue that never failed."""
        return limits.circuit_breakers(self._native.circuit_breakers(), self._registry.breakers())

    def periodic_tasks(self) -> list[dict[str, Any]]:
        """The schedules registered in the database by workers, with their next tick."""
        now_ms = int(time.time() * 1000)
        schedules: list[dict[str, Any]] = [dict(s) for s in self._native.periodic_list()]
        for s in schedules:
            after = max(now_ms, s["last_tick_at"] or 0)
            s["next_tick_at"] = cron_next(s["cron_expr"], after, s["timezone"])
        return schedules


__all__ = ["STATUSES", "STAT_KEYS", "Inspector"]
