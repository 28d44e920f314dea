"""``JobResult``: a handle on one enqueued job."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from taskito._native import JobRecord
from taskito.exceptions import (
    JobFailedError,
    JobNotFoundError,
    MaxRetriesExceededError,
    ResultTimeoutError,
    TaskCancelledError,
    TaskFailedError,
)

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


def job_error_dicts(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One job's failed attempts as returned to users, oldest first.

    ``rows`` are the engine's rows for one job, oldest first, whose ``attempt`` is the
    1-based claim counter (it also counts runs cut short by a crash or a rate limit).
    Here that counter is ``claim``, and ``attempt`` is the job's ``retry_count`` when it
    failed, as in the original taskito: 0 for the first failure, then 1, 2... Every
    failure but the last one of a job is followed by a retry, so that is its position.
    """
    out = []
    for position, row in enumerate(rows):
        entry = dict(row)
        claim = entry.pop("attempt")
        error = entry.pop("error")
        failed_at = entry.pop("failed_at")
        entry.update(attempt=position, claim=claim, error=error, failed_at=failed_at)
        out.append(entry)
    return out


class ErrorDetails(NamedTuple):
    """A stored job error, taken apart (``errtype``/``traceback`` None for a sentence)."""

    summary: str
    errtype: str | None
    traceback: list[str] | None


_TRACEBACK_HEADER = "Traceback (most recent call last):"


def error_details(raw: str) -> ErrorDetails:
    """Take a stored error apart.

    A task's exception is stored as its formatted traceback: the class name and the
    message are the exception line after the last frame (the last exception of a
    chain). The original taskito's JSON form ``{"errtype", "message", "traceback"}`` is
    read as well. Anything else is a sentence from taskito itself (``job timed out
    after 2000 ms``) and is its own summary.
    """
    if raw.startswith(_TRACEBACK_HEADER):
        lines = raw.splitlines()
        start = max(i for i, line in enumerate(lines) if line == _TRACEBACK_HEADER)
        # The frames are indented; the exception line and any more of its message are not.
        body = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), None)
        if body is not None:
            rest = lines[body:]
            errtype, sep, first = rest[0].partition(": ")
            if all(p.isidentifier() or p == "<locals>" for p in errtype.split(".")):
                message = "\n".join([first, *rest[1:]]) if sep else ""
                summary = f"{errtype}: {message}" if message else errtype
                return ErrorDetails(summary, errtype, lines)
    elif raw.startswith("{"):
        import json  # rare: only errors written in the original's JSON form

        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
            errtype = str(decoded.get("errtype") or "Error")
            message = decoded["message"]
            frames = decoded.get("traceback")
            lines = [str(line) for line in frames] if isinstance(frames, list) else []
            return ErrorDetails(f"{errtype}: {message}" if message else errtype, errtype, lines)
    return ErrorDetails(raw, None, None)


# The exception and the verb of its message for each way a job ends without a result.
_FAILURES: dict[str, tuple[type[JobFailedError], str]] = {
    "failed": (TaskFailedError, "failed"),
    "dead": (MaxRetriesExceededError, "dead-lettered"),
    "cancelled": (TaskCancelledError, "cancelled"),
}


def _check_timeout(timeout: float) -> None:
    if not timeout > 0:  # NaN too
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")


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
        record = self._queue.inspection.record(self._id)
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
        """Every failed attempt, oldest first: dicts ``{id, job_id, attempt, claim, error,
        failed_at}`` (``attempt`` counts from 0, see :func:`job_error_dicts`)."""
        return self._queue.inspection.job_errors(self._id)

    @property
    def dependencies(self) -> list[str]:
        """The ids of the jobs this one waits for (``depends_on``), in the order given."""
        return self._queue.inspection.dependencies(self._id)

    @property
    def dependents(self) -> list[str]:
        """The ids of the jobs that wait for this one."""
        return self._queue.inspection.dependents(self._id)

    def to_dict(self) -> dict[str, Any]:
        """Refresh, then return the job's 16 public fields (timestamps in Unix ms)."""
        return record_dict(self.refresh()._snapshot())

    def _outcome(self, record: JobRecord) -> Any:
        """The return value of a terminal job, or the exception it ended with."""
        status = record.status
        if status == "complete":
            return self._queue.codec.decode_result(self._id, record.task_name, record.result)
        raise self._failure(record)

    def _failure(self, record: JobRecord) -> JobFailedError:
        """The exception ``result()`` raises for a failed, dead or cancelled job."""
        error_class, verb = _FAILURES.get(record.status, (TaskFailedError, record.status))
        fallback = "job was cancelled" if error_class is TaskCancelledError else "no error recorded"
        raw = record.error
        details = error_details(raw) if raw else ErrorDetails(fallback, None, None)
        return error_class(
            f"Job {self._id} {verb}: {details.summary}",
            job_id=self._id,
            errtype=details.errtype,
            traceback=details.traceback,
            raw_error=raw,
        )

    def result(
        self, timeout: float = 30.0, poll_interval: float = 0.05, max_poll_interval: float = 0.5
    ) -> Any:
        """Wait for the job to finish and return its result.

        A job that did not complete raises a :class:`JobFailedError` (a ``RuntimeError``)
        carrying the stored error (``errtype``, ``traceback``, ``raw_error``, ``job_id``):
        :class:`TaskFailedError` if it ``failed``, :class:`MaxRetriesExceededError` (also
        a ``TaskFailedError``) if it went to the dead-letter queue, :class:`TaskCancelledError`
        if it was cancelled. :class:`ResultTimeoutError` (a ``TimeoutError``) if
        ``timeout`` seconds pass first; ``timeout`` must be positive (``ValueError``).
        The engine wakes the wait as soon as the job finishes; ``poll_interval`` and
        ``max_poll_interval`` are accepted for compatibility and do not change that.
        """
        _check_timeout(timeout)
        deadline = time.monotonic() + timeout
        inspection = self._queue.inspection
        while True:
            remaining = deadline - time.monotonic()
            record = inspection.wait(self._id, max(0.0, min(_WAIT_SLICE_S, remaining)))
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

        _check_timeout(timeout)
        deadline = time.monotonic() + timeout
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
