"""Running a worker: the banner, signal handling, and the callback the engine calls.

The engine (``NativeQueue.start_worker``) claims jobs, runs them on its own threads
through :class:`JobRunner` and writes their outcomes back. Running a job is
:mod:`taskito.runner`'s business; this module hands each claimed job to the queue's
runner, stops a job past its hard timeout, and starts and stops the process.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, Union

from taskito._native import __version__
from taskito.errors import TaskTimeoutError
from taskito.outcomes import OUTCOME_RETRY, Outcome

if TYPE_CHECKING:
    from taskito._native import JobRecord, NativeQueue, NativeWorker
    from taskito.codec import PayloadCodec
    from taskito.periodic import PeriodicTuple
    from taskito.registry import TaskRegistry
    from taskito.runner import RunnableJob, Runner
    from taskito.settings import QueueSettings

logger = logging.getLogger("taskito")

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


# -- handing jobs to the runner -------------------------------------------------------------


class _HasCodec(Protocol):
    @property
    def codec(self) -> PayloadCodec: ...


class _HasRunner(Protocol):
    @property
    def runner(self) -> Runner: ...


def _open_payload(queue: _HasCodec, job: JobRecord) -> bytes:
    """The job's serialized arguments, checked against the signing keys if there are any
    (kept for the dashboard; ``queue.codec.open_payload`` is the same)."""
    return queue.codec.open_payload(job.task_name, job.payload)


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
    """The callback the engine calls, on its worker threads, for every claimed job (it
    hands the job to the queue's :class:`~taskito.runner.Runner`), and the
    ``interrupt(job_id)`` the engine calls when a job passes its hard timeout.

    Calling it never raises: every problem becomes an outcome with a message.

    An interrupt raises :class:`TaskTimeoutError` in the thread running the job, at its
    next Python instruction: a task blocked inside a C call (``time.sleep``, a socket
    read, a lock) is interrupted only when that call returns to Python, and a task that
    catches the exception and goes on keeps its thread until it returns.
    """

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._lock = threading.Lock()
        self._threads: dict[str, int] = {}  # job id -> ident of the thread running it
        self._interrupted: set[str] = set()

    def __call__(self, job: RunnableJob) -> Outcome:
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

    def _run(self, job: RunnableJob) -> Outcome:
        try:
            return self._runner.outcome(job)
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


def make_run_job(queue: _HasRunner) -> JobRunner:
    """The callback the engine calls for every claimed job; see :class:`JobRunner`."""
    return JobRunner(queue.runner)


# -- running a worker --------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerSpec:
    """What :func:`run_worker` needs of a queue (built by its lifecycle part)."""

    native: NativeQueue
    settings: QueueSettings
    registry: TaskRegistry
    runner: Runner
    database: str  # shown in the banner
    periodic: list[PeriodicTuple]


def resolve_queues(registry: TaskRegistry, queues: Sequence[str] | None) -> list[str]:
    """The queues to serve: the given ones, else every queue a registered task uses."""
    if queues is not None:
        if isinstance(queues, str):
            queues = [queues]
        names = list(dict.fromkeys(q.strip() for q in queues if q.strip()))
        if names:
            return names
    return registry.queues() or ["default"]


def _banner(spec: WorkerSpec, queues: list[str], threads: int) -> None:
    registry = spec.registry
    _say("[taskito] Starting worker...")
    _say(f"[taskito] Registered tasks: {len(registry)}")
    _say(f"[taskito] Queues: {', '.join(queues)}")
    _say(f"[taskito] taskito {__version__}, database {spec.database}, {threads} threads")
    for config in sorted(registry.configs(), key=lambda c: c.name):
        _say(f"[taskito]   . {config.name} ({config.queue})")
    if registry.periodic:
        _say("[taskito] [periodic]")
        for periodic in sorted(registry.periodic, key=lambda c: str(c["name"])):
            _say(f"[taskito]   . {periodic['name']}  ({periodic['cron_expr']})")


def _restore(previous: dict[signal.Signals, SignalHandler]) -> None:
    for sig, handler in previous.items():
        if handler is not None:  # None: a handler not installed from Python; leave it
            signal.signal(sig, handler)


def run_worker(
    spec: WorkerSpec,
    queues: Sequence[str] | None = None,
    started: Callable[[NativeWorker], None] | None = None,
) -> None:
    """Run a worker until it stops; see :meth:`taskito.Queue.run_worker`.

    ``started`` is given the native worker once it runs (and before any signal).
    """
    settings = spec.settings
    names = resolve_queues(spec.registry, queues)
    threads = settings.threads
    _banner(spec, names, threads)
    runner = JobRunner(spec.runner)
    worker = spec.native.start_worker(
        runner,
        names,
        threads,
        lease_ms=int(settings.lease_timeout * 1000),
        grace_ms=int(settings.drain_timeout * 1000),
        max_crashes=settings.max_crashes,
        interrupt=runner.interrupt,
        prefetch=settings.prefetch,
        limits=spec.registry.limits(),
        periodic=spec.periodic,
    )
    if started is not None:
        started(worker)
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


async def arun_worker(run: Callable[[], None], stop: Callable[[], None]) -> None:
    """Run ``run`` (a blocking :func:`run_worker`) in the loop's default executor and
    await it; ``stop`` asks it to stop gracefully.

    On the main thread's loop, SIGINT and SIGTERM call ``stop`` (a second one exits at
    once). Cancelling the awaiting task also calls ``stop``.
    """
    loop = asyncio.get_running_loop()
    signals_seen = 0

    def on_signal() -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen > 1:
            _forced_exit()
        stop()

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
        future = loop.run_in_executor(None, run)
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            stop()
            raise
    finally:
        for sig in previous:
            loop.remove_signal_handler(sig)
        _restore(previous)


__all__ = [
    "HardTimeout",
    "JobRunner",
    "WorkerSpec",
    "arun_worker",
    "make_run_job",
    "resolve_queues",
    "run_worker",
]
