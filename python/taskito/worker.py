"""Running a worker: the banner, signal handling and the callback that runs one job.

The engine (``NativeQueue.start_worker``) claims jobs, runs them on its own threads
through :func:`make_run_job` and writes their outcomes back. This module only decides
what a task's outcome is and how the process starts and stops.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from taskito._native import (
    OUTCOME_CANCELLED,
    OUTCOME_FAIL,
    OUTCOME_RETRY,
    OUTCOME_SUCCESS,
    JobRecord,
)
from taskito.context import current_job
from taskito.dependencies import received_args
from taskito.errors import StorageError, TaskCancelledError, TaskTimeoutError
from taskito.limits import worker_limits
from taskito.periodic import worker_periodic_tasks
from taskito.serializers import failure_reason
from taskito.signing import SignatureError
from taskito.task import is_retryable

if TYPE_CHECKING:
    from taskito.queue import Queue

logger = logging.getLogger("taskito")

Outcome = tuple[int, Optional[object]]
SignalHandler = Union[Callable[[int, Optional[FrameType]], Any], int, signal.Handlers, None]

SHUTDOWN_LINE = "[taskito] Shutting down gracefully (waiting for in-flight jobs)..."
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _say(line: str) -> None:
    """Print one line of worker output, at once (stdout may be a pipe)."""
    try:
        print(line, flush=True)
    except RuntimeError:  # re-entered from a signal handler while printing
        os.write(sys.stdout.fileno(), (line + "\n").encode())


def _forced_exit() -> None:
    _say("[taskito] Forced exit.")
    os._exit(1)


# -- running one job ---------------------------------------------------------------------


def _load_args(queue: Queue, payload: bytes) -> tuple[tuple[Any, ...], dict[str, Any], Any]:
    """The call's args and kwargs, and what to read from its dependencies (or None)."""
    data = queue._serializer.loads(payload)
    if not (isinstance(data, (tuple, list)) and len(data) in (2, 3)):
        raise ValueError(f"expected an (args, kwargs) pair, got {type(data).__name__}")
    args, kwargs = data[0], data[1]
    if not isinstance(args, (tuple, list)) or not isinstance(kwargs, dict):
        raise ValueError("expected an (args, kwargs) pair of a sequence and a dict")
    return tuple(args), kwargs, data[2] if len(data) == 3 else None


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _format_error(exc: BaseException) -> str:
    """The traceback of a task's exception, without taskito's own frames on top."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _open_payload(queue: Queue, job: JobRecord) -> bytes:
    """The job's serialized arguments, checked against the signing keys if there are any."""
    if queue._signer is None:
        return job.payload
    return queue._signer.open_payload(job.task_name, job.payload)


def _execute(queue: Queue, job: JobRecord) -> Outcome:
    name = job.task_name
    fn = queue._task_registry.get(name)
    if fn is None:
        return (
            OUTCOME_RETRY,
            f"unknown task '{name}': no task with this name is registered in this worker",
        )
    try:
        payload = _open_payload(queue, job)
    except SignatureError as exc:  # checked before the serializer sees a single byte
        return (OUTCOME_FAIL, f"refused the payload of job {job.id} (task '{name}'): {exc}")
    try:
        args, kwargs, receive = _load_args(queue, payload)
    except Exception as exc:
        return (
            OUTCOME_FAIL,
            f"could not deserialize the arguments of job {job.id} (task '{name}'): "
            f"{failure_reason(exc)}",
        )
    if receive is not None:  # a canvas step: its dependencies' results come first
        try:
            args = received_args(queue, receive) + args
        except Exception as exc:
            return (
                OUTCOME_RETRY if isinstance(exc, StorageError) else OUTCOME_FAIL,
                f"could not read the results of the dependencies of job {job.id} "
                f"(task '{name}'): {failure_reason(exc)}",
            )

    current_job._set_context(
        job.id, name, job.retry_count, job.queue, queue, job.attempt, job.max_retries
    )
    debug = logger.isEnabledFor(logging.DEBUG)
    if debug:
        logger.debug(
            "job %s (%s) started, attempt %d",
            job.id,
            name,
            job.attempt,
            extra={"job_id": job.id, "task_name": name},
        )
        started = time.perf_counter()
    try:
        try:
            result = fn(*args, **kwargs)
        except TaskCancelledError as exc:
            return (OUTCOME_CANCELLED, str(exc) or f"job {job.id} was cancelled")
        except TaskTimeoutError as exc:
            # Raised into the task by the hard-timeout watchdog; the engine already failed
            # this attempt (retry rules apply), so this outcome is fenced off anyway.
            return (OUTCOME_RETRY, _format_error(exc))
        except KeyboardInterrupt:
            # Not the task's failure: stop this worker; the job runs again later.
            logger.warning("task '%s' raised KeyboardInterrupt; stopping the worker", name)
            queue._inner.request_shutdown()
            return (OUTCOME_RETRY, f"task '{name}' was interrupted (KeyboardInterrupt)")
        except BaseException as exc:  # a task calling sys.exit() fails its job, nothing more
            text = _format_error(exc)
            filters = queue._task_retry_filters.get(name, {})
            retryable = is_retryable(
                exc, filters.get("retry_on", ()), filters.get("dont_retry_on", ())
            )
            will_retry = retryable and job.retry_count < job.max_retries
            logger.warning(
                "job %s (%s) failed: %s: %s (%s)",
                job.id,
                name,
                type(exc).__name__,
                exc,
                "will retry" if will_retry else "dead-lettered",
                extra={"job_id": job.id, "task_name": name},
            )
            return (OUTCOME_RETRY if retryable else OUTCOME_FAIL, text)
        try:
            data = None if result is None else bytes(queue._serializer.dumps(result))
        except Exception as exc:
            return (
                OUTCOME_FAIL,
                f"the result of task '{name}' could not be serialized: {failure_reason(exc)}",
            )
        if data is not None and queue._signer is not None:
            data = queue._signer.seal_result(job.id, data)
        if debug:
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.debug(
                "job %s (%s) succeeded in %.1f ms",
                job.id,
                name,
                elapsed_ms,
                extra={"job_id": job.id, "task_name": name},
            )
        return (OUTCOME_SUCCESS, data)
    finally:
        current_job._clear_context()


