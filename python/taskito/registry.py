"""What a queue knows about its tasks, in one place: each task's options, function,
retry filters, middleware and limits; the queue-wide middleware and hooks; the periodic
schedules registered with ``@queue.periodic``.

The runner, the worker, test mode, enqueueing and the dashboard read tasks here
(through ``queue.registry``), never from attributes of the Queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, overload

from taskito.errors import QueueError
from taskito.limits import BreakerSettings, RateLimit, parse_circuit_breaker, parse_rate_limit
from taskito.middleware import TaskMiddleware
from taskito.task import (
    ExceptionTypes,
    TaskConfig,
    TaskQueue,
    TaskWrapper,
    exception_types,
    validate_config,
)

#: The hooks a queue calls around every task, in the order of a run.
HOOKS = ("before_task", "on_success", "on_failure", "after_task")

TaskLimits = tuple[str, "RateLimit | None", "BreakerSettings | None"]
"""What ``NativeQueue.start_worker(limits=...)`` takes per limited task."""


@dataclass(frozen=True)
class TaskEntry:
    """One registered task: its options, its function and its parsed limits."""

    config: TaskConfig
    fn: Callable[..., Any]
    rate_limit: RateLimit | None
    breaker: BreakerSettings | None

    @property
    def retry_filters(self) -> tuple[ExceptionTypes, ExceptionTypes]:
        """``(retry_on, dont_retry_on)``."""
        return self.config.retry_on, self.config.dont_retry_on


class TaskRegistry:
    """The tasks of one queue, its global middleware and hooks, its periodic schedules."""

    def __init__(self, middleware: Iterable[TaskMiddleware] = ()) -> None:
        self._entries: dict[str, TaskEntry] = {}
        self._functions: dict[str, Callable[..., Any]] = {}
        self._middleware: list[TaskMiddleware] = []
        for mw in middleware:
            self.add_middleware(mw)
        self._hooks: dict[str, list[Callable[..., Any]]] = {hook: [] for hook in HOOKS}
        self._periodic: list[dict[str, Any]] = []

    # -- tasks ----------------------------------------------------------------------------

    def register(self, config: TaskConfig, fn: Callable[..., Any]) -> None:
        """Add a task (options already checked); a task of the same name is replaced."""
        entry = TaskEntry(
            config,
            fn,
            parse_rate_limit(config.name, config.rate_limit),
            parse_circuit_breaker(config.name, config.circuit_breaker),
        )
        self._entries.pop(config.name, None)  # re-registered: listed last, as it was defined
        self._entries[config.name] = entry
        self._functions[config.name] = fn

    def entry(self, name: str) -> TaskEntry | None:
        """The task registered under ``name``, or None."""
        return self._entries.get(name)

    def config(self, name: str) -> TaskConfig | None:
        """The options of the task ``name``, or None when there is no such task."""
        entry = self._entries.get(name)
        return None if entry is None else entry.config

    def configs(self) -> list[TaskConfig]:
        """Every task's options, in the order the tasks were (last) registered."""
        return [entry.config for entry in self._entries.values()]

    @property
    def functions(self) -> Mapping[str, Callable[..., Any]]:
        """Task name -> the decorated function (a read-only view)."""
        return MappingProxyType(self._functions)

    def queues(self) -> list[str]:
        """The queues the registered tasks use, by name."""
        return sorted({entry.config.queue for entry in self._entries.values()})

    def limits(self) -> list[TaskLimits]:
        """The tasks that have a rate limit or a circuit breaker, as the engine takes them."""
        return [
            (name, e.rate_limit, e.breaker)
            for name, e in self._entries.items()
            if e.rate_limit is not None or e.breaker is not None
        ]

    def breakers(self) -> dict[str, BreakerSettings]:
        """Task name -> circuit breaker settings, for the tasks that have one."""
        return {name: e.breaker for name, e in self._entries.items() if e.breaker is not None}

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    # -- middleware and hooks ------------------------------------------------------------

    def add_middleware(self, middleware: TaskMiddleware) -> None:
        """Add queue-wide middleware (it runs around every task, before the task's own)."""
        if not isinstance(middleware, TaskMiddleware):
            raise QueueError(
                f"middleware must be TaskMiddleware instances, not {type(middleware).__name__}"
            )
        self._middleware.append(middleware)

    @property
    def global_middleware(self) -> tuple[TaskMiddleware, ...]:
        """The queue-wide middleware, in order."""
        return tuple(self._middleware)

    def middleware_for(self, name: str) -> Sequence[TaskMiddleware]:
        """The middleware around task ``name``: the queue-wide ones, then the task's."""
        entry = self._entries.get(name)
        own = entry.config.middleware if entry is not None else ()
        if not own:
            return self._middleware  # the common case: no copy per job
        return [*self._middleware, *own]

    def add_hook(self, hook: str, fn: Callable[..., Any]) -> None:
        """Register ``fn`` for one of :data:`HOOKS`."""
        self._hooks[hook].append(fn)

    def hooks(self, hook: str) -> list[Callable[..., Any]]:
        """The functions registered for ``hook``, in registration order."""
        return self._hooks[hook]

    @property
    def hook_table(self) -> Mapping[str, list[Callable[..., Any]]]:
        """Every hook's functions, by hook name (read once per job by the runner)."""
        return self._hooks

    # -- periodic schedules --------------------------------------------------------------

    @property
    def periodic(self) -> list[dict[str, Any]]:
        """The schedules of ``@queue.periodic``: dicts ``{name, task_name, cron_expr,
        payload, queue, timezone}`` (the list itself: the dashboard's tests add to it)."""
        return self._periodic

    def add_periodic(self, schedule: dict[str, Any]) -> None:
        """Add a schedule, replacing one of the same name."""
        self._periodic[:] = [s for s in self._periodic if s["name"] != schedule["name"]]
        self._periodic.append(schedule)

    def __repr__(self) -> str:
        return f"<TaskRegistry tasks={len(self._entries)} periodic={len(self._periodic)}>"


