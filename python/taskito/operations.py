"""Acting on stored jobs: cancelling, progress, replays and the dead-letter queue (the
part behind the Queue's methods of those names), and :class:`StoreChannel`, through
which ``current_job`` reaches the database while a worker runs a task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskito.errors import QueueError

if TYPE_CHECKING:
    from taskito._native import NativeQueue
    from taskito.observability import Observability


class Operations:
    """Writes to one queue's jobs and dead letters."""

    def __init__(self, native: NativeQueue) -> None:
        self._native = native

    def cancel_job(self, job_id: str) -> bool:
        """Cancel a pending job; True if it was cancelled."""
        return self._native.cancel_job(job_id)

    def cancel_running_job(self, job_id: str) -> bool:
        """Ask a running job to stop; True if it is running and was asked."""
        return self._native.request_cancel(job_id)

    def cancel_requested(self, job_id: str) -> bool:
        """Whether someone asked the job to stop."""
        record = self._native.get_job(job_id)
        return record is not None and record.cancel_requested

    def update_progress(self, job_id: str, progress: int) -> None:
        """Set the progress of any job (no range check)."""
        if isinstance(progress, bool) or not isinstance(progress, int):
            raise QueueError(f"progress must be an int, not {type(progress).__name__}")
        self._native.set_progress(job_id, progress)

    def set_progress(self, job_id: str, progress: int, attempt: int | None) -> None:
        """Set progress while ``attempt`` still runs the job (a late write changes nothing)."""
        self._native.set_progress(job_id, progress, attempt)

    def replay(self, job_id: str) -> str:
        """Enqueue a copy of a job; returns the new job's id."""
        return self._native.replay(job_id)

    def replay_history(self, job_id: str) -> list[dict[str, Any]]:
        """The replays of a job, oldest first: dicts ``{id, original_job_id, replay_job_id,
        replayed_at, original_error, replay_error}``."""
        return [dict(row) for row in self._native.replay_history(job_id)]

    # -- dead letters ---------------------------------------------------------------------

    def dead_letters(self, limit: int, offset: int) -> list[dict[str, Any]]:
        """Dead letters, newest first, without payloads: dicts ``{id, original_job_id,
        queue, task_name, error, retry_count, failed_at, metadata, dlq_retry_count}``.
        ``dlq_retry_count`` (the original taskito's count of automatic re-runs of the
        entry) is 0: an entry is never re-run automatically, and ``retry_dead`` removes it."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise QueueError(f"limit must be a whole number >= 1, got {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise QueueError(f"offset must be a whole number >= 0, got {offset!r}")
        rows = self._native.dead_letters(limit, offset)
        return [{**row, "dlq_retry_count": row.get("dlq_retry_count", 0)} for row in rows]

    def retry_dead(self, dead_id: str) -> str:
        """Enqueue a dead letter again; returns the new job's id."""
        return self._native.retry_dead(dead_id)

    def delete_dead(self, dead_id: str) -> bool:
        """Delete one dead letter; False when there is none by that id."""
        return self._native.delete_dead(dead_id)

    def purge_dead(self, older_than: float) -> int:
        """Delete dead letters older than ``older_than`` seconds; returns how many."""
        return self._native.purge_dead(float(older_than))

    def purge_completed(self, older_than: float) -> int:
        """Delete completed jobs older than ``older_than`` seconds; returns how many."""
        return self._native.purge_completed(float(older_than))


class StoreChannel:
    """The :class:`~taskito.context.JobChannel` of a worker: progress, log lines and
    cancellation go to and come from the queue's database."""

    __slots__ = ("_observability", "_operations")

    def __init__(self, operations: Operations, observability: Observability) -> None:
        self._operations = operations
        self._observability = observability

    def set_progress(self, job_id: str, progress: int, attempt: int | None) -> None:
        self._operations.set_progress(job_id, progress, attempt)

    def log(self, job_id: str, task_name: str, level: str, message: str, extra: str | None) -> None:
        self._observability.log(job_id, task_name, level, message, extra)

    def cancel_requested(self, job_id: str) -> bool:
        return self._operations.cancel_requested(job_id)


__all__ = ["Operations", "StoreChannel"]