class HardTimeout(TaskTimeoutError):
    """What a task sees when it runs past its hard timeout (raised into its thread)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(args or ("the job ran past its hard timeout and was interrupted",)))


_INTERRUPTED = (OUTCOME_RETRY, "the job ran past its hard timeout and was interrupted")


def _async_raise(thread_id: int, exc_type: type[BaseException] | None) -> int:
    """Raise ``exc_type`` in another thread at its next Python instruction (None: cancel
    a pending one). Returns how many threads were affected."""
    target = ctypes.c_ulong(thread_id)
    if exc_type is None:
        return int(ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None))
    return int(ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(exc_type)))


class JobRunner:
    """The callback the engine calls, on its worker threads, for every claimed job,
    and the ``interrupt(job_id)`` the engine calls when a job passes its hard timeout.

    Calling it never raises: every problem becomes an outcome with a message.

    An interrupt raises :class:`TaskTimeoutError` in the thread running the job, at its
    next Python instruction: a task blocked inside a C call (``time.sleep``, a socket
    read, a lock) is interrupted only when that call returns to Python, and a task that
    catches the exception and goes on keeps its thread until it returns.
    """

    def __init__(self, queue: Queue) -> None:
        self._queue = queue
        self._lock = threading.Lock()
        self._threads: dict[str, int] = {}  # job id -> ident of the thread running it
        self._interrupted: set[str] = set()

    def __call__(self, job: JobRecord) -> Outcome:
        job_id = job.id
        ident = threading.get_ident()
        try:
            with self._lock:
                self._threads[job_id] = ident
            outcome = self._run(job)
        except BaseException:  # an interrupt landing outside the task; nothing to build here
            outcome = _INTERRUPTED
        while True:  # an interrupt raises at most once, wherever it lands: retry until done
            try:
                self._forget(job_id, ident)
                break
            except TaskTimeoutError:
                outcome = _INTERRUPTED
        return outcome

    def _run(self, job: JobRecord) -> Outcome:
        try:
            return _execute(self._queue, job)
        except TaskTimeoutError:
            return _INTERRUPTED
        except BaseException:
            text = traceback.format_exc()
            return (OUTCOME_RETRY, f"internal error in the taskito worker:\n{text}")

    def _forget(self, job_id: str, ident: int) -> None:
        with self._lock:
            self._threads.pop(job_id, None)
            if job_id in self._interrupted:
                # No interrupt can come for this job any more (it is no longer listed);
                # drop one still pending so it cannot hit the thread's next job.
                _async_raise(ident, None)
                self._interrupted.discard(job_id)

    def interrupt(self, job_id: str) -> None:
        """Stop the task running ``job_id`` (the engine already failed its attempt)."""
        try:
            with self._lock:
                ident = self._threads.get(job_id)
                if ident is None or job_id in self._interrupted:
                    return
                self._interrupted.add(job_id)
                _async_raise(ident, HardTimeout)
        except BaseException:  # called from a Rust thread: never let anything escape
            logger.exception("could not interrupt job %s", job_id)


def make_run_job(queue: Queue) -> JobRunner:
    """The callback the engine calls for every claimed job; see :class:`JobRunner`."""
    return JobRunner(queue)


# -- running a worker --------------------------------------------------------------------


def resolve_queues(queue: Queue, queues: Sequence[str] | None) -> list[str]:
    """The queues to serve: the given ones, else every queue a registered task uses."""
    if queues is not None:
        if isinstance(queues, str):
            queues = [queues]
        names = list(dict.fromkeys(q.strip() for q in queues if q.strip()))
        if names:
            return names
    found = sorted({config.queue for config in queue._task_configs})
    return found or ["default"]


def _threads(queue: Queue) -> int:
    return queue._workers or os.cpu_count() or 1


def _banner(queue: Queue, queues: list[str], threads: int) -> None:
    from taskito import __version__

    _say("[taskito] Starting worker...")
    _say(f"[taskito] Registered tasks: {len(queue._task_registry)}")
    _say(f"[taskito] Queues: {', '.join(queues)}")
    _say(f"[taskito] taskito {__version__}, database {queue._db_path}, {threads} threads")
    for config in sorted(queue._task_configs, key=lambda c: c.name):
        _say(f"[taskito]   . {config.name} ({config.queue})")
    if queue._periodic_configs:
        _say("[taskito] [periodic]")
        for periodic in sorted(queue._periodic_configs, key=lambda c: str(c["name"])):
            _say(f"[taskito]   . {periodic['name']}  ({periodic['cron_expr']})")


def _restore(previous: dict[signal.Signals, SignalHandler]) -> None:
    for sig, handler in previous.items():
        if handler is not None:  # None: a handler not installed from Python; leave it
            signal.signal(sig, handler)


def run_worker(queue: Queue, queues: Sequence[str] | None = None) -> None:
    """Run a worker until it stops; see :meth:`taskito.Queue.run_worker`."""
    names = resolve_queues(queue, queues)
    threads = _threads(queue)
    _banner(queue, names, threads)
    runner = JobRunner(queue)
    worker = queue._inner.start_worker(
        runner,
        names,
        threads,
        lease_ms=int(queue._lease_timeout * 1000),
        grace_ms=int(queue._shutdown_timeout * 1000),
        max_crashes=queue._max_crashes,
        interrupt=runner.interrupt,
        prefetch=queue._prefetch,
        limits=worker_limits(queue),
        periodic=worker_periodic_tasks(queue),
    )
    announced = False
    signals_seen = 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal announced, signals_seen
        signals_seen += 1
        if signals_seen > 1:
            _forced_exit()
        if not announced:
            announced = True
            _say(SHUTDOWN_LINE)
        worker.request_shutdown()

    previous: dict[signal.Signals, SignalHandler] = {}
    try:
        if threading.current_thread() is threading.main_thread():
            for sig in _SIGNALS:
                previous[sig] = signal.signal(sig, on_signal)
        while not worker.wait(0.1):
            if not announced and worker.shutting_down and not worker.stopping_for_exit:
                announced = True
                _say(SHUTDOWN_LINE)
    finally:
        _restore(previous)
    if worker.stopping_for_exit:
        return  # the program is ending (its atexit hook stopped us): say nothing
    if not announced and worker.shutting_down:
        _say(SHUTDOWN_LINE)
    _say("[taskito] Worker stopped.")


async def arun_worker(queue: Queue, queues: Sequence[str] | None = None) -> None:
    """Run :func:`run_worker` in the loop's default executor and await it.

    On the main thread's loop, SIGINT and SIGTERM request a graceful stop (a second one
    exits at once). Cancelling the awaiting task also requests a graceful stop.
    """
    loop = asyncio.get_running_loop()
    signals_seen = 0

    def on_signal() -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen > 1:
            _forced_exit()
        queue._inner.request_shutdown()

    previous: dict[signal.Signals, SignalHandler] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _SIGNALS:
            handler = signal.getsignal(sig)
            try:
                loop.add_signal_handler(sig, on_signal)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
            previous[sig] = handler
    try:
        future = loop.run_in_executor(None, run_worker, queue, queues)
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            queue._inner.request_shutdown()
            raise
    finally:
        for sig in previous:
            loop.remove_signal_handler(sig)
        _restore(previous)


__all__ = ["HardTimeout", "JobRunner", "make_run_job", "resolve_queues", "run_worker"]