class TaskDecorator:
    """``queue.task``: registers a function as a task of the queue."""

    __slots__ = ("_queue", "_registry")

    def __init__(self, queue: TaskQueue, registry: TaskRegistry) -> None:
        self._queue = queue
        self._registry = registry

    @overload
    def __call__(self, name: Callable[..., Any], /) -> TaskWrapper: ...

    @overload
    def __call__(
        self,
        name: str | None = None,
        max_retries: int | None = None,
        retry_backoff: float | None = None,
        timeout: float | None = None,
        priority: int | None = None,
        queue: str = "default",
        retry_on: Iterable[type[BaseException]] | None = None,
        dont_retry_on: Iterable[type[BaseException]] | None = None,
        soft_timeout: float | None = None,
        middleware: Iterable[TaskMiddleware] | None = None,
        rate_limit: str | None = None,
        circuit_breaker: dict[str, float] | None = None,
    ) -> Callable[[Callable[..., Any]], TaskWrapper]: ...

    def __call__(
        self,
        name: str | Callable[..., Any] | None = None,
        max_retries: int | None = None,
        retry_backoff: float | None = None,
        timeout: float | None = None,
        priority: int | None = None,
        queue: str = "default",
        retry_on: Iterable[type[BaseException]] | None = None,
        dont_retry_on: Iterable[type[BaseException]] | None = None,
        soft_timeout: float | None = None,
        middleware: Iterable[TaskMiddleware] | None = None,
        rate_limit: str | None = None,
        circuit_breaker: dict[str, float] | None = None,
    ) -> TaskWrapper | Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a function as a task; use as ``@queue.task`` or ``@queue.task(...)``.

        Options left as ``None`` use the queue's defaults (``retry_backoff``: 1 s,
        doubled on each retry). ``timeout``, ``retry_backoff`` and ``soft_timeout`` are
        in seconds. ``retry_on``/``dont_retry_on`` list exception classes:
        ``dont_retry_on`` wins, and a non-empty ``retry_on`` retries only those.

        ``timeout`` is a hard limit: past it the attempt fails at once (retry rules
        apply, a late result is ignored) and :class:`TaskTimeoutError` is raised in the
        task's thread at its next Python instruction; a task blocked in a C call (e.g.
        ``time.sleep``) is interrupted only when that call returns.

        ``rate_limit`` (``"100/m"``; ``N/s``, ``N/m`` or ``N/h``) spaces the task's starts
        evenly, at most N per period across every worker; ``circuit_breaker``
        (``{"threshold": 5, "window": 60, "cooldown": 300}``, seconds) stops running the
        task for ``cooldown`` after ``threshold`` failures within ``window``. Jobs they hold
        back wait as pending jobs, spending no retry (see ``docs/limits.md``).
        """
        bare = name if callable(name) else None  # used as @queue.task
        given = None if callable(name) else name
        retry = exception_types("retry_on", retry_on)
        dont_retry = exception_types("dont_retry_on", dont_retry_on)
        task_middleware = tuple(middleware or ())

        def decorate(fn: Callable[..., Any]) -> TaskWrapper:
            if not callable(fn):
                raise QueueError(f"@queue.task decorates functions, not {type(fn).__name__}")
            config = TaskConfig(
                name=given if given is not None else f"{fn.__module__}.{fn.__qualname__}",
                queue=queue,
                max_retries=max_retries,
                retry_backoff=retry_backoff,
                timeout=timeout,
                priority=priority,
                soft_timeout=soft_timeout,
                retry_on=retry,
                dont_retry_on=dont_retry,
                middleware=task_middleware,
                rate_limit=rate_limit,
                circuit_breaker=circuit_breaker,
            )
            validate_config(config)
            self._registry.register(config, fn)
            return TaskWrapper(fn, self._queue, config)

        return decorate if bare is None else decorate(bare)

    def __repr__(self) -> str:
        return f"<TaskDecorator of {self._queue!r}>"


__all__ = ["HOOKS", "TaskDecorator", "TaskEntry", "TaskLimits", "TaskRegistry"]
