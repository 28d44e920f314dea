"""``Queue`` (``taskito.app`` is the original taskito's module name): a facade whose
methods hand over to its parts, listed in ARCHITECTURE.md ("Python side")."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from taskito._native import NativeQueue
from taskito.codec import PayloadCodec
from taskito.dependencies import StoredResults
from taskito.enqueue import DEFAULT_MAX_PAYLOAD_BYTES, Enqueuer, check_payload_cap
from taskito.inspection import Inspector
from taskito.lifecycle import Lifecycle
from taskito.middleware import TaskMiddleware
from taskito.observability import Observability
from taskito.operations import Operations, StoreChannel
from taskito.periodic import periodic_decorator
from taskito.registry import TaskDecorator, TaskRegistry
from taskito.result import JobResult
from taskito.runner import Runner
from taskito.serializers import CloudpickleSerializer, Serializer
from taskito.settings import build_settings, prepare_db_path
from taskito.signing import Signer, SigningKeys
from taskito.submission import JobOptions, Submitter
from taskito.task import TaskWrapper
from taskito.testing import TestMode

if TYPE_CHECKING:
    from taskito._native import JobRecord

F = TypeVar("F", bound=Callable[..., Any])


class Queue:
    """A task queue stored in one SQLite file, or in PostgreSQL to span hosts
    (``backend="postgres"``, any case, or "postgresql", with ``db_url`` or
    ``TASKITO_DB_URL``). Every option is described at :class:`taskito.settings.QueueSettings`;
    ``drain_timeout`` is also accepted under its earlier name ``shutdown_timeout``.
    """

    submitter: Submitter
    """Carries out enqueues: the :class:`~taskito.enqueue.Enqueuer`, or test mode's."""

    def __init__(
        self,
        db_path: str | os.PathLike[str] = ".taskito/taskito.db",
        workers: int = 0,
        default_retry: int = 3,
        default_timeout: float = 300,
        default_priority: int = 0,
        result_ttl: float | None = None,
        serializer: Serializer | None = None,
        middleware: Iterable[TaskMiddleware] | None = None,
        *,
        lease_timeout: float = 10.0,
        shutdown_timeout: float | None = None,
        drain_timeout: float | None = None,
        durable: bool = False,
        max_crashes: int = 3,
        signing_key: SigningKeys | None = None,
        prefetch: int | None = None,
        backend: str | None = None,
        db_url: str | None = None,
        schema: str | None = None,
    ) -> None:
        codec = PayloadCodec(
            CloudpickleSerializer() if serializer is None else serializer,
            None if signing_key is None else Signer(signing_key),
        )
        settings = build_settings(
            db_path,
            workers=workers,
            default_retry=default_retry,
            default_timeout=default_timeout,
            default_priority=default_priority,
            result_ttl=result_ttl,
            lease_timeout=lease_timeout,
            shutdown_timeout=shutdown_timeout,
            drain_timeout=drain_timeout,
            durable=durable,
            max_crashes=max_crashes,
            prefetch=prefetch,
            backend=backend,
            db_url=db_url,
            schema=schema,
        )
        self.registry = TaskRegistry(middleware or ())
        self._task = TaskDecorator(self, self.registry)
        if settings.db_url is None:
            prepare_db_path(settings.db_path)
        self._inner = NativeQueue(
            settings.db_path, durable=durable, db_url=settings.db_url, schema=schema
        )
        self.settings = settings
        self.codec = codec
        self.enqueuer = Enqueuer(self._inner, settings, self.registry, self.codec, self._job)
        self.submitter = self.enqueuer
        self.inspection = Inspector(self._inner, self.registry)
        self.operations = Operations(self._inner)
        self.observability = Observability(self._inner)
        self.runner = Runner(
            self.registry,
            self.codec,
            StoredResults(self._inner, self.codec),
            StoreChannel(self.operations, self.observability),
            self._inner.request_shutdown,
        )
        self.lifecycle = Lifecycle(self._inner, settings, self.registry, self.enqueuer, self.runner)

    def _job(self, job_id: str, record: JobRecord | None = None) -> JobResult:
        return JobResult(self, job_id, record)

    # -- private names of taskito 0.2.1 / 0.22 that code and tests read ----------------
    _task_registry = property(lambda self: self.registry.functions, doc="registry.functions")
    _periodic_configs = property(lambda self: self.registry.periodic, doc="registry.periodic")
    _serializer = property(lambda self: self.codec.serializer, doc="codec.serializer")
    _signer = property(lambda self: self.codec.signer, doc="codec.signer")
    _drain_timeout = property(lambda self: self.settings.drain_timeout, doc="settings")
    _test_mode_active = property(lambda self: self.submitter is not self.enqueuer)
    max_payload_bytes = property(
        lambda self: self.enqueuer.max_payload_bytes,
        lambda self, n: setattr(self.enqueuer, "max_payload_bytes", check_payload_cap(n)),
        doc="Payloads over this many bytes are refused at enqueue (default 1 MiB; 0: none).",
    )

    # -- tasks ----------------------------------------------------------------------------

    @property
    def task(self) -> TaskDecorator:
        """Register a function as a task: ``@queue.task`` or ``@queue.task(name=...,
        max_retries=..., queue=..., ...)``; see :class:`~taskito.registry.TaskDecorator`."""
        return self._task

    def periodic(
        self,
        cron: str,
        name: str | None = None,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
        queue: str = "default",
        timezone: str | None = None,
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a function as a task enqueued on the cron schedule ``cron`` (5, 6 or 7
        fields, in ``timezone``, UTC by default), with ``args`` and ``kwargs``; running
        workers enqueue each tick once between them (``docs/periodic.md``)."""
        return periodic_decorator(
            self.task, self.enqueuer, self.registry, cron, name, args, kwargs, queue, timezone
        )

    def periodic_tasks(self) -> list[dict[str, Any]]:
        """The schedules workers registered: name, task_name, cron_expr, timezone, queue,
        registered_at, last_tick_at and next_tick_at (Unix ms; None before the first tick)."""
        return self.inspection.periodic_tasks()

    def _hook(self, hook: str, fn: F) -> F:
        self.registry.add_hook(hook, fn)
        return fn

    def before_task(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs)``, called before every task."""
        return self._hook("before_task", fn)

    def after_task(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs, result, error)``, called after every task."""
        return self._hook("after_task", fn)

    def on_success(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs, result)``, called when a task returns."""
        return self._hook("on_success", fn)

    def on_failure(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs, exc)``, called when a task raises."""
        return self._hook("on_failure", fn)

    # -- enqueueing -----------------------------------------------------------------------

    def enqueue(
        self,
        task_name: str,
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
        *,
        _receive: str | None = None,
    ) -> JobResult:
        """Store one job for ``task_name``; each ``None`` falls back to the task's option,
        then the queue's. Times in seconds; ``metadata`` a dict or JSON text. A job with
        ``depends_on`` (ids) waits for them to complete (:class:`DependencyError` for an
        unknown or failed one) and is cancelled if one cannot."""
        options = JobOptions(
            priority, delay, queue, max_retries, timeout, unique_key, metadata, expires, result_ttl
        )
        return self.submitter.enqueue(task_name, args, kwargs, options, depends_on, _receive)

    def enqueue_many(
        self,
        task_name: str,
        args_list: Sequence[Sequence[Any]],
        kwargs_list: Sequence[dict[str, Any] | None] | None = None,
        priority: int | None = None,
        queue: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> list[JobResult]:
        """Store one job per ``args_list`` item in a single transaction (a bad argument
        stores nothing: every payload is serialized first)."""
        options = JobOptions(priority, None, queue, max_retries, timeout)
        return self.submitter.enqueue_many(task_name, args_list, kwargs_list, options)

    # -- inspection -----------------------------------------------------------------------

    def get_job(self, job_id: str) -> JobResult | None:
        """The job with this id, or None."""
        record = self.inspection.record(job_id)
        return None if record is None else self._job(job_id, record)

    def list_jobs(
        self,
        status: str | None = None,
        queue: str | None = None,
        task_name: str | None = None,
        limit: int = 50,
        offset: int = 0,
        after: tuple[int, str] | None = None,
    ) -> list[JobResult]:
        """Jobs, newest first, filtered by status, queue and task name when given;
        ``after=(created_at, job_id)`` of a page's last job gives the next page, as fast
        at any depth (``offset`` is then ignored)."""
        records = self.inspection.records(status, queue, task_name, limit, offset, after)
        return [self._job(record.id, record) for record in records]

    def stats(self) -> dict[str, int]:
        """Job counts over all queues: pending, running, completed, failed, dead, cancelled."""
        return self.inspection.stats()

    def queue_depths(self) -> list[dict[str, Any]]:
        """Pending and running jobs per queue with live jobs: dicts ``{queue, pending,
        running}``, by name (reads only live jobs' indexes: fast however many finished)."""
        return self.inspection.queue_depths()

    def job_errors(self, job_id: str) -> list[dict[str, Any]]:
        """Every failed attempt of a job: dicts ``{id, job_id, attempt, error, failed_at}``."""
        return self.inspection.job_errors(job_id)

    def workers(self) -> list[dict[str, Any]]:
        """Worker processes of this database: dicts ``{worker_id, last_heartbeat, queues,
        status, hostname, pid, threads, started_at, pool_type, tags, resources,
        resource_health}``; see :meth:`taskito.inspection.Inspector.workers`."""
        return self.inspection.workers(self.lifecycle.draining())

    def circuit_breakers(self) -> list[dict[str, Any]]:
        """The circuit breakers, by task name: dicts ``{task_name, state, failure_count,
        last_failure_at, opened_at, threshold, window_ms, cooldown_ms}`` (shared)."""
        return self.inspection.circuit_breakers()

    def metrics(
        self, task_name: str | None = None, since: float = 3600
    ) -> dict[str, dict[str, Any]]:
        """Per-task figures of the last ``since`` s; see :meth:`Observability.metrics`."""
        return self.observability.metrics(task_name, since)

    def task_logs(self, job_id: str) -> list[dict[str, Any]]:
        """A job's log lines, oldest first (see :meth:`Observability.task_logs`)."""
        return self.observability.task_logs(job_id)

    def query_logs(
        self,
        task_name: str | None = None,
        level: str | None = None,
        since: float = 3600,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Log lines of the last ``since`` s, newest first (``Observability.query_logs``)."""
        return self.observability.query_logs(task_name, level, since, limit)

    def purge_logs(self, older_than: float = 86400) -> int:
        """Delete log lines older than ``older_than`` seconds; returns how many."""
        return self.observability.purge_logs(older_than)

    # -- operations -----------------------------------------------------------------------

    def cancel_job(self, job_id: str) -> bool:
        """Cancel a pending job; True if it was cancelled."""
        return self.operations.cancel_job(job_id)

    def cancel_running_job(self, job_id: str) -> bool:
        """Ask a running job to stop; True if it is running and was asked. The task stops
        at its next ``current_job.check_cancelled()``; the job then ends ``cancelled``."""
        return self.operations.cancel_running_job(job_id)

    def update_progress(self, job_id: str, progress: int) -> None:
        """Set the progress of any job (no range check)."""
        self.operations.update_progress(job_id, progress)

    def replay(self, job_id: str) -> JobResult:
        """Enqueue a copy of a job (same payload, task and options; metadata
        ``{"replayed_from": job_id}``); returns the new job."""
        return self._job(self.operations.replay(job_id))

    def replay_history(self, job_id: str) -> list[dict[str, Any]]:
        """The replays of a job, oldest first: see :meth:`Operations.replay_history`."""
        return self.operations.replay_history(job_id)

    def dead_letters(self, limit: int = 10, offset: int = 0) -> list[dict[str, Any]]:
        """Dead letters, newest first: see :meth:`Operations.dead_letters`."""
        return self.operations.dead_letters(limit, offset)

    def retry_dead(self, dead_id: str) -> str:
        """Enqueue a dead letter again; returns the new job's id."""
        return self.operations.retry_dead(dead_id)

    def delete_dead(self, dead_id: str) -> bool:
        """Delete one dead letter; returns False when there is none by that id."""
        return self.operations.delete_dead(dead_id)

    def purge_dead(self, older_than: float = 86400) -> int:
        """Delete dead letters older than ``older_than`` seconds; returns how many."""
        return self.operations.purge_dead(older_than)

    def purge_completed(self, older_than: float = 86400) -> int:
        """Delete completed jobs older than ``older_than`` seconds; returns how many."""
        return self.operations.purge_completed(older_than)

    # -- async variants (blocking reads run on the lifecycle's helper threads) -------------

    async def astats(self) -> dict[str, int]:
        """:meth:`stats` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.stats)

    async def acancel_job(self, job_id: str) -> bool:
        """:meth:`cancel_job` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.cancel_job, job_id)

    async def adead_letters(self, limit: int = 10, offset: int = 0) -> list[dict[str, Any]]:
        """:meth:`dead_letters` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.dead_letters, limit, offset)

    async def areplay(self, job_id: str) -> JobResult:
        """:meth:`replay` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.replay, job_id)

    async def aretry_dead(self, dead_id: str) -> str:
        """:meth:`retry_dead` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.retry_dead, dead_id)

    async def aworkers(self) -> list[dict[str, Any]]:
        """:meth:`workers` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.workers)

    async def acircuit_breakers(self) -> list[dict[str, Any]]:
        """:meth:`circuit_breakers` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.circuit_breakers)

    async def ametrics(
        self, task_name: str | None = None, since: float = 3600
    ) -> dict[str, dict[str, Any]]:
        """:meth:`metrics` without blocking the event loop."""
        return await self.lifecycle.in_executor(self.metrics, task_name, since)

    # -- running a worker -----------------------------------------------------------------

    def run_worker(self, queues: Sequence[str] | None = None) -> None:
        """Run a worker until it is stopped (Ctrl+C, SIGTERM or :meth:`shutdown`);
        ``queues=None`` serves every queue a registered task uses."""
        self.lifecycle.run_worker(queues)

    async def arun_worker(self, queues: Sequence[str] | None = None) -> None:
        """Run a worker in a thread of the event loop's default executor and await its end."""
        await self.lifecycle.arun_worker(queues)

    def shutdown(self) -> None:
        """Ask this process's worker to stop gracefully (running jobs get ``drain_timeout``
        s); returns at once. Asked while none runs, the next ``run_worker`` stops at once."""
        self.lifecycle.shutdown()

    def close(self) -> None:
        """Release what this Queue holds in the process (idempotent; nothing to flush)."""
        self.lifecycle.close()

    def test_mode(self, propagate_errors: bool = False) -> TestMode:
        """``with queue.test_mode() as results:`` runs every enqueue inline and yields the
        :class:`TestResults` list; see :mod:`taskito.testing`."""
        return TestMode(self, propagate_errors=propagate_errors)

    def __repr__(self) -> str:
        return f"<Queue db={self._inner.db_path!r} tasks={len(self.registry)}>"


__all__ = ["DEFAULT_MAX_PAYLOAD_BYTES", "Queue"]
