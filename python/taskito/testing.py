"""Test mode: run tasks inline, in the calling thread, without a worker or a database write.

Use it in your own tests::

    with queue.test_mode() as results:
        add.delay(1, 2)
    assert results[0].return_value == 3

Inside the block every enqueue (``delay``, ``apply_async``, ``map``, ``enqueue``,
``enqueue_many`` and the canvas built on them) runs the task at once and records a
:class:`TestResult`; the call returns a :class:`TestJobResult` whose ``result()`` gives
the task's return value. Nothing is written to the queue's database.

A job runs as a worker would run it, through the same :class:`~taskito.runner.Runner`:
the enqueue's options are checked, the arguments serialized (and signed, with a
``signing_key``) then opened and decoded for the call, the middleware and hooks run
around it, and the result is encoded (so a result the serializer cannot take fails the
job, as in a worker). A failure is classified by the task's ``retry_on`` /
``dont_retry_on``; a retryable one runs again at once (no backoff wait) while the job
has retries left, by the engine's rule (:func:`taskito.outcomes.next_state`).
``current_job`` works inside the task: its id is ``test-000001``, ``test-000002``...;
``retry_count`` and ``attempt`` count the runs; ``update_progress`` and ``log`` are
recorded on the result; ``check_cancelled`` never raises.

With ``propagate_errors=True`` the exception of a job that failed for good leaves the
enqueue call instead of being recorded as a failure.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from taskito.dependencies import dependency_ids
from taskito.enqueue import pair_up
from taskito.errors import JobFailedError, QueueError
from taskito.graph import GraphStep, step_dependencies
from taskito.outcomes import next_state
from taskito.runner import Attempt, Runner
from taskito.submission import JobOptions, Submitter

if TYPE_CHECKING:
    from types import TracebackType

    from taskito.codec import PayloadCodec
    from taskito.enqueue import Enqueuer
    from taskito.registry import TaskRegistry
    from taskito.result import JobResult


class HostQueue(Protocol):
    """What test mode needs of a queue (a ``Queue`` is one)."""

    submitter: Submitter

    @property
    def registry(self) -> TaskRegistry: ...
    @property
    def codec(self) -> PayloadCodec: ...
    @property
    def enqueuer(self) -> Enqueuer: ...


@dataclass
class TestResult:
    """One job run in test mode (all its attempts)."""

    __test__ = False  # not a pytest test class

    job_id: str
    task_name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    return_value: Any = None
    error: BaseException | None = None
    traceback: str | None = None
    progress: int | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    cancelled: bool = False
    retry_count: int = 0
    """How many times the job ran again after a retryable failure."""
    attempt_errors: list[str] = field(default_factory=list, repr=False)
    """The error text of every failed attempt, in order."""

    @property
    def succeeded(self) -> bool:
        """True when the task returned."""
        return self.error is None and not self.cancelled

    @property
    def failed(self) -> bool:
        """True when the task raised (or a dependency failed, so it never ran)."""
        return not self.succeeded


class TestResults(list[TestResult]):
    """The runs recorded by one ``test_mode`` block, in the order they ran."""

    __test__ = False

    def filter(self, task_name: str | None = None, succeeded: bool | None = None) -> TestResults:
        """The runs of ``task_name`` (if given) that succeeded or failed (if given)."""
        return TestResults(
            r
            for r in self
            if (task_name is None or r.task_name == task_name)
            and (succeeded is None or r.succeeded == succeeded)
        )

    @property
    def succeeded(self) -> TestResults:
        """The runs that returned."""
        return self.filter(succeeded=True)

    @property
    def failed(self) -> TestResults:
        """The runs that raised."""
        return self.filter(succeeded=False)


class TestJobResult:
    """What an enqueue returns in test mode: the finished run, shaped like a JobResult."""

    __test__ = False

    def __init__(self, run: TestResult, queue_name: str, max_retries: int = 0) -> None:
        self._run = run
        self._queue_name = queue_name
        self._max_retries = max_retries

    @property
    def id(self) -> str:
        return self._run.job_id

    @property
    def status(self) -> str:
        if self._run.cancelled:
            return "cancelled"
        return "complete" if self._run.error is None else "failed"

    @property
    def error(self) -> str | None:
        return self._run.traceback

    @property
    def progress(self) -> int | None:
        if self._run.progress is not None:
            return self._run.progress
        return 100 if self._run.error is None and not self._run.cancelled else None

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every failed attempt: dicts ``{job_id, attempt, error}`` (attempt from 0)."""
        return [
            {"job_id": self.id, "attempt": n, "error": text}
            for n, text in enumerate(self._run.attempt_errors)
        ]

    def refresh(self) -> TestJobResult:
        return self

    def result(self, timeout: float = 30.0, **_: Any) -> Any:
        """The task's return value; raises like ``JobResult.result`` when it failed."""
        if self._run.error is not None or self._run.cancelled:
            raise JobFailedError(f"Job {self.id} {self.status}: {self._run.traceback}")
        return self._run.return_value

    async def aresult(self, timeout: float = 30.0, **_: Any) -> Any:
        return self.result(timeout)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "queue": self._queue_name,
            "task_name": self._run.task_name,
            "status": self.status,
            "priority": 0,
            "progress": self.progress,
            "retry_count": self._run.retry_count,
            "max_retries": self._max_retries,
            "created_at": None,
            "scheduled_at": None,
            "started_at": None,
            "completed_at": None,
            "error": self.error,
            "timeout_ms": None,
            "unique_key": None,
            "metadata": None,
        }

    def __repr__(self) -> str:
        return f"<TestJobResult id={self.id} status={self.status}>"


