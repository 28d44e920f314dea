"""Running one job: the one place it is done, for worker threads and for test mode.

:meth:`Runner.run` opens the payload (the signature check comes before the serializer
sees a byte), decodes the arguments (and the dependencies' results of a canvas step),
runs the middleware and hooks around the call (a coroutine is run to its end with
``asyncio.run``), then encodes and signs the result. A failure is classified by
:func:`classify`: retryable or not by the task's ``retry_on`` / ``dont_retry_on``,
cancelled, timed out. The :class:`Attempt` it returns carries the outcome code and value
the engine expects; whether a retryable failure runs again is decided by the engine
(or, in test mode, by the same rule, :func:`taskito.outcomes.next_state`).
"""

from __future__ import annotations

import inspect
import logging
import os
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Protocol

from taskito.context import current_job
from taskito.dependencies import received_args
from taskito.errors import SerializationError, StorageError, TaskCancelledError, TaskTimeoutError
from taskito.outcomes import (
    OUTCOME_CANCELLED,
    OUTCOME_FAIL,
    OUTCOME_RETRY,
    OUTCOME_SUCCESS,
    Outcome,
    next_state,
)
from taskito.serializers import failure_reason
from taskito.signing import SignatureError
from taskito.task import is_retryable

if TYPE_CHECKING:
    from taskito.codec import PayloadCodec
    from taskito.context import JobChannel
    from taskito.dependencies import ResultsOf
    from taskito.middleware import TaskMiddleware
    from taskito.registry import TaskEntry, TaskRegistry

