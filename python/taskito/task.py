"""``@queue.task``: task options, the :class:`TaskWrapper` it returns and the
:class:`Signature` of a call to make later (the canvas, :mod:`taskito.canvas`, is built
from signatures).

Running a task is :mod:`taskito.runner`'s business; this module only describes tasks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

from taskito import limits
from taskito.dependencies import dependency_ids
from taskito.errors import QueueError
from taskito.graph import GraphStep
from taskito.middleware import TaskMiddleware

if TYPE_CHECKING:
    from taskito.result import JobResult
    from taskito.submission import Submitter

ExceptionTypes = tuple[type[BaseException], ...]


@dataclass(frozen=True)
class TaskConfig:
    """The options given to ``@queue.task``. ``None`` means "use the queue's default"."""

    name: str
    queue: str = "default"
    max_retries: int | None = None
    retry_backoff: float | None = None
    timeout: float | None = None
    priority: int | None = None
    soft_timeout: float | None = None
    retry_on: ExceptionTypes = ()
    dont_retry_on: ExceptionTypes = ()
    middleware: tuple[TaskMiddleware, ...] = field(default=())
    rate_limit: str | None = None
    circuit_breaker: dict[str, float] | None = None


def is_retryable(
    error: BaseException, retry_on: ExceptionTypes, dont_retry_on: ExceptionTypes
) -> bool:
    """Whether a failed attempt may be retried, by the task's exception filters.

    ``dont_retry_on`` wins; a non-empty ``retry_on`` retries only those classes.
    """
    if dont_retry_on and isinstance(error, dont_retry_on):
        return False
    if retry_on:
        return isinstance(error, retry_on)
    return True


def exception_types(option: str, value: Iterable[Any] | None) -> ExceptionTypes:
    """Check a ``retry_on`` / ``dont_retry_on`` option and return it as a tuple."""
    if value is None:
        return ()
    if isinstance(value, type):
        value = [value]
    result = []
    for item in value:
        if not (isinstance(item, type) and issubclass(item, BaseException)):
            raise QueueError(f"{option} must list exception classes, but it contains {item!r}")
        result.append(item)
    return tuple(result)


def _check_number(
    option: str, value: float | None, *, minimum: float, strict: bool = False
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise QueueError(f"{option} must be a number, not {type(value).__name__}")
    if value < minimum or (strict and value == minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise QueueError(f"{option} must be {bound} (got {value!r})")


def validate_config(config: TaskConfig) -> None:
    """Raise :class:`QueueError` for an option that cannot work."""
    if not config.name or not isinstance(config.name, str):
        raise QueueError(f"a task name must be a non-empty string (got {config.name!r})")
    if not config.queue or not isinstance(config.queue, str):
        raise QueueError(f"task '{config.name}': queue must be a non-empty string")
    if config.max_retries is not None and (
        isinstance(config.max_retries, bool) or not isinstance(config.max_retries, int)
    ):
        raise QueueError(f"task '{config.name}': max_retries must be an int")
    if config.priority is not None and (
        isinstance(config.priority, bool) or not isinstance(config.priority, int)
    ):
        raise QueueError(f"task '{config.name}': priority must be an int")
    _check_number(f"task '{config.name}': max_retries", config.max_retries, minimum=0)
    _check_number(f"task '{config.name}': retry_backoff", config.retry_backoff, minimum=0)
    _check_number(f"task '{config.name}': timeout", config.timeout, minimum=0, strict=True)
    _check_number(
        f"task '{config.name}': soft_timeout", config.soft_timeout, minimum=0, strict=True
    )
    limits.check(config.name, config.rate_limit, config.circuit_breaker)
    for mw in config.middleware:
        if not isinstance(mw, TaskMiddleware):
            raise QueueError(
                f"task '{config.name}': middleware must be TaskMiddleware instances, "
                f"not {type(mw).__name__}"
            )


class TaskQueue(Protocol):
    """What tasks and signatures need from the queue they belong to (a ``Queue`` is one)."""

    @property
    def submitter(self) -> Submitter:
        """Carries out enqueues: the store's, or test mode's while a block is active."""
        ...

    def enqueue(self, task_name: str, *args: Any, **kwargs: Any) -> JobResult:
        """:meth:`taskito.Queue.enqueue`."""
        ...

    def enqueue_many(self, task_name: str, *args: Any, **kwargs: Any) -> list[JobResult]:
        """:meth:`taskito.Queue.enqueue_many`."""
        ...

    def cancel_job(self, job_id: str) -> bool:
        """:meth:`taskito.Queue.cancel_job`."""
        ...


class TaskWrapper:
    """What ``@queue.task`` returns: the function, plus ways to enqueue it.

    Calling the wrapper runs the function directly, in this process, with no queue.
    """

    def __init__(self, fn: Callable[..., Any], queue: TaskQueue, config: TaskConfig) -> None:
        self._fn = fn
        self._queue = queue
        self._config = config
        functools.update_wrapper(self, fn)

    @property
    def name(self) -> str:
        """The name jobs of this task are stored under."""
        return self._config.name

    @property
    def config(self) -> TaskConfig:
        """The options given to the decorator."""
        return self._config

    @property
    def queue(self) -> TaskQueue:
        """The queue the task was registered on."""
        return self._queue

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def delay(self, *args: Any, **kwargs: Any) -> JobResult:
        """Enqueue a call with the task's default options."""
        return self._queue.enqueue(self.name, args=args, kwargs=kwargs)

    def apply_async(
        self,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
        priority: int | None = None,
        delay: float | None = None,
        queue: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        unique_key: str | None = None,
        metadata: dict[str, Any] | str | None = None,
        depends_on: str | Sequence[str] | None = None,
        expires: float | None = None,
        result_ttl: float | None = None,
    ) -> JobResult:
        """Enqueue a call with options; each ``None`` falls back to the task's default.

        ``delay``, ``timeout``, ``expires`` and ``result_ttl`` are in seconds. With
        ``depends_on`` (a job id or a list of them) the job waits until they complete.
        """
        return self._queue.enqueue(
            self.name,
            args=args,
            kwargs=kwargs,
            priority=priority,
            delay=delay,
            queue=queue,
            max_retries=max_retries,
            timeout=timeout,
            unique_key=unique_key,
            metadata=metadata,
            depends_on=depends_on,
            expires=expires,
            result_ttl=result_ttl,
        )

    def s(self, *args: Any, **kwargs: Any) -> Signature:
        """A signature of this call; in a chain it receives the previous result first."""
        return Signature(self, args, kwargs)

    def si(self, *args: Any, **kwargs: Any) -> Signature:
        """An immutable signature: in a chain or chord it ignores previous results."""
        return Signature(self, args, kwargs, immutable=True)

    def map(self, args_list: Iterable[Sequence[Any]]) -> list[JobResult]:
        """Enqueue one job per argument tuple, all in one transaction."""
        items = []
        for index, item in enumerate(args_list):
            if not isinstance(item, (tuple, list)):
                kind = type(item).__name__
                article = "an" if kind[:1].lower() in "aeiou" else "a"
                raise QueueError(
                    f"map() takes a list of argument tuples, but item {index} is {article} "
                    f"{kind}: write ({item!r},) to pass it as one argument"
                )
            items.append(tuple(item))
        return self._queue.enqueue_many(self.name, items)

    def __repr__(self) -> str:
        return f"<TaskWrapper {self.name!r}>"