@dataclass
class _TestJob:
    """A job as the runner sees it (``RunnableJob``), never stored."""

    id: str
    task_name: str
    payload: bytes
    queue: str
    max_retries: int
    retry_count: int = 0
    attempt: int = 1


class _TestChannel:
    """Where ``current_job`` writes while a test-mode task runs: onto its TestResult."""

    __slots__ = ("run",)

    def __init__(self, run: TestResult) -> None:
        self.run = run

    def set_progress(self, job_id: str, progress: int, attempt: int | None) -> None:
        self.run.progress = progress

    def log(self, job_id: str, task_name: str, level: str, message: str, extra: str | None) -> None:
        data = None if extra is None else json.loads(extra)
        self.run.logs.append({"message": message, "level": level, "extra": data})

    def cancel_requested(self, job_id: str) -> bool:
        return False


class TestMode:
    """Context manager returned by :meth:`Queue.test_mode`; yields a :class:`TestResults`."""

    __test__ = False

    def __init__(self, queue: HostQueue, propagate_errors: bool = False) -> None:
        self._queue = queue
        self._propagate = propagate_errors
        self._results = TestResults()
        self._by_id: dict[str, TestResult] = {}
        self._stored: dict[str, bytes | None] = {}  # each job's encoded result
        self._ids = itertools.count(1)
        self._active = False
        self._previous: Submitter | None = None
        self._runner = Runner(queue.registry, queue.codec, self._results_of)

    def __enter__(self) -> TestResults:
        if self._active:
            raise QueueError("this test_mode block is already active")
        if isinstance(self._queue.submitter, _TestSubmitter):
            raise QueueError("test_mode blocks on the same queue cannot be nested")
        self._active = True
        self._results = TestResults()
        self._by_id = {}
        self._stored = {}
        self._previous = self._queue.submitter
        self._queue.submitter = _TestSubmitter(self)
        return self._results

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._previous is not None:
            self._queue.submitter = self._previous
            self._previous = None
        self._active = False

    # -- running ------------------------------------------------------------------------

    def _results_of(self, job_ids: Sequence[str]) -> list[Any]:
        """What a canvas step receives: its dependencies' encoded results, decoded afresh
        (as a worker reads them from the database)."""
        values = []
        for job_id in job_ids:
            run = self._by_id[job_id]
            if not run.succeeded:
                raise ValueError(f"dependency {job_id} did not complete")
            data = self._stored.get(job_id)
            values.append(self._queue.codec.decode_result(job_id, run.task_name, data))
        return values

    def _failed_dependency(self, deps: list[str]) -> str | None:
        for dep in deps:
            run = self._by_id.get(dep)
            if run is None:
                raise QueueError(f"unknown dependency {dep}: no job with this id ran in test mode")
            if not run.succeeded:
                return dep
        return None

    def run(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        options: JobOptions,
        depends_on: str | Sequence[str] | None = None,
        receive: str | None = None,
    ) -> TestJobResult:
        """One enqueue in test mode: checked and serialized like a stored job, then run
        (again while a retryable failure leaves retries), unless a dependency failed."""
        queue = self._queue
        if task_name not in queue.registry:
            raise QueueError(f"unknown task '{task_name}': no task with this name is registered")
        deps = dependency_ids(depends_on)
        blocked = self._failed_dependency(deps)
        prepared = queue.enqueuer.prepare(
            task_name, args, kwargs, options, deps, receive if blocked is None else None
        )
        run = TestResult(f"test-{next(self._ids):06d}", task_name, tuple(args), dict(kwargs or {}))
        self._results.append(run)
        self._by_id[run.job_id] = run
        job = _TestJob(
            run.job_id, task_name, prepared.payload, prepared.queue, prepared.max_retries
        )
        handle = TestJobResult(run, job.queue, job.max_retries)
        if blocked is not None:
            run.cancelled = True
            run.traceback = f"cancelled: dependency {blocked} did not complete"
            return handle
        while True:
            attempt = self._runner.run(job, _TestChannel(run))
            state = next_state(attempt.code, job.retry_count, job.max_retries)
            if state != "complete":
                run.attempt_errors.append(str(attempt.value))
            if state != "retry":
                break
            job.retry_count += 1
            job.attempt += 1
        run.retry_count = job.retry_count
        self._finish(run, job, attempt, state)
        return handle

    def _finish(self, run: TestResult, job: _TestJob, attempt: Attempt, state: str) -> None:
        if state == "complete":
            value = attempt.value
            data = value if isinstance(value, bytes) else None
            self._stored[job.id] = data
            run.return_value = self._queue.codec.decode_result(job.id, job.task_name, data)
            return
        run.error = attempt.error
        run.traceback = str(attempt.value)
        if state == "cancelled":
            run.cancelled = True
        elif self._propagate and isinstance(attempt.error, Exception):
            raise attempt.error