logger = logging.getLogger("taskito")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class RunnableJob(Protocol):
    """What a run needs of a job: a stored ``JobRecord`` is one, test mode makes its own."""

    @property
    def id(self) -> str: ...
    @property
    def task_name(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def queue(self) -> str: ...
    @property
    def retry_count(self) -> int: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def attempt(self) -> int: ...


class Attempt(NamedTuple):
    """How one run of a job ended (a tuple: cheap to make once per job).

    ``code`` is an ``OUTCOME_*``; ``value`` the stored result (bytes, or None) on
    success, else the error text stored with the job. ``error`` is the exception behind
    a failure (the task's own, or one naming what taskito could not do), None on success.
    """

    code: int
    value: bytes | str | None
    error: BaseException | None = None

    @property
    def outcome(self) -> Outcome:
        """What the engine's ``run_job`` callback returns."""
        return (self.code, self.value)


_Ended = tuple[int, "bytes | str | None", "BaseException | None"]
"""An :class:`Attempt`'s fields, as a plain tuple."""


def format_error(exc: BaseException) -> str:
    """The traceback of a task's exception, without taskito's own frames on top."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def classify(error: BaseException, entry: TaskEntry) -> int:
    """The outcome code of an attempt that raised ``error``.

    Cancellation ends the job cancelled. A hard timeout (raised into the task) and a
    KeyboardInterrupt may run again. Anything else follows the task's filters:
    ``dont_retry_on`` wins; a non-empty ``retry_on`` retries only those classes.
    """
    if isinstance(error, TaskCancelledError):
        return OUTCOME_CANCELLED
    if isinstance(error, (TaskTimeoutError, KeyboardInterrupt)):
        return OUTCOME_RETRY
    retry_on, dont_retry_on = entry.retry_filters
    return OUTCOME_RETRY if is_retryable(error, retry_on, dont_retry_on) else OUTCOME_FAIL


def _failed(code: int, text: str, cause: BaseException | None = None) -> Attempt:
    error = SerializationError(text) if cause is None else cause
    return Attempt(code, text, error)


def _call_middleware(method: str, mw: TaskMiddleware, *args: Any) -> None:
    try:
        getattr(mw, method)(*args)
    except Exception:
        logger.exception("middleware %s.%s raised; ignored", type(mw).__name__, method)


async def _await(awaitable: Any) -> Any:
    return await awaitable


class Runner:
    """Runs jobs of one queue's tasks; calling it never raises (except a KeyboardInterrupt
    when there is no worker to stop: test mode lets it through).

    ``results_of`` reads the results of a canvas step's dependencies; ``channel`` is
    where ``current_job`` writes (per run if given to :meth:`run`); ``stop_worker``
    is called when a task raises KeyboardInterrupt.
    """

    def __init__(
        self,
        registry: TaskRegistry,
        codec: PayloadCodec,
        results_of: ResultsOf,
        channel: JobChannel | None = None,
        stop_worker: Callable[[], None] | None = None,
    ) -> None:
        self._registry = registry
        self._codec = codec
        self._results_of = results_of
        self._channel = channel
        self._stop_worker = stop_worker

    def run(self, job: RunnableJob, channel: JobChannel | None = None) -> Attempt:
        """Run one attempt of ``job`` and say how it ended."""
        return Attempt._make(self._execute(job, channel))

    def outcome(self, job: RunnableJob) -> Outcome:
        """Run one attempt of ``job``; what the engine's callback returns."""
        code, value, _ = self._execute(job, None)
        return (code, value)

    def _execute(self, job: RunnableJob, channel: JobChannel | None) -> _Ended:
        name = job.task_name
        entry = self._registry.entry(name)
        if entry is None:
            text = f"unknown task '{name}': no task with this name is registered in this worker"
            return Attempt(OUTCOME_RETRY, text, LookupError(text))
        call = self._arguments(job)
        if isinstance(call, Attempt):
            return call
        args, kwargs = call
        current_job._set_context(
            job.id,
            name,
            job.retry_count,
            job.queue,
            channel if channel is not None else self._channel,
            job.attempt,
            job.max_retries,
        )
        started = time.perf_counter() if logger.isEnabledFor(logging.DEBUG) else None
        if started is not None:
            logger.debug(
                "job %s (%s) started, attempt %d",
                job.id,
                name,
                job.attempt,
                extra={"job_id": job.id, "task_name": name},
            )
        try:
            try:
                result = self._call(entry, job, args, kwargs)
            except BaseException as exc:
                return self._failure(entry, job, exc)
            return self._success(job, result, started)
        finally:
            current_job._clear_context()

    def _arguments(self, job: RunnableJob) -> tuple[tuple[Any, ...], dict[str, Any]] | Attempt:
        name = job.task_name
        try:
            payload = self._codec.open_payload(name, job.payload)
        except SignatureError as exc:  # checked before the serializer sees a single byte
            return _failed(
                OUTCOME_FAIL, f"refused the payload of job {job.id} (task '{name}'): {exc}"
            )
        try:
            args, kwargs, receive = self._codec.decode_call(payload)
        except Exception as exc:
            return _failed(
                OUTCOME_FAIL,
                f"could not deserialize the arguments of job {job.id} (task '{name}'): "
                f"{failure_reason(exc)}",
            )
        if receive is not None:  # a canvas step: its dependencies' results come first
            try:
                args = received_args(receive, self._results_of) + args
            except Exception as exc:
                return _failed(
                    OUTCOME_RETRY if isinstance(exc, StorageError) else OUTCOME_FAIL,
                    f"could not read the results of the dependencies of job {job.id} "
                    f"(task '{name}'): {failure_reason(exc)}",
                    exc,
                )
        return args, kwargs

    def _call(
        self, entry: TaskEntry, job: RunnableJob, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Middleware, hooks and the task; returns its result or raises what it raised."""
        name = entry.config.name
        hooks = self._registry.hook_table
        current_job._set_soft_timeout(entry.config.soft_timeout)
        middleware = self._registry.middleware_for(name)
        for mw in middleware:
            _call_middleware("before", mw, current_job)
        result: Any = None
        error: BaseException | None = None
        try:
            for hook in hooks["before_task"]:
                hook(name, args, kwargs)
            try:
                result = entry.fn(*args, **kwargs)
                if inspect.isawaitable(result):
                    import asyncio  # only coroutine tasks need it

                    result = asyncio.run(_await(result))
            except BaseException as exc:
                error = exc
                for hook in hooks["on_failure"]:
                    hook(name, args, kwargs, exc)
                if self._retried(entry, job, exc):
                    # Before `after`, so that middleware sees the retry within the attempt.
                    for mw in middleware:
                        _call_middleware("on_retry", mw, current_job, exc, job.retry_count + 1)
                raise
            for hook in hooks["on_success"]:
                hook(name, args, kwargs, result)
            return result
        finally:
            for hook in hooks["after_task"]:
                hook(name, args, kwargs, result, error)
            for mw in middleware:
                _call_middleware("after", mw, current_job, result, error)

    @staticmethod
    def _retried(entry: TaskEntry, job: RunnableJob, exc: BaseException) -> bool:
        """Whether the task's own failure ``exc`` makes the job run again (the engine's
        rule); a cancellation, a hard timeout or an interrupt is not the task failing."""
        if isinstance(exc, (TaskCancelledError, TaskTimeoutError, KeyboardInterrupt)):
            return False
        return next_state(classify(exc, entry), job.retry_count, job.max_retries) == "retry"

    def _failure(self, entry: TaskEntry, job: RunnableJob, exc: BaseException) -> Attempt:
        name = job.task_name
        if isinstance(exc, TaskCancelledError):
            return Attempt(OUTCOME_CANCELLED, str(exc) or f"job {job.id} was cancelled", exc)
        if isinstance(exc, TaskTimeoutError):
            # Raised into the task by the hard-timeout watchdog; the engine already failed
            # this attempt (retry rules apply), so this outcome is fenced off anyway.
            return Attempt(OUTCOME_RETRY, format_error(exc), exc)
        if isinstance(exc, KeyboardInterrupt):
            if self._stop_worker is None:
                raise exc
            # Not the task's failure: stop this worker; the job runs again later.
            logger.warning("task '%s' raised KeyboardInterrupt; stopping the worker", name)
            self._stop_worker()
            return Attempt(OUTCOME_RETRY, f"task '{name}' was interrupted (KeyboardInterrupt)", exc)
        # Any other exception, even SystemExit: the task's failure, nothing more.
        code = classify(exc, entry)
        logger.warning(
            "job %s (%s) failed: %s: %s (%s; attempt %d, %d of %d retries used)",
            job.id,
            name,
            type(exc).__name__,
            exc,
            "retryable" if code == OUTCOME_RETRY else "not retryable",
            job.attempt,
            job.retry_count,
            job.max_retries,
            extra={"job_id": job.id, "task_name": name},
        )
        return Attempt(code, format_error(exc), exc)

    def _success(self, job: RunnableJob, result: Any, started: float | None) -> _Ended:
        try:
            data = self._codec.encode_result(job.id, result)
        except Exception as exc:
            text = (
                f"the result of task '{job.task_name}' could not be serialized: "
                f"{failure_reason(exc)}"
            )
            error = SerializationError(text)
            error.__cause__ = exc
            return Attempt(OUTCOME_FAIL, text, error)
        if started is not None:
            logger.debug(
                "job %s (%s) succeeded in %.1f ms",
                job.id,
                job.task_name,
                (time.perf_counter() - started) * 1000,
                extra={"job_id": job.id, "task_name": job.task_name},
            )
        return (OUTCOME_SUCCESS, data, None)  # a plain tuple: the hot path


__all__ = ["Attempt", "RunnableJob", "Runner", "classify", "format_error"]
