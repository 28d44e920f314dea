"""``JobResult``: a handle on one enqueued job."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from taskito._native import JobRecord
from taskito.errors import (
    JobFailedError,
    JobNotFoundError,
    ResultTimeoutError,
    SerializationError,
    TaskCancelledError,
)
from taskito.serializers import failure_reason
from taskito.signing import SignatureError

if TYPE_CHECKING:
    from taskito.queue import Queue

TERMINAL = frozenset({"complete", "failed", "dead", "cancelled"})

# Longest single blocking wait in the engine, so Ctrl+C in the main thread stays prompt.
_WAIT_SLICE_S = 0.1

_DICT_KEYS = (
    "id",
    "queue",
    "task_name",
    "status",
    "priority",
    "progress",
    "retry_count",
    "max_retries",
    "created_at",
    "scheduled_at",
    "started_at",
    "completed_at",
    "error",
    "timeout_ms",
    "unique_key",
    "metadata",
)


def record_dict(record: JobRecord) -> dict[str, Any]:
    """The 16 public fields of a job record already read (``JobResult.to_dict``
    without reading it again)."""
    return {key: getattr(record, key) for key in _DICT_KEYS}


class JobResult:
    """A job and the means to wait for its result.

    ``status``, ``progress`` and ``error`` show the state last read from the database;
    :meth:`refresh` reads it again. The first access reads it if nothing was read yet.
    """

    def __init__(self, queue: Queue, job_id: str, record: JobRecord | None = None) -> None:
        self._queue = queue
        self._id = job_id
        self._record = record

    @property
    def id(self) -> str:
        """The job's id (a UUIDv7 string)."""
        return self._id

    def _snapshot(self) -> JobRecord:
        if self._record is None:
            self.refresh()
        assert self._record is not None
        return self._record

    def refresh(self) -> JobResult:
        """Read the job's current state from the database; returns ``self``."""
        record = self._queue._inner.get_job(self._id)
        if record is None:
            raise JobNotFoundError(f"no job has the id '{self._id}'")
        self._record = record
        return self

    @property
    def status(self) -> str:
        """One of pending, running, complete, failed, dead, cancelled."""
        return self._snapshot().status

    @property
    def error(self) -> str | None:
        """The last error (a formatted traceback), if any."""
        return self._snapshot().error

    @property
    def progress(self) -> int | None:
        """The progress the task reported, if any."""
        return self._snapshot().progress

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every failed attempt: dicts ``{id, job_id, attempt, error, failed_at}``."""
        return self._queue.job_errors(self._id)

    @property
    def dependencies(self) -> list[str]:
        """The ids of the jobs this one waits for (``depends_on``), in the order given."""
        return self._queue._inner.job_dependencies(self._id)

    @property
    def dependents(self) -> list[str]:
        """The ids of the jobs that wait for this one."""
        return self._queue._inner.job_dependents(self._id)

    def to_dict(self) -> dict[str, Any]:
        """Refresh, then return the job's 16 public fields (timestamps in Unix ms)."""
        return record_dict(self.refresh()._snapshot())

    def _outcome(self, record: JobRecord) -> Any:
        """The return value of a terminal job, or the exception it ended with."""
        status = record.status
        if status == "complete":
            data = record.result
            if data is None:
                return None
            signer = self._queue._signer
            if signer is not None:
                try:
                    data = signer.open_result(self._id, data)
                except SignatureError as exc:
                    raise SerializationError(
                        f"refused the result of job {self._id} (task '{record.task_name}'): {exc}"
                    ) from None
            try:
                return self._queue._serializer.loads(data)
            except Exception as exc:
                raise SerializationError(
                    f"could not deserialize the result of job {self._id} "
                    f"(task '{record.task_name}'): {failure_reason(exc)}"
                ) from exc
        detail = f": {record.error}" if record.error else ""
        if status == "cancelled":
            raise TaskCancelledError(f"Job {self._id} cancelled{detail}")
        raise JobFailedError(f"Job {self._id} {status}{detail}")

    def result(
        self, timeout: float = 30.0, poll_interval: float = 0.05, max_poll_interval: float = 0.5
    ) -> Any:
        """Wait for the job to finish and return its result.

        Raises :class:`JobFailedError` (a ``RuntimeError``) if it failed or went to the
        dead-letter queue, :class:`TaskCancelledError` if it was cancelled, and
        :class:`ResultTimeoutError` (a ``TimeoutError``) if ``timeout`` seconds pass first.
        The engine wakes the wait as soon as the job finishes; ``poll_interval`` and
        ``max_poll_interval`` are accepted for compatibility and do not change that.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        inner = self._queue._inner
        while True:
            remaining = deadline - time.monotonic()
            record = inner.wait_for_job(self._id, max(0.0, min(_WAIT_SLICE_S, remaining)))
            if record is None:
                raise JobNotFoundError(f"no job has the id '{self._id}'")
            self._record = record
            if record.status in TERMINAL:
                return self._outcome(record)
            if remaining <= 0:
                raise ResultTimeoutError(
                    f"job {self._id} did not finish within {timeout:g} s (status: {record.status})"
                )

    async def aresult(
        self, timeout: float = 30.0, poll_interval: float = 0.05, max_poll_interval: float = 0.5
    ) -> Any:
        """Like :meth:`result`, without blocking the event loop.

        Polls from ~1 ms, growing by half each time up to ``max_poll_interval``.
        """
        import asyncio  # only async callers pay for importing it

        deadline = time.monotonic() + max(0.0, timeout)
        interval = 0.001
        while True:
            self.refresh()
            record = self._snapshot()
            if record.status in TERMINAL:
                return self._outcome(record)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ResultTimeoutError(
                    f"job {self._id} did not finish within {timeout:g} s (status: {record.status})"
                )
            await asyncio.sleep(min(interval, remaining))
            interval = min(interval * 1.5, max(max_poll_interval, 0.001))

    def __repr__(self) -> str:
        if self._record is None:
            try:
                self.refresh()
            except Exception:
                return f"<JobResult id={self._id} status=unknown>"
        return f"<JobResult id={self._id} status={self.status}>"


__all__ = ["JobResult"]