class _TestSubmitter:
    """The queue's submitter while a test-mode block is active: every enqueue runs."""

    def __init__(self, mode: TestMode) -> None:
        self._mode = mode

    def enqueue(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        options: JobOptions,
        depends_on: str | Sequence[str] | None = None,
        receive: str | None = None,
    ) -> JobResult:
        # Test mode hands back TestJobResult where a JobResult is expected (duck-typed).
        return cast(
            "JobResult", self._mode.run(task_name, args, kwargs, options, depends_on, receive)
        )

    def enqueue_many(
        self,
        task_name: str,
        args_list: Sequence[Sequence[Any]],
        kwargs_list: Sequence[dict[str, Any] | None] | None,
        options: JobOptions,
    ) -> list[JobResult]:
        args_items, kwargs_items = pair_up(args_list, kwargs_list)
        return [self.enqueue(task_name, a, k, options) for a, k in zip(args_items, kwargs_items)]

    def enqueue_graph(self, steps: Sequence[GraphStep]) -> list[JobResult]:
        """A canvas runs inline, step by step, as its steps are given."""
        done: list[JobResult] = []
        for index, step in enumerate(steps):
            deps = step_dependencies(step, index, [r.id for r in done])
            options = {k: v for k, v in step.options.items() if k != "depends_on"}
            receive = step.receive if deps else None
            done.append(
                self.enqueue(
                    step.task_name, step.args, step.kwargs, JobOptions(**options), deps, receive
                )
            )
        return done


__all__ = ["HostQueue", "TestJobResult", "TestMode", "TestResult", "TestResults"]
