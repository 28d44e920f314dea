"""Type stubs for the Rust extension module ``taskito._native``.

Everything here is thin: storage and scheduling decisions live in Rust crates,
user-facing behaviour lives in the Python package. Times are Unix milliseconds.
"""

from typing import Callable, final

from typing_extensions import Self

__all__ = [
    "OUTCOME_CANCELLED",
    "OUTCOME_FAIL",
    "OUTCOME_RETRY",
    "OUTCOME_SUCCESS",
    "JobRecord",
    "JobSpec",
    "NativeObservability",
    "NativeQueue",
    "NativeWorker",
    "__version__",
    "cron_next",
    "new_job_ids",
    "next_state",
    "validate_cron",
]

__version__: str

@final
class JobRecord:
    """A snapshot of one stored job."""

    @property
    def id(self) -> str: ...
    @property
    def queue(self) -> str: ...
    @property
    def task_name(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def created_at(self) -> int: ...
    @property
    def scheduled_at(self) -> int: ...
    @property
    def started_at(self) -> int | None: ...
    @property
    def completed_at(self) -> int | None: ...
    @property
    def attempt(self) -> int: ...
    @property
    def retry_count(self) -> int: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def timeout_ms(self) -> int: ...
    @property
    def crash_count(self) -> int: ...
    @property
    def lease_owner(self) -> str | None: ...
    @property
    def result(self) -> bytes | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def progress(self) -> int | None: ...
    @property
    def unique_key(self) -> str | None: ...
    @property
    def metadata(self) -> str | None: ...
    @property
    def expires_at(self) -> int | None: ...
    @property
    def result_ttl_ms(self) -> int | None: ...
    @property
    def cancel_requested(self) -> bool: ...

# What a run_job callback returns: (OUTCOME_*, value).
OUTCOME_SUCCESS: int  # value: serialized result bytes or None
OUTCOME_RETRY: int  # value: error text; retried while the retry budget lasts
OUTCOME_FAIL: int  # value: error text; dead-lettered at once
OUTCOME_CANCELLED: int  # value: error text; the job ends cancelled

_RunJob = Callable[[JobRecord], tuple[int, object | None]]
_TaskLimits = tuple[str, tuple[int, int] | None, tuple[int, int, int] | None]

@final
class NativeWorker:
    """A running worker: scheduler, worker threads, result handler and heartbeat."""

    @property
    def worker_id(self) -> str: ...
    @property
    def shutting_down(self) -> bool: ...
    @property
    def stopping_for_exit(self) -> bool:
        """True when the program's end (the ``atexit`` hook) is stopping this worker."""
    def wait(self, timeout_s: float) -> bool:
        """Blocks (without the GIL) up to ``timeout_s``; True once the worker stopped."""
    def request_shutdown(self) -> None:
        """Stop claiming, let running jobs finish within the grace period, release the rest."""

@final
class JobSpec:
    """One job to enqueue: times in ms counted from the insert, values as given (the
    engine clamps them: delay, retries and backoff >= 0, timeout >= 1 ms)."""

    def __new__(
        cls,
        task_name: str,
        payload: bytes,
        *,
        queue: str | None = None,
        priority: int | None = None,
        delay_ms: int | None = None,
        max_retries: int | None = None,
        backoff_ms: int | None = None,
        timeout_ms: int | None = None,
        unique_key: str | None = None,
        metadata: str | None = None,
        expires_ms: int | None = None,
        result_ttl_ms: int | None = None,
        depends_on: list[str] | None = None,
        id: str | None = None,
    ) -> JobSpec:
        """Unset options take the engine's defaults: queue "default", priority 0, no
        delay, 3 retries, 1 s backoff, 300 s timeout."""
    def replace(
        self,
        *,
        payload: bytes | None = None,
        delay_ms: int | None = None,
        unique_key: str | None = None,
        metadata: str | None = None,
        expires_ms: int | None = None,
        result_ttl_ms: int | None = None,
        depends_on: list[str] | None = None,
        id: str | None = None,
    ) -> JobSpec:
        """A copy with the given fields replaced (``None`` keeps the field)."""
    @property
    def task_name(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def queue(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def delay_ms(self) -> int: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def backoff_ms(self) -> int: ...
    @property
    def timeout_ms(self) -> int: ...
    @property
    def unique_key(self) -> str | None: ...
    @property
    def metadata(self) -> str | None: ...
    @property
    def expires_ms(self) -> int | None: ...
    @property
    def result_ttl_ms(self) -> int | None: ...
    @property
    def depends_on(self) -> list[str]: ...
    @property
    def id(self) -> str | None: ...

@final
class NativeQueue:
    """One store (a SQLite file or a PostgreSQL schema) plus this process's wake-ups."""

    def __new__(
        cls,
        db_path: str,
        *,
        durable: bool = False,
        db_url: str | None = None,
        schema: str | None = None,
    ) -> Self:
        """The SQLite file ``db_path``, or the PostgreSQL database at ``db_url``."""
    @property
    def db_path(self) -> str:
        """The SQLite path, or the PostgreSQL URL without its password."""
    def enqueue(self, specs: list[JobSpec], payloads: list[bytes] | None = None) -> list[str]:
        """Stores every job of ``specs`` in one transaction (all or none); returns the id
        that stands for each, in order (its own, or that of the live job holding its unique
        key). A dependency naming the ``id`` of an earlier spec refers to that entry. With
        ``payloads``, ``specs`` is one job repeated once per payload."""
    def get_job(self, job_id: str) -> JobRecord | None: ...
    def wait_for_job(self, job_id: str, timeout_s: float) -> JobRecord | None:
        """Blocks (without the GIL) until the job is terminal or ``timeout_s`` passes.

        Returns the latest snapshot either way; None if no job has this id.
        """
    def list_jobs(
        self,
        status: str | None = None,
        queue: str | None = None,
        task_name: str | None = None,
        limit: int = 50,
        offset: int = 0,
        after: tuple[int, str] | None = None,
    ) -> list[JobRecord]:
        """Newest first; ``after=(created_at, id)`` pages after that row (a keyset
        cursor), ignoring ``offset``."""
    def stats(self) -> dict[str, int]:
        """Keys: pending, running, completed, failed, dead, cancelled."""
    def queue_depths(self) -> list[dict[str, object]]:
        """Dicts {queue, pending, running} for queues with live jobs, by name."""
    def job_errors(self, job_id: str) -> list[dict[str, object]]:
        """Dicts {id, job_id, attempt, error, failed_at}."""
    def cancel_job(self, job_id: str) -> bool: ...
    def dead_letters(self, limit: int = 10, offset: int = 0) -> list[dict[str, object]]:
        """Dicts {id, original_job_id, queue, task_name, error, retry_count, failed_at,
        metadata}."""
    def retry_dead(self, dead_id: str) -> str: ...
    def delete_dead(self, dead_id: str) -> bool: ...
    def purge_dead(self, older_than_s: float) -> int: ...
    def purge_completed(self, older_than_s: float) -> int: ...
    def list_workers(self) -> list[dict[str, object]]:
        """Dicts {worker_id, hostname, pid, queues, threads, started_at, last_heartbeat}."""
    def start_worker(
        self,
        run_job: _RunJob,
        queues: list[str],
        threads: int,
        *,
        lease_ms: int = 10_000,
        grace_ms: int = 30_000,
        poll_ms: int = 50,
        max_crashes: int = 3,
        interrupt: Callable[[str], None] | None = None,
        prefetch: int | None = None,
        limits: list[_TaskLimits] | None = None,
        periodic: list[tuple[str, str, str | None, JobSpec]] | None = None,
    ) -> NativeWorker:
        """Starts a worker in background threads and returns at once.

        ``run_job`` is called on the worker threads with the GIL held; it must not raise.
        A job whose worker died ``max_crashes`` times while running it is dead-lettered
        (quarantined). When a job runs past its hard timeout, its attempt is failed
        (retry rules apply, a late finish is fenced off) and ``interrupt(job_id)`` is
        called, from another thread, so the Python side can stop the task's thread.
        ``prefetch`` fixes how many jobs are claimed ahead of free threads (default:
        adaptive, about 10 ms of work per thread within max(8, 2 x threads) and
        max(64, 32 x threads)).
        ``limits`` lists ``(task_name, (count, period_ms) | None, (threshold, window_ms,
        cooldown_ms) | None)``: each task's rate limit and circuit breaker.
        ``periodic``: (name, cron_expr, timezone, the job each tick enqueues) per periodic
        task; the worker registers them and enqueues each tick once with the other workers.
        """
    def request_cancel(self, job_id: str) -> bool:
        """Asks a running job to stop (``current_job.check_cancelled()`` sees it)."""
    def set_progress(self, job_id: str, progress: int, attempt: int | None = None) -> bool:
        """Sets progress; with ``attempt``, only while that attempt still runs the job."""
    def replay(self, job_id: str) -> str:
        """Enqueues a copy of a job (metadata {"replayed_from": id}); returns the new id."""
    def replay_history(self, job_id: str) -> list[dict[str, object]]:
        """Dicts {id, original_job_id, replay_job_id, replayed_at, original_error, replay_error}."""
    def periodic_list(self) -> list[dict[str, object]]:
        """Every registered periodic schedule, by name."""
    def request_shutdown(self) -> None:
        """Gracefully stops this queue's running worker (or the next one to start)."""
    def circuit_breakers(self) -> list[dict[str, object]]:
        """Dicts {task_name, state, failure_count, last_failure_at, opened_at, threshold,
        window_ms, cooldown_ms} of the breakers that saw a failure."""
    # --- dependencies ---
    def job_dependencies(self, job_id: str) -> list[str]:
        """The ids the job depends on, in the order given."""
    def job_dependents(self, job_id: str) -> list[str]:
        """The ids of the jobs that depend on this one."""

    # --- dashboard ---
    def completion_series(
        self, window_ms: int, bucket_ms: int, limit: int
    ) -> tuple[int, int, list[tuple[int, int, float, int, float]]]:
        """``(since, now, buckets)``; each bucket ``(start, completed, avg_run_ms, max_run_ms,
        avg_wait_ms)``."""

def validate_cron(cron_expr: str, timezone: str | None = None) -> str:
    """Checks a 5/6/7-field cron expression and an IANA timezone; returns the
    timezone's name. Raises ``QueueError`` naming the problem."""

def cron_next(cron_expr: str, after_ms: int, timezone: str | None = None) -> int | None:
    """The first tick strictly after ``after_ms``, or None if it never ticks again."""

@final
class NativeObservability:
    """Job logs and task metrics over the store (and clock) of a ``NativeQueue``."""

    def __new__(cls, queue: NativeQueue) -> NativeObservability: ...
    def log(
        self,
        job_id: str,
        task_name: str,
        level: str,
        message: str,
        extra: str | None = None,
    ) -> int:
        """Stores a log line (level and extra already checked); returns its id."""
    def task_logs(self, job_id: str) -> list[dict[str, object]]:
        """A job's log dicts, oldest first."""
    def query_logs(
        self,
        task_name: str | None = None,
        level: str | None = None,
        since_s: float = 3600.0,
        limit: int = 100,
    ) -> list[dict[str, object]]:
        """Log dicts of the last ``since_s`` seconds, newest first (``limit`` 0: all)."""
    def metrics(
        self, task_name: str | None = None, since_s: float = 3600.0
    ) -> dict[str, dict[str, float]]:
        """``{task_name: {count, success_count, ..., max_ms}}`` over the window."""
    def purge_logs(self, older_than_s: float) -> int:
        """Deletes log lines older than ``older_than_s`` seconds; returns how many."""

def next_state(
    code: int, retry_count: int, max_retries: int, backoff_ms: int = 1000
) -> tuple[str, int]:
    """The engine's rule for an attempt that ended with ``code``: ``(state, delay_ms)``."""

def new_job_ids(n: int) -> list[str]:
    """``n`` new time-ordered job ids."""