@dataclass(frozen=True)
class Signature:
    """A task call to make later: the task, its arguments and enqueue options.

    ``immutable`` signatures (``task.si(...)``) ignore the previous step's result.
    """

    task: TaskWrapper
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    immutable: bool = False

    def apply(self, queue: TaskQueue | None = None) -> JobResult:
        """Enqueue the call (on ``queue``, by default the task's own) and return its result."""
        return self._enqueue(queue)

    def _enqueue(
        self, queue: TaskQueue | None, after: Sequence[str] = (), receive: str | None = None
    ) -> JobResult:
        target = queue if queue is not None else self.task.queue
        options = dict(self.options)
        extra = options.pop("depends_on", None)
        # The step before comes last: ``_receive="one"`` reads the last dependency.
        depends_on = [*dependency_ids(extra), *after]
        return target.enqueue(
            self.task.name,
            tuple(self.args),
            dict(self.kwargs),
            depends_on=depends_on or None,
            _receive=receive if depends_on and not self.immutable else None,
            **options,
        )

    def _step(self, after: Sequence[int] = (), receive: str | None = None) -> GraphStep:
        """This call as a step of a graph, waiting for the steps ``after`` (indexes)."""
        waits = bool(after) or bool(dependency_ids(self.options.get("depends_on")))
        return GraphStep(
            self.task.name,
            tuple(self.args),
            dict(self.kwargs),
            dict(self.options),
            tuple(after),
            receive if waits and not self.immutable else None,
        )

    def __repr__(self) -> str:
        mark = "si" if self.immutable else "s"
        return f"<Signature {self.task.name}.{mark}{tuple(self.args)!r}>"


__all__ = [
    "Signature",
    "TaskConfig",
    "TaskQueue",
    "TaskWrapper",
    "exception_types",
    "is_retryable",
    "validate_config",
]
