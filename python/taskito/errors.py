"""The exceptions taskito raises.

Every class roots at :class:`TaskitoError`. Where the original taskito raised a
builtin (``RuntimeError``, ``TimeoutError``, ``KeyError``, ``ValueError``), our class
also subclasses that builtin, so existing ``except`` clauses keep matching.
The Rust extension raises these classes by name (``crates/taskito-python/src/errors.rs``).
"""

from __future__ import annotations


class TaskitoError(Exception):
    """Base class of every taskito error."""


class QueueError(TaskitoError, ValueError):
    """A bad option, name or argument given to the queue."""


class StorageError(TaskitoError, RuntimeError):
    """The database could not do what was asked (damaged, read-only, gone...)."""


class StorageFullError(StorageError):
    """The disk holding the database is full."""


class StorageBusyError(StorageError):
    """Other processes held the database locked for longer than taskito waits."""


class StorageUnavailableError(StorageError):
    """The database server cannot be reached (it was retried for a while)."""


class JobNotFoundError(TaskitoError, KeyError):
    """No job (or dead letter) has the given id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "job not found"


class SerializationError(TaskitoError, TypeError):
    """A task's arguments or result could not be serialized or deserialized."""


class JobFailedError(TaskitoError, RuntimeError):
    """``JobResult.result()`` on a job that failed for good."""


class TaskCancelledError(JobFailedError):
    """The job was cancelled (raised by ``result()`` and ``current_job.check_cancelled()``)."""


class ResultTimeoutError(TaskitoError, TimeoutError):
    """``JobResult.result(timeout=...)`` ran out before the job finished."""


class TaskTimeoutError(TaskitoError, TimeoutError):
    """A job ran past its hard timeout."""


class SoftTimeoutError(TaskitoError):
    """``current_job.check_timeout()`` found the soft timeout passed."""


class MaxRetriesExceededError(TaskitoError):
    """A job used up its retries."""


class CircuitBreakerOpenError(TaskitoError):
    """A task's circuit breaker is open."""


class RateLimitExceededError(TaskitoError):
    """A task's rate limit is exhausted."""


class DependencyError(TaskitoError, RuntimeError):
    """A job names a dependency that is unknown or already dead, failed or cancelled."""


__all__ = [
    "CircuitBreakerOpenError",
    "DependencyError",
    "JobFailedError",
    "JobNotFoundError",
    "MaxRetriesExceededError",
    "QueueError",
    "RateLimitExceededError",
    "ResultTimeoutError",
    "SerializationError",
    "SoftTimeoutError",
    "StorageBusyError",
    "StorageError",
    "StorageFullError",
    "StorageUnavailableError",
    "TaskCancelledError",
    "TaskTimeoutError",
    "TaskitoError",
]
