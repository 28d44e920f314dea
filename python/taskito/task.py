"""``@queue.task``: task options, the :class:`TaskWrapper` and the function the worker calls."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from taskito import limits
from taskito.canvas import Signature
from taskito.context import current_job
from taskito.errors import QueueError, TaskCancelledError, TaskTimeoutError
from taskito.middleware import TaskMiddleware

if TYPE_CHECKING:
    from taskito.queue import Queue
    from taskito.result import JobResult

logger = logging.getLogger("taskito")

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
    limits.check(config)
    for mw in config.middleware:
        if not isinstance(mw, TaskMiddleware):
            raise QueueError(
                f"task '{config.name}': middleware must be TaskMiddleware instances, "
                f"not {type(mw).__name__}"
            )


def _call_middleware(method: str, mw: TaskMiddleware, *args: Any) -> None:
    try:
        getattr(mw, method)(*args)
    except Exception:
        logger.exception("middleware %s.%s raised; ignored", type(mw).__name__, method)


def _retried(queue: Queue, name: str, exc: BaseException) -> bool:
    """Whether the worker will run the job again after ``exc`` (spending a retry)."""
    if isinstance(exc, (TaskCancelledError, TaskTimeoutError, KeyboardInterrupt)):
        return False
    if not current_job._will_retry():
        return False
    filters = queue._task_retry_filters.get(name, {})
    return is_retryable(exc, filters.get("retry_on", ()), filters.get("dont_retry_on", ()))


def make_runner(queue: Queue, config: TaskConfig, fn: Callable[..., Any]) -> Callable[..., Any]:
    """The callable the worker runs for ``config.name``: soft timeout, middleware, hooks, task.

    The worker sets ``current_job`` before calling it and clears it afterwards.
    """
    name = config.name

    def run(*args: Any, **kwargs: Any) -> Any:
        current_job._set_soft_timeout(config.soft_timeout)
        middleware = [*queue._global_middleware, *queue._task_middleware.get(name, ())]
        for mw in middleware:
            _call_middleware("before", mw, current_job)
        result: Any = None
        error: BaseException | None = None
        try:
            for hook in queue._hooks["before_task"]:
                hook(name, args, kwargs)
            try:
                result = fn(*args, **kwargs)
                if inspect.isawaitable(result):
                    import asyncio  # only coroutine tasks need it

                    result = asyncio.run(_await(result))
            except BaseException as exc:
                error = exc
                for hook in queue._hooks["on_failure"]:
                    hook(name, args, kwargs, exc)
                if _retried(queue, name, exc):
                    # Before `after`, so that middleware sees the retry within the attempt.
                    for mw in middleware:
                        _call_middleware(
                            "on_retry", mw, current_job, exc, current_job.retry_count + 1
                        )
                raise
            for hook in queue._hooks["on_success"]:
                hook(name, args, kwargs, result)
            return result
        finally:
            for hook in queue._hooks["after_task"]:
                hook(name, args, kwargs, result, error)
            for mw in middleware:
                _call_middleware("after", mw, current_job, result, error)

    functools.update_wrapper(run, fn)
    return run


async def _await(awaitable: Any) -> Any:
    return await awaitable


class TaskWrapper:
    """What ``@queue.task`` returns: the function, plus ways to enqueue it.

    Calling the wrapper runs the function directly, in this process, with no queue.
    """

    def __init__(self, fn: Callable[..., Any], queue: Queue, config: TaskConfig) -> None:
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


__all__ = ["TaskConfig", "TaskWrapper", "is_retryable"]
