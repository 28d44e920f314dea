"""The options of a :class:`~taskito.Queue`, checked once, held in one frozen object.

Every part of the queue reads its options from :class:`QueueSettings` instead of from
attributes of the Queue; :func:`build_settings` turns the constructor's arguments into
one (or raises :class:`~taskito.errors.QueueError`, a ``ValueError``, in one sentence).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from taskito.errors import QueueError, StorageError
from taskito.task import TaskConfig, validate_config

#: Accepted ``backend=`` names (any case) and the backend each one means.
BACKENDS = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres"}
DEFAULT_DRAIN_TIMEOUT = 30.0
#: ``db_path`` of a database kept in memory, inside this process only.
MEMORY_DB_PATH = ":memory:"


@dataclass(frozen=True)
class QueueSettings:
    """A queue's options after checking (times in seconds).

    ``Queue(backend="postgres", db_url="postgresql://user@host/db")`` (or the
    ``TASKITO_DB_URL`` environment variable) keeps the queue in PostgreSQL, in the
    schema ``schema`` (default ``taskito``); everything else works the same. ``backend``
    is "sqlite", "postgres" or "postgresql", in any case.

    ``workers=0`` runs one worker thread per CPU. ``default_retry``, ``default_timeout``
    and ``default_priority`` apply to every task option and enqueue argument left as
    ``None``. ``lease_timeout`` is how long a job stays claimed by a worker that stops
    heart-beating; ``drain_timeout`` (also accepted as ``shutdown_timeout``; 30 s) is how
    long a graceful stop waits for running jobs. ``durable=True`` makes every commit
    survive power loss (slower). A job whose worker died ``max_crashes`` times while
    running it is dead-lettered ("quarantined"). ``signing_key`` (bytes or str, or a
    list of them: the first signs, all verify) signs every payload and result so that a
    worker never deserializes bytes written by someone without the key; see
    ``docs/security.md``. ``prefetch`` fixes how many jobs a worker claims ahead of its
    free threads. By default it adapts to about 10 ms of work per thread, between
    ``max(8, 2 * threads)`` and ``max(64, 32 * threads)`` jobs: claims are cheap for short
    jobs. Set it low (even 0) for long jobs shared by many workers.
    """

    db_path: str
    backend: str  # "sqlite" or "postgres"
    db_url: str | None
    schema: str | None
    durable: bool
    workers: int  # 0: one thread per CPU
    default_retry: int
    default_timeout: float
    default_priority: int
    result_ttl: float | None
    lease_timeout: float
    drain_timeout: float
    max_crashes: int
    prefetch: int | None

    @property
    def in_memory(self) -> bool:
        """``db_path=":memory:"``: one database in this process's memory, private to this
        queue, shared by its producers and the workers it runs in threads, gone with it.
        Another process (``taskito worker``, ``taskito info``) cannot reach it."""
        return self.db_url is None and self.db_path == MEMORY_DB_PATH

    @property
    def threads(self) -> int:
        """How many worker threads a worker of this queue runs."""
        return self.workers or os.cpu_count() or 1


def _backend_name(backend: object) -> str | None:
    if backend is None:
        return None
    value = getattr(backend, "value", backend)  # an enum member stands for its value
    name = BACKENDS.get(value.lower()) if isinstance(value, str) else None
    if name is None:
        allowed = ", ".join(repr(b) for b in BACKENDS)
        raise QueueError(f"backend must be one of {allowed} (any case), got {backend!r}")
    return name


def resolve_backend(backend: object, db_url: str | None) -> str | None:
    """The PostgreSQL URL to use, or None for the SQLite file."""
    name = _backend_name(backend)
    if name == "sqlite":
        if db_url is not None:
            raise QueueError("db_url is for backend='postgres'; the SQLite backend uses db_path")
        return None
    if name == "postgres" and db_url is None:
        db_url = os.environ.get("TASKITO_DB_URL")
        if not db_url:
            raise QueueError(
                "backend='postgres' needs db_url='postgresql://...' or the TASKITO_DB_URL "
                "environment variable"
            )
    if db_url is not None and not db_url.startswith(("postgresql://", "postgres://")):
        raise QueueError(f"db_url must start with postgresql://, got {db_url!r}")
    return db_url


def prepare_db_path(db_path: str) -> None:
    """Create the directory of a SQLite file (a StorageError if that is impossible).

    Nothing is created for ``":memory:"`` (no file) nor for a ``file:`` URI, which the
    store refuses (a path is a file name); nor for an empty path, refused too.
    """
    if not db_path or db_path == MEMORY_DB_PATH or db_path.startswith("file:"):
        return
    parent = os.path.dirname(os.path.abspath(db_path))
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the directory {parent!r} for the database: {exc.strerror or exc}"
        ) from exc


def _drain(shutdown_timeout: float | None, drain_timeout: float | None) -> float:
    if shutdown_timeout is not None and drain_timeout is not None:
        if shutdown_timeout != drain_timeout:
            raise QueueError(
                f"drain_timeout={drain_timeout!r} and shutdown_timeout={shutdown_timeout!r} "
                "are two names for one option; give one of them"
            )
    value = drain_timeout if drain_timeout is not None else shutdown_timeout
    if value is None:
        return DEFAULT_DRAIN_TIMEOUT
    _seconds("drain_timeout" if drain_timeout is not None else "shutdown_timeout", value)
    return float(value)


def _seconds(option: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise QueueError(f"{option} must be a number of seconds > 0, got {value!r}")


def _whole(option: str, value: object, minimum: int, hint: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise QueueError(f"{option} must be an int >= {minimum}{hint}, got {value!r}")


def build_settings(
    db_path: str | os.PathLike[str],
    *,
    workers: int,
    default_retry: int,
    default_timeout: float,
    default_priority: int,
    result_ttl: float | None,
    lease_timeout: float,
    shutdown_timeout: float | None,
    drain_timeout: float | None,
    durable: bool,
    max_crashes: int,
    prefetch: int | None,
    backend: object,
    db_url: str | None,
    schema: str | None,
) -> QueueSettings:
    """Check the constructor's options; every problem is a QueueError naming the option."""
    _whole("workers", workers, 0, " (0 means one per CPU)")
    validate_config(
        TaskConfig(
            name="<queue defaults>",
            max_retries=default_retry,
            timeout=default_timeout,
            priority=default_priority,
        )
    )
    _seconds("lease_timeout", lease_timeout)
    drain = _drain(shutdown_timeout, drain_timeout)
    _whole("max_crashes", max_crashes, 1)
    if prefetch is not None:
        _whole("prefetch", prefetch, 0)
    if result_ttl is not None and result_ttl < 0:
        raise QueueError(f"result_ttl must be a number of seconds >= 0, got {result_ttl!r}")
    path = os.fspath(db_path)
    url = resolve_backend(backend, db_url)
    return QueueSettings(
        db_path=path,
        backend="sqlite" if url is None else "postgres",
        db_url=url,
        schema=schema,
        durable=durable,
        workers=workers,
        default_retry=default_retry,
        default_timeout=default_timeout,
        default_priority=default_priority,
        result_ttl=result_ttl,
        lease_timeout=float(lease_timeout),
        drain_timeout=drain,
        max_crashes=max_crashes,
        prefetch=prefetch,
    )


__all__ = [
    "BACKENDS",
    "MEMORY_DB_PATH",
    "QueueSettings",
    "build_settings",
    "prepare_db_path",
    "resolve_backend",
]
