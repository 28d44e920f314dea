"""``current_job``: what a running task knows about its own job.

The runner (:mod:`taskito.runner`) sets the context on its thread before it calls a
task and clears it afterwards, so ``current_job`` is only meaningful inside a task:
outside one, every property and method raises ``RuntimeError("No active job
context...")``. The context holds the :class:`JobChannel` of the run (per thread, not in
a module global): the queue's, which writes to its database, so that several queues in
one process each use their own; or test mode's, which records in memory. A context with
no channel makes ``update_progress``, ``log`` and ``check_cancelled`` raise
``RuntimeError``; ``check_timeout`` needs none.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from taskito.errors import SoftTimeoutError, TaskCancelledError
from taskito.observability import check_level, extra_json


class JobChannel(Protocol):
    """Where a running job's progress and log lines go, and where cancellation is read."""

    def set_progress(self, job_id: str, progress: int, attempt: int | None) -> None:
        """Record progress; fenced by ``attempt`` (a late write of a lost attempt is dropped)."""
        ...

    def log(self, job_id: str, task_name: str, level: str, message: str, extra: str | None) -> None:
        """Store a log line (level checked, ``extra`` already JSON text)."""
        ...

    def cancel_requested(self, job_id: str) -> bool:
        """Whether someone asked the job to stop."""
        ...


_NO_CONTEXT = (
    "No active job context: current_job is only available inside a task run by a taskito worker"
)
_NO_QUEUE = (
    "No queue for this job context: current_job.{method}() needs the job to be run by a "
    "taskito worker"
)


class _State:
    __slots__ = (
        "attempt",
        "channel",
        "job_id",
        "max_retries",
        "queue_name",
        "retry_count",
        "soft_timeout",
        "started",
        "task_name",
    )

    def __init__(
        self,
        job_id: str,
        task_name: str,
        retry_count: int,
        queue_name: str,
        channel: JobChannel | None,
        attempt: int | None,
        max_retries: int | None = None,
    ) -> None:
        self.job_id = job_id
        self.task_name = task_name
        self.retry_count = retry_count
        self.queue_name = queue_name
        self.channel = channel
        self.attempt = attempt
        self.started = time.monotonic()
        self.soft_timeout: float | None = None
        self.max_retries = max_retries

    def require_channel(self, method: str) -> JobChannel:
        if self.channel is None:
            raise RuntimeError(_NO_QUEUE.format(method=method))
        return self.channel


class JobContext:
    """The job the current thread is running. Use the :data:`current_job` instance."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _state(self) -> _State:
        state: _State | None = getattr(self._local, "state", None)
        if state is None:
            raise RuntimeError(_NO_CONTEXT)
        return state

    def _set_context(
        self,
        job_id: str,
        task_name: str,
        retry_count: int,
        queue_name: str,
        channel: JobChannel | None = None,
        attempt: int | None = None,
        max_retries: int | None = None,
    ) -> None:
        self._local.state = _State(
            job_id, task_name, retry_count, queue_name, channel, attempt, max_retries
        )

    def _set_soft_timeout(self, seconds: float | None) -> None:
        state = self._state()
        state.soft_timeout = seconds
        state.started = time.monotonic()

    def _clear_context(self) -> None:
        self._local.state = None

    @property
    def active(self) -> bool:
        """True while the current thread runs a task."""
        return getattr(self._local, "state", None) is not None

    @property
    def id(self) -> str:
        """The running job's id."""
        return self._state().job_id

    @property
    def task_name(self) -> str:
        """The running task's registered name."""
        return self._state().task_name

    @property
    def retry_count(self) -> int:
        """How many times this job was retried before this attempt (0 on the first)."""
        return self._state().retry_count

    @property
    def queue_name(self) -> str:
        """The queue the job was taken from."""
        return self._state().queue_name

    @property
    def attempt(self) -> int | None:
        """This run's attempt number: 1 on the first run, and every run counts, including
        runs cut short by a crash (``retry_count`` counts only failures). None when unknown.
        """
        return self._state().attempt

    def update_progress(self, progress: int) -> None:
        """Record the job's progress (any int; shown by ``JobResult.progress``).

        The write is fenced by this attempt: once the job was taken over (lease lost,
        hard timeout), a late update changes nothing.
        """
        state = self._state()
        if isinstance(progress, bool) or not isinstance(progress, int):
            raise TypeError(f"progress must be an int, not {type(progress).__name__}")
        channel = state.require_channel("update_progress")
        channel.set_progress(state.job_id, progress, state.attempt)

    def log(self, message: str, level: str = "info", extra: dict[str, Any] | None = None) -> None:
        """Store a log line for this job (read back with ``queue.task_logs(job_id)`` and
        ``queue.query_logs(...)``).

        ``level`` is one of debug, info, warning, error (anything else: ``ValueError``);
        ``extra`` is a dict stored as JSON text (not JSON-serializable: ``TypeError``).
        """
        state = self._state()
        if not isinstance(message, str):
            raise TypeError(f"log message must be a str, not {type(message).__name__}")
        checked = check_level(level)
        text = extra_json(extra)
        channel = state.require_channel("log")
        channel.log(state.job_id, state.task_name, checked, message, text)

    def check_cancelled(self) -> None:
        """Raise :class:`TaskCancelledError` if someone asked this job to stop.

        ``queue.cancel_running_job(id)`` asks; the worker then ends the job ``cancelled``.
        Call this at points where stopping is safe.
        """
        state = self._state()
        channel = state.require_channel("check_cancelled")
        if channel.cancel_requested(state.job_id):
            raise TaskCancelledError(
                f"job {state.job_id} (task '{state.task_name}') was cancelled while running"
            )

    def check_timeout(self) -> None:
        """Raise :class:`SoftTimeoutError` if the task's ``soft_timeout`` has passed.

        Does nothing for a task without a soft timeout.
        """
        state = self._state()
        if state.soft_timeout is None:
            return
        elapsed = time.monotonic() - state.started
        if elapsed > state.soft_timeout:
            raise SoftTimeoutError(
                f"task '{state.task_name}' (job {state.job_id}) passed its soft timeout of "
                f"{state.soft_timeout:g} s ({elapsed:.2f} s elapsed)"
            )

    def __repr__(self) -> str:
        state: _State | None = getattr(self._local, "state", None)
        if state is None:
            return "<JobContext (no active job)>"
        return f"<JobContext id={state.job_id} task={state.task_name!r}>"


current_job = JobContext()
"""The context of the job running on the current thread."""

__all__ = ["JobChannel", "JobContext", "current_job"]
