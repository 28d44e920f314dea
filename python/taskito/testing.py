"""Test mode: run tasks inline, in the calling thread, without a worker or a database write.

Use it in your own tests::

    with queue.test_mode() as results:
        add.delay(1, 2)
    assert results[0].return_value == 3

Inside the block every enqueue (``delay``, ``apply_async``, ``map``, ``enqueue``,
``enqueue_many`` and the canvas built on them) runs the task at once, with the task's
middleware and the queue's hooks, and records a :class:`TestResult`. The call returns a
:class:`TestJobResult` whose ``result()`` gives the task's return value. Nothing is written to
the queue's database. ``current_job`` works inside the task: its id is ``test-000001``,
``test-000002``, ...; ``update_progress`` and ``log`` are recorded on the result;
``check_cancelled`` never raises.

With ``propagate_errors=True`` an exception raised by a task leaves the enqueue call
instead of being recorded as a failure.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskito.context import current_job
from taskito.dependencies import dependency_ids, prepended
from taskito.errors import JobFailedError, QueueError, TaskCancelledError
from taskito.graph import GraphStep, step_dependencies

if TYPE_CHECKING:
    from types import TracebackType

    from taskito.queue import Queue


@dataclass
class TestResult:
    """One task run in test mode."""

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

    def __init__(self, run: TestResult, queue_name: str) -> None:
        self._run = run
        self._queue_name = queue_name

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
        if self._run.traceback is None:
            return []
        return [{"job_id": self.id, "attempt": 1, "error": self._run.traceback}]

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
            "retry_count": 0,
            "max_retries": 0,
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


class _TestRun:
    """What ``current_job`` talks to while a test-mode task runs."""

    __slots__ = ("run",)

    def __init__(self, run: TestResult) -> None:
        self.run = run

    def update_progress(self, progress: int) -> None:
        self.run.progress = progress

    def log(self, message: str, level: str, extra: dict[str, Any] | None) -> None:
        self.run.logs.append({"message": message, "level": level, "extra": extra})


class TestMode:
    """Context manager returned by :meth:`Queue.test_mode`; yields a :class:`TestResults`."""

    __test__ = False

    def __init__(self, queue: Queue, propagate_errors: bool = False) -> None:
        self._queue = queue
        self._propagate = propagate_errors
        self._results = TestResults()
        self._by_id: dict[str, TestResult] = {}
        self._ids = itertools.count(1)
        self._active = False

    def __enter__(self) -> TestResults:
        if self._active:
            raise QueueError("this test_mode block is already active")
        if "enqueue" in vars(self._queue):
            raise QueueError("test_mode blocks on the same queue cannot be nested")
        self._active = True
        self._results = TestResults()
        self._by_id = {}
        # Instance attributes shadow the methods until __exit__ removes them.
        vars(self._queue).update(
            enqueue=self._enqueue,
            enqueue_many=self._enqueue_many,
            _enqueue_graph=self._enqueue_graph,
        )
        return self._results

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for name in ("enqueue", "enqueue_many", "_enqueue_graph"):
            vars(self._queue).pop(name, None)
        self._active = False

    # -- the replacements ---------------------------------------------------------------

    def _enqueue(
        self,
        task_name: str,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
        *_: Any,
        queue: str | None = None,
        depends_on: str | Sequence[str] | None = None,
        _receive: str | None = None,
        **__: Any,
    ) -> TestJobResult:
        args = tuple(args)
        deps = dependency_ids(depends_on)
        blocked = self._failed_dependency(deps)
        if blocked is None and _receive is not None:
            args = self._received(deps, _receive) + args
        return self._run(task_name, args, dict(kwargs or {}), queue, blocked)

    def _enqueue_many(
        self,
        task_name: str,
        args_list: Sequence[Sequence[Any]],
        kwargs_list: Sequence[dict[str, Any] | None] | None = None,
        *_: Any,
        queue: str | None = None,
        **__: Any,
    ) -> list[TestJobResult]:
        args_items = list(args_list)
        kwargs_items = [None] * len(args_items) if kwargs_list is None else list(kwargs_list)
        if len(kwargs_items) != len(args_items):
            raise QueueError(
                f"enqueue_many got {len(args_items)} args but {len(kwargs_items)} kwargs; "
                "they must pair up"
            )
        return [
            self._run(task_name, tuple(a), dict(k or {}), queue, None)
            for a, k in zip(args_items, kwargs_items)
        ]

    def _enqueue_graph(self, steps: Sequence[GraphStep]) -> list[TestJobResult]:
        """A canvas runs inline, step by step, as its steps are given."""
        done: list[TestJobResult] = []
        for index, step in enumerate(steps):
            deps = step_dependencies(step, index, [r.id for r in done])
            options = {k: v for k, v in step.options.items() if k != "depends_on"}
            receive = step.receive if deps else None
            done.append(
                self._enqueue(
                    step.task_name,
                    step.args,
                    step.kwargs,
                    depends_on=deps,
                    _receive=receive,
                    **options,
                )
            )
        return done

    # -- running ------------------------------------------------------------------------

    def _failed_dependency(self, deps: list[str]) -> str | None:
        for dep in deps:
            run = self._by_id.get(dep)
            if run is None:
                raise QueueError(f"unknown dependency {dep}: no job with this id ran in test mode")
            if not run.succeeded:
                return dep
        return None

    def _received(self, deps: list[str], mode: str) -> tuple[Any, ...]:
        return prepended(mode, [self._by_id[d].return_value for d in deps])

    def _run(
        self,
        task_name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        queue_name: str | None,
        blocked_by: str | None,
    ) -> TestJobResult:
        fn = self._queue._task_registry.get(task_name)
        if fn is None:
            raise QueueError(f"unknown task '{task_name}': no task with this name is registered")
        config = self._queue._config(task_name)
        resolved_queue = queue_name or (config.queue if config else None) or "default"
        run = TestResult(f"test-{next(self._ids):06d}", task_name, args, kwargs)
        self._results.append(run)
        self._by_id[run.job_id] = run
        if blocked_by is not None:
            run.cancelled = True
            run.traceback = f"cancelled: dependency {blocked_by} did not complete"
            return TestJobResult(run, resolved_queue)
        current_job._set_context(run.job_id, task_name, 0, resolved_queue, None, 1)
        current_job._state().test_run = _TestRun(run)
        try:
            run.return_value = fn(*args, **kwargs)
        except TaskCancelledError as exc:
            run.cancelled = True
            run.error = exc
            run.traceback = traceback.format_exc()
        except Exception as exc:
            run.error = exc
            run.traceback = traceback.format_exc()
            if self._propagate:
                raise
        finally:
            current_job._clear_context()
        return TestJobResult(run, resolved_queue)


__all__ = ["TestJobResult", "TestMode", "TestResult", "TestResults"]
