"""``Queue``: the entry point: tasks, enqueueing, inspection and running a worker."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar, overload

from taskito import limits
from taskito._native import NativeQueue
from taskito.dependencies import dependency_ids, receive_spec
from taskito.errors import QueueError, SerializationError, StorageError
from taskito.graph import GraphStep, enqueue_graph
from taskito.middleware import TaskMiddleware
from taskito.observability import ObservabilityMixin
from taskito.result import JobResult
from taskito.serializers import CloudpickleSerializer, Serializer, failure_reason
from taskito.signing import Signer, SigningKeys
from taskito.task import (
    ExceptionTypes,
    TaskConfig,
    TaskWrapper,
    exception_types,
    make_runner,
    validate_config,
)
from taskito.testing import TestMode

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

_STATUSES = ("pending", "running", "complete", "failed", "dead", "cancelled")
_STAT_KEYS = ("pending", "running", "completed", "failed", "dead", "cancelled")
_HOOKS = ("before_task", "after_task", "on_success", "on_failure")
_DEFAULT_BACKOFF_S = 1.0
# A worker beats every second; one silent for this long is reported "stale".
_STALE_AFTER_MS = 5_000


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _first(*values: T | None) -> T:
    for value in values:
        if value is not None:
            return value
    raise AssertionError("no default")  # pragma: no cover


def _resolve_backend(backend: str | None, db_url: str | None) -> str | None:
    """The PostgreSQL URL to use, or None for the SQLite file."""
    if backend not in (None, "sqlite", "postgres"):
        raise QueueError(f"backend must be 'sqlite' or 'postgres', got {backend!r}")
    if backend == "sqlite":
        if db_url is not None:
            raise QueueError("db_url is for backend='postgres'; the SQLite backend uses db_path")
        return None
    if backend == "postgres" and db_url is None:
        db_url = os.environ.get("TASKITO_DB_URL")
        if not db_url:
            raise QueueError(
                "backend='postgres' needs db_url='postgresql://...' or the TASKITO_DB_URL "
                "environment variable"
            )
    if db_url is not None and not db_url.startswith(("postgresql://", "postgres://")):
        raise QueueError(f"db_url must start with postgresql://, got {db_url!r}")
    return db_url


def _prepare_db_path(db_path: str) -> None:
    if db_path == ":memory:" or db_path.startswith("file:"):
        return
    parent = os.path.dirname(os.path.abspath(db_path))
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the directory {parent!r} for the database: {exc.strerror or exc}"
        ) from exc


class Queue(ObservabilityMixin):
    """A task queue stored in one SQLite file, or in PostgreSQL to span hosts.

    ``Queue(backend="postgres", db_url="postgresql://user@host/db")`` (or the
    ``TASKITO_DB_URL`` environment variable) keeps the same queue in PostgreSQL, in the
    schema ``schema`` (default ``taskito``); everything else works the same.

    ``workers=0`` runs one worker thread per CPU. ``default_retry``, ``default_timeout``
    (seconds) and ``default_priority`` apply to every task option and enqueue argument
    left as ``None``. ``lease_timeout`` is how long a job stays claimed by a worker that
    stops heart-beating; ``shutdown_timeout`` is how long a graceful stop waits for running
    jobs. ``durable=True`` makes every commit survive power loss (slower). A job whose
    worker died ``max_crashes`` times while running it is dead-lettered ("quarantined").
    ``signing_key`` (bytes or str, or a list of them: the first signs, all verify) signs
    every payload and result so that a worker never deserializes bytes written by
    someone without the key; see ``docs/security.md``. ``prefetch`` fixes how many jobs a
    worker claims ahead of its free threads. By default it adapts to about 10 ms of
    work per thread, between ``max(8, 2 * threads)`` and ``max(64, 32 * threads)``
    jobs: claims are cheap for short jobs. Set it low (even 0) for long jobs shared by
    many workers.
    """

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
        shutdown_timeout: float = 30.0,
        durable: bool = False,
        max_crashes: int = 3,
        signing_key: SigningKeys | None = None,
        prefetch: int | None = None,
        backend: str | None = None,
        db_url: str | None = None,
        schema: str | None = None,
    ) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise QueueError(f"workers must be an int >= 0 (0 means one per CPU), got {workers!r}")
        if serializer is not None and not isinstance(serializer, Serializer):
            raise QueueError(
                f"serializer must have dumps() and loads() methods; "
                f"{type(serializer).__name__} does not"
            )
        defaults = TaskConfig(
            name="<queue defaults>",
            max_retries=default_retry,
            timeout=default_timeout,
            priority=default_priority,
        )
        validate_config(defaults)
        timeouts = (("lease_timeout", lease_timeout), ("shutdown_timeout", shutdown_timeout))
        for option, value in timeouts:
            if not isinstance(value, (int, float)) or value <= 0:
                raise QueueError(f"{option} must be a number of seconds > 0, got {value!r}")
        if isinstance(max_crashes, bool) or not isinstance(max_crashes, int) or max_crashes < 1:
            raise QueueError(f"max_crashes must be an int >= 1, got {max_crashes!r}")
        if prefetch is not None and (
            isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 0
        ):
            raise QueueError(f"prefetch must be an int >= 0, got {prefetch!r}")
        signer = None if signing_key is None else Signer(signing_key)
        if result_ttl is not None and result_ttl < 0:
            raise QueueError(f"result_ttl must be a number of seconds >= 0, got {result_ttl!r}")
        global_middleware = list(middleware or ())
        for mw in global_middleware:
            if not isinstance(mw, TaskMiddleware):
                raise QueueError(
                    f"middleware must be TaskMiddleware instances, not {type(mw).__name__}"
                )

        path = os.fspath(db_path)
        url = _resolve_backend(backend, db_url)
        if url is None:
            _prepare_db_path(path)
        self._inner = NativeQueue(path, durable=durable, db_url=url, schema=schema)
        self._db_path = self._inner.db_path
        self._backend = "sqlite" if url is None else "postgres"
        self._workers = workers
        self._default_retry = default_retry
        self._default_timeout = default_timeout
        self._default_priority = default_priority
        self._result_ttl = result_ttl
        self._lease_timeout = float(lease_timeout)
        self._shutdown_timeout = float(shutdown_timeout)
        self._max_crashes = max_crashes
        self._prefetch = prefetch
        self._signer = signer
        self._task_registry: dict[str, Callable[..., Any]] = {}
        self._task_configs: list[TaskConfig] = []
        self._periodic_configs: list[dict[str, Any]] = []
        self._hooks: dict[str, list[Callable[..., Any]]] = {hook: [] for hook in _HOOKS}
        self._serializer: Serializer = (
            serializer if serializer is not None else CloudpickleSerializer()
        )
        self._global_middleware: list[TaskMiddleware] = global_middleware
        self._task_middleware: dict[str, list[TaskMiddleware]] = {}
        self._task_retry_filters: dict[str, dict[str, ExceptionTypes]] = {}
        self._executor_instance: ThreadPoolExecutor | None = None

    # -- tasks -------------------------------------------------------------------------

    @overload
    def task(self, name: Callable[..., Any], /) -> TaskWrapper: ...

    @overload
    def task(
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

    def task(
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
        if callable(name):  # used bare: @queue.task
            return self.task(
                None,
                max_retries,
                retry_backoff,
                timeout,
                priority,
                queue,
                retry_on,
                dont_retry_on,
                soft_timeout,
                middleware,
                rate_limit,
                circuit_breaker,
            )(name)
        retry = exception_types("retry_on", retry_on)
        dont_retry = exception_types("dont_retry_on", dont_retry_on)
        task_middleware = tuple(middleware or ())

        def decorate(fn: Callable[..., Any]) -> TaskWrapper:
            if not callable(fn):
                raise QueueError(f"@queue.task decorates functions, not {type(fn).__name__}")
            config = TaskConfig(
                name=name if name is not None else f"{fn.__module__}.{fn.__qualname__}",
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
            self._register(config, fn)
            return TaskWrapper(fn, self, config)

        return decorate

    def _register(self, config: TaskConfig, fn: Callable[..., Any]) -> None:
        self._task_configs = [c for c in self._task_configs if c.name != config.name]
        self._task_configs.append(config)
        self._task_registry[config.name] = make_runner(self, config, fn)
        self._task_middleware[config.name] = list(config.middleware)
        self._task_retry_filters[config.name] = {
            "retry_on": config.retry_on,
            "dont_retry_on": config.dont_retry_on,
        }

    def _config(self, task_name: str) -> TaskConfig | None:
        for config in self._task_configs:
            if config.name == task_name:
                return config
        return None

    def periodic(
        self,
        cron: str,
        name: str | None = None,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
        queue: str = "default",
        timezone: str | None = None,
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a function as a task enqueued on the cron schedule ``cron``.

        ``cron`` has 5 fields (minute first), 6 (seconds first) or 7 (seconds first,
        year last), read in ``timezone`` (an IANA name such as ``"Europe/Paris"``; UTC
        by default). Running workers enqueue each tick once between them, with ``args``
        and ``kwargs``; after downtime a schedule gets one job for the missed window.
        An invalid expression or timezone raises :class:`QueueError` (a ``ValueError``).
        """
        from taskito.periodic import periodic_decorator

        return periodic_decorator(self, cron, name, args, kwargs, queue, timezone)

    def periodic_tasks(self) -> list[dict[str, Any]]:
        """The schedules workers registered: name, task_name, cron_expr, timezone, queue,
        registered_at, last_tick_at and next_tick_at (Unix ms; None before the first tick)."""
        from taskito.periodic import periodic_tasks

        return periodic_tasks(self)

    # -- hooks -------------------------------------------------------------------------

    def before_task(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs)``, called before every task."""
        self._hooks["before_task"].append(fn)
        return fn

    def after_task(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs, result, error)``, called after every task."""
        self._hooks["after_task"].append(fn)
        return fn

    def on_success(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs, result)``, called when a task returns."""
        self._hooks["on_success"].append(fn)
        return fn

    def on_failure(self, fn: F) -> F:
        """Register ``fn(task_name, args, kwargs, exc)``, called when a task raises."""
        self._hooks["on_failure"].append(fn)
        return fn

    # -- enqueueing --------------------------------------------------------------------

    def _payload(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        receive: dict[str, Any] | None = None,
    ) -> bytes:
        if type(args) is not tuple:  # the common case skips the ABC check
            if isinstance(args, (str, bytes)) or not isinstance(args, Sequence):
                raise QueueError(
                    f"the args of task '{task_name}' must be a tuple or list, "
                    f"not {type(args).__name__}"
                )
            args = tuple(args)
        if kwargs is not None and not isinstance(kwargs, dict):
            raise QueueError(
                f"the kwargs of task '{task_name}' must be a dict, not {type(kwargs).__name__}"
            )
        try:
            call: tuple[Any, ...] = (args, dict(kwargs) if kwargs else {})
            if receive is not None:  # see taskito.dependencies.received_args
                call = (*call, receive)
            data = bytes(self._serializer.dumps(call))
        except Exception as exc:
            raise SerializationError(
                f"cannot serialize the arguments of task '{task_name}': {failure_reason(exc)}"
            ) from exc
        return data if self._signer is None else self._signer.seal_payload(task_name, data)

    def _options(
        self,
        task_name: str,
        priority: int | None,
        delay: float | None,
        queue: str | None,
        max_retries: int | None,
        timeout: float | None,
    ) -> dict[str, Any]:
        task = self._config(task_name) or TaskConfig(name=task_name)
        resolved = TaskConfig(
            name=task_name,
            queue=_first(queue, task.queue),
            max_retries=_first(max_retries, task.max_retries, self._default_retry),
            retry_backoff=_first(task.retry_backoff, _DEFAULT_BACKOFF_S),
            timeout=_first(timeout, task.timeout, self._default_timeout),
            priority=_first(priority, task.priority, self._default_priority),
        )
        validate_config(resolved)
        if delay is not None and (not isinstance(delay, (int, float)) or delay < 0):
            raise QueueError(f"delay must be a number of seconds >= 0, got {delay!r}")
        assert resolved.max_retries is not None and resolved.retry_backoff is not None
        assert resolved.timeout is not None and resolved.priority is not None
        return {
            "queue": resolved.queue,
            "priority": resolved.priority,
            "delay_ms": _ms(delay or 0),
            "max_retries": resolved.max_retries,
            "backoff_ms": _ms(resolved.retry_backoff),
            "timeout_ms": max(1, _ms(resolved.timeout)),
        }

    def _ttl_ms(self, result_ttl: float | None) -> int | None:
        ttl = result_ttl if result_ttl is not None else self._result_ttl
        if ttl is None:
            return None
        if not isinstance(ttl, (int, float)) or ttl < 0:
            raise QueueError(f"result_ttl must be a number of seconds >= 0, got {ttl!r}")
        return _ms(ttl)

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
        """Store one job for ``task_name`` and return its :class:`JobResult`.

        Each ``None`` falls back to the task's option, then to the queue's default.
        ``delay``, ``timeout``, ``expires`` (from now) and ``result_ttl`` are seconds;
        ``metadata`` is a dict or a JSON string. With ``depends_on`` (a job id or a list
        of them) the job waits until they all complete, and is cancelled if one cannot;
        an unknown, dead, failed or cancelled dependency raises
        :class:`~taskito.errors.DependencyError` and stores nothing. ``_receive`` is
        the canvas's (see :mod:`taskito.dependencies`).
        """
        deps = dependency_ids(depends_on)
        job = self._prepare_job(
            task_name,
            args,
            kwargs,
            deps,
            _receive,
            priority,
            delay,
            queue,
            max_retries,
            timeout,
            unique_key,
            metadata,
            expires,
            result_ttl,
        )
        name, payload = job.pop("task_name"), job.pop("payload")
        if deps:
            job_id = self._inner.enqueue_after(name, payload, deps, **job)
        else:
            job_id = self._inner.enqueue(name, payload, **job)
        return JobResult(self, job_id)

    def _prepare_job(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        deps: list[str],
        receive: str | None,
        priority: int | None = None,
        delay: float | None = None,
        queue: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        unique_key: str | None = None,
        metadata: dict[str, Any] | str | None = None,
        expires: float | None = None,
        result_ttl: float | None = None,
    ) -> dict[str, Any]:
        """The job ``enqueue`` stores, checked and serialized, without storing it."""
        spec = receive_spec(receive, deps)
        options = self._options(task_name, priority, delay, queue, max_retries, timeout)
        if expires is not None and (not isinstance(expires, (int, float)) or expires <= 0):
            raise QueueError(f"expires must be a number of seconds > 0, got {expires!r}")
        meta = _metadata_json(metadata)
        ttl_ms = self._ttl_ms(result_ttl)
        return {
            "task_name": task_name,
            "payload": self._payload(task_name, args, kwargs, spec),
            "unique_key": unique_key,
            "metadata": meta,
            "expires_ms": None if expires is None else _ms(expires),
            "result_ttl_ms": ttl_ms,
            **options,
        }

    def _enqueue_graph(self, steps: Sequence[GraphStep]) -> list[JobResult]:
        """Store a whole canvas in one transaction (see :mod:`taskito.graph`)."""
        return enqueue_graph(self, steps)

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
        """Store one job per ``args_list`` item in a single transaction.

        Every payload is serialized before anything is written, so a bad argument
        stores nothing.
        """
        args_items = list(args_list)
        kwargs_items: list[dict[str, Any] | None] = (
            [None] * len(args_items) if kwargs_list is None else list(kwargs_list)
        )
        if len(kwargs_items) != len(args_items):
            raise QueueError(
                f"enqueue_many got {len(args_items)} args but {len(kwargs_items)} kwargs; "
                "they must pair up"
            )
        options = self._options(task_name, priority, None, queue, max_retries, timeout)
        payloads = [self._payload(task_name, a, k) for a, k in zip(args_items, kwargs_items)]
        if not payloads:
            return []
        ttl_ms = self._ttl_ms(None)
        ids = self._inner.enqueue_many(task_name, payloads, result_ttl_ms=ttl_ms, **options)
        return [JobResult(self, job_id) for job_id in ids]

    # -- inspection --------------------------------------------------------------------

    def get_job(self, job_id: str) -> JobResult | None:
        """The job with this id, or None."""
        record = self._inner.get_job(job_id)
        return None if record is None else JobResult(self, job_id, record)

    def list_jobs(
        self,
        status: str | None = None,
        queue: str | None = None,
        task_name: str | None = None,
        limit: int = 50,
        offset: int = 0,
        after: tuple[int, str] | None = None,
    ) -> list[JobResult]:
        """Jobs, newest first, optionally filtered by status, queue and task name.

        ``after=(created_at, job_id)``, the last job of the previous page, gives the
        page after it (keyset paging: its cost does not grow with the page number;
        ``offset`` is then ignored).
        """
        if status == "completed":
            status = "complete"
        if status is not None and status not in _STATUSES:
            raise QueueError(f"invalid status {status!r}: expected one of {', '.join(_STATUSES)}")
        if limit < 0 or offset < 0:
            raise QueueError("limit and offset must be >= 0")
        records = self._inner.list_jobs(status, queue, task_name, limit, offset, after=after)
        return [JobResult(self, record.id, record) for record in records]

    def stats(self) -> dict[str, int]:
        """Job counts over all queues: pending, running, completed, failed, dead, cancelled."""
        raw = self._inner.stats()
        return {key: int(raw.get(key, 0)) for key in _STAT_KEYS}

    def queue_depths(self) -> list[dict[str, Any]]:
        """Pending and running jobs per queue: dicts ``{queue, pending, running}``, by name.

        Only queues with live jobs appear. Reads the indexes of live jobs only, so it
        stays fast however many finished jobs the database holds.
        """
        return self._inner.queue_depths()

    def job_errors(self, job_id: str) -> list[dict[str, Any]]:
        """Every failed attempt of a job: dicts ``{id, job_id, attempt, error, failed_at}``."""
        return [dict(row) for row in self._inner.job_errors(job_id)]

    def cancel_job(self, job_id: str) -> bool:
        """Cancel a pending job; True if it was cancelled."""
        return self._inner.cancel_job(job_id)

    def cancel_running_job(self, job_id: str) -> bool:
        """Ask a running job to stop; True if it is running and was asked.

        Cancellation is cooperative: the task stops at its next
        ``current_job.check_cancelled()``, and the job then ends ``cancelled``.
        """
        return self._inner.request_cancel(job_id)

    def update_progress(self, job_id: str, progress: int) -> None:
        """Set the progress of any job (no range check)."""
        if isinstance(progress, bool) or not isinstance(progress, int):
            raise QueueError(f"progress must be an int, not {type(progress).__name__}")
        self._inner.set_progress(job_id, progress)

    def replay(self, job_id: str) -> JobResult:
        """Enqueue a copy of a job (same payload, task and options); returns the new job.

        The copy's metadata is ``{"replayed_from": job_id}``; :meth:`replay_history`
        lists the replays of a job.
        """
        return JobResult(self, self._inner.replay(job_id))

    def replay_history(self, job_id: str) -> list[dict[str, Any]]:
        """The replays of a job, oldest first: dicts ``{id, original_job_id, replay_job_id,
        replayed_at, original_error, replay_error}``."""
        return [dict(row) for row in self._inner.replay_history(job_id)]

    def dead_letters(self, limit: int = 10, offset: int = 0) -> list[dict[str, Any]]:
        """Dead-lettered jobs, newest first (without their payloads)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise QueueError(f"limit must be a whole number >= 1, got {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise QueueError(f"offset must be a whole number >= 0, got {offset!r}")
        return [dict(row) for row in self._inner.dead_letters(limit, offset)]

    def retry_dead(self, dead_id: str) -> str:
        """Enqueue a dead letter again; returns the new job's id."""
        return self._inner.retry_dead(dead_id)

    def delete_dead(self, dead_id: str) -> bool:
        """Delete one dead letter; returns False when there is none by that id."""
        return self._inner.delete_dead(dead_id)

    def purge_dead(self, older_than: float = 86400) -> int:
        """Delete dead letters older than ``older_than`` seconds; returns how many."""
        return self._inner.purge_dead(float(older_than))

    def purge_completed(self, older_than: float = 86400) -> int:
        """Delete completed jobs older than ``older_than`` seconds; returns how many."""
        return self._inner.purge_completed(float(older_than))

    def workers(self) -> list[dict[str, Any]]:
        """Worker processes seen on this database.

        Dicts ``{worker_id, last_heartbeat (ms), queues (comma-joined), status, hostname,
        pid, threads, started_at}``; ``status`` is "stale" after 5 s without a heartbeat.
        """
        now_ms = int(time.time() * 1000)
        result = []
        for row in self._inner.list_workers():
            last = int(row["last_heartbeat"])  # type: ignore[call-overload]
            queues = row.get("queues")
            if isinstance(queues, (list, tuple)):
                queues = ",".join(str(q) for q in queues)
            result.append(
                {
                    "worker_id": row["worker_id"],
                    "last_heartbeat": last,
                    "queues": queues,
                    "status": "active" if now_ms - last < _STALE_AFTER_MS else "stale",
                    "hostname": row.get("hostname"),
                    "pid": row.get("pid"),
                    "threads": row.get("threads"),
                    "started_at": row.get("started_at"),
                }
            )
        return result

    # -- async variants ----------------------------------------------------------------

    @property
    def _executor(self) -> ThreadPoolExecutor:
        if self._executor_instance is None:
            self._executor_instance = ThreadPoolExecutor(2, thread_name_prefix="taskito-async")
        return self._executor_instance

    async def _in_executor(self, fn: Callable[..., T], *args: Any) -> T:
        import asyncio  # only async callers pay for importing it

        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def astats(self) -> dict[str, int]:
        """:meth:`stats` without blocking the event loop."""
        return await self._in_executor(self.stats)

    async def acancel_job(self, job_id: str) -> bool:
        """:meth:`cancel_job` without blocking the event loop."""
        return await self._in_executor(self.cancel_job, job_id)

    async def adead_letters(self, limit: int = 10, offset: int = 0) -> list[dict[str, Any]]:
        """:meth:`dead_letters` without blocking the event loop."""
        return await self._in_executor(self.dead_letters, limit, offset)

    async def areplay(self, job_id: str) -> JobResult:
        """:meth:`replay` without blocking the event loop."""
        return await self._in_executor(self.replay, job_id)

    async def aretry_dead(self, dead_id: str) -> str:
        """:meth:`retry_dead` without blocking the event loop."""
        return await self._in_executor(self.retry_dead, dead_id)

    async def aworkers(self) -> list[dict[str, Any]]:
        """:meth:`workers` without blocking the event loop."""
        return await self._in_executor(self.workers)

    def circuit_breakers(self) -> list[dict[str, Any]]:
        """The circuit breakers, by task name: dicts ``{task_name, state ("closed", "open"
        or "half_open"), failure_count, last_failure_at, opened_at (ms or None), threshold,
        window_ms, cooldown_ms}``; shared by every worker through the database."""
        return limits.circuit_breakers(self)

    async def acircuit_breakers(self) -> list[dict[str, Any]]:
        """:meth:`circuit_breakers` without blocking the event loop."""
        return await self._in_executor(self.circuit_breakers)

    # -- running a worker --------------------------------------------------------------

    def run_worker(self, queues: Sequence[str] | None = None) -> None:
        """Run a worker until it is stopped (Ctrl+C, SIGTERM or ``_inner.request_shutdown()``).

        ``queues=None`` serves every queue a registered task uses.
        """
        from taskito.worker import run_worker

        run_worker(self, queues)

    async def arun_worker(self, queues: Sequence[str] | None = None) -> None:
        """Run a worker in a thread of the event loop's default executor and await its end."""
        from taskito.worker import arun_worker

        await arun_worker(self, queues)

    def test_mode(self, propagate_errors: bool = False) -> TestMode:
        """A context manager that runs every enqueue inline; see :mod:`taskito.testing`.

        ``with queue.test_mode() as results:`` yields the :class:`TestResults` list.
        """
        return TestMode(self, propagate_errors=propagate_errors)

    def __repr__(self) -> str:
        return f"<Queue db={self._db_path!r} tasks={len(self._task_registry)}>"


def _metadata_json(metadata: dict[str, Any] | str | None) -> str | None:
    if metadata is None:
        return None
    if isinstance(metadata, str):
        try:
            json.loads(metadata)
        except ValueError as exc:
            raise QueueError(f"metadata must be a dict or a JSON string: {exc}") from exc
        return metadata
    if isinstance(metadata, dict):
        try:
            return json.dumps(metadata)
        except (TypeError, ValueError) as exc:
            raise QueueError(f"metadata must be JSON-serializable: {exc}") from exc
    raise QueueError(f"metadata must be a dict or a JSON string, not {type(metadata).__name__}")


__all__ = ["Queue"]
