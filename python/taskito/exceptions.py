"""The exceptions taskito raises, under the names of the original taskito 0.22.

Every class roots at :class:`TaskitoError`. Where the original raised a builtin
(``RuntimeError``, ``TimeoutError``, ``KeyError``, ``ValueError``, ``TypeError``), our
class also subclasses that builtin, so existing ``except`` clauses keep matching.

The outcome of a job that did not complete is one tree, rooted at
:class:`JobFailedError` (a ``RuntimeError``)::

    JobFailedError
    +-- TaskFailedError            result() of a ``failed`` job
    |   +-- MaxRetriesExceededError  result() of a ``dead`` job (retries used up)
    +-- TaskCancelledError         result() of a ``cancelled`` job; check_cancelled()

so ``except TaskFailedError`` also catches dead jobs (in the original it did not).
Each carries the :class:`JobErrorDetails` attributes.

The Rust extension raises these classes by type (``crates/taskito-python/src/errors.rs``).
``taskito.errors`` is the same module under its earlier name.
"""

from __future__ import annotations


class TaskitoError(Exception):
    """Base class of every taskito error."""


class _ReadableKeyError(KeyError):
    """A ``KeyError`` whose message prints as written (``KeyError`` would quote it)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self._default

    _default = "not found"


# --- the queue and its storage ---------------------------------------------------------


class QueueError(TaskitoError, ValueError):
    """A bad option, name or argument given to the queue."""


class QueueFullError(QueueError):
    """Enqueuing would take a queue past its cap on pending jobs."""


class StorageError(TaskitoError, RuntimeError):
    """The database could not do what was asked (damaged, read-only, gone...)."""


class StorageFullError(StorageError):
    """The disk holding the database is full."""


class StorageBusyError(StorageError):
    """Other processes held the database locked for longer than taskito waits."""


class StorageUnavailableError(StorageError):
    """The database server cannot be reached (it was retried for a while)."""


class JobNotFoundError(TaskitoError, _ReadableKeyError):
    """No job (or dead letter) has the given id."""

    _default = "job not found"


class DependencyError(TaskitoError, RuntimeError):
    """A job names a dependency that is unknown or already dead, failed or cancelled."""


class NotesValidationError(TaskitoError, ValueError):
    """A job's ``notes`` do not follow the rules for notes."""


class PredicateRejectedError(TaskitoError):
    """An enqueue-time predicate turned the job down.

    ``task_name`` is the task's name and ``reason`` what the predicate said (empty if
    it said nothing).
    """

    def __init__(self, task_name: str, reason: str = "") -> None:
        # Both go to args, so the exception pickles and copies with its fields.
        super().__init__(task_name, reason)
        self.task_name = task_name
        self.reason = reason

    def __str__(self) -> str:
        text = f"an enqueue predicate refused a job of task {self.task_name!r}"
        return f"{text}: {self.reason}" if self.reason else text


# --- payloads and results ----------------------------------------------------------------


class SerializationError(TaskitoError, TypeError):
    """A task's arguments or result could not be serialized or deserialized."""


class CryptoError(SerializationError):
    """A payload could not be decrypted or its authenticity could not be verified."""


# --- the outcome of a job ----------------------------------------------------------------


class JobErrorDetails:
    """What is known about the error a job ended with (a mixin of the outcome errors).

    - ``job_id``: the job's id.
    - ``raw_error``: the error text stored with the job, as stored.
    - ``errtype``: the exception's class name as the traceback printed it
      (``ValueError``, ``mymodule.MyError``); ``None`` when the stored error is a
      sentence from taskito rather than a task's exception (a hard timeout, a payload
      that would not deserialize...).
    - ``traceback``: the stored traceback as a list of lines; ``None`` likewise.

    All are ``None`` on an exception raised without them (``check_cancelled()``).
    """

    errtype: str | None = None
    traceback: list[str] | None = None
    job_id: str | None = None
    raw_error: str | None = None


class JobFailedError(TaskitoError, RuntimeError, JobErrorDetails):
    """``JobResult.result()`` on a job that ended without a result.

    The base of :class:`TaskFailedError`, :class:`MaxRetriesExceededError` and
    :class:`TaskCancelledError`; ``except JobFailedError`` catches every one.
    """

    def __init__(
        self,
        *args: object,
        job_id: str | None = None,
        errtype: str | None = None,
        traceback: list[str] | None = None,
        raw_error: str | None = None,
    ) -> None:
        super().__init__(*args)
        self.job_id = job_id
        self.errtype = errtype
        self.traceback = traceback
        self.raw_error = raw_error


class TaskFailedError(JobFailedError):
    """The job failed: ``result()`` of a ``failed`` job, and the base of
    :class:`MaxRetriesExceededError`."""


class MaxRetriesExceededError(TaskFailedError):
    """The job used up its retries and went to the dead-letter queue (``dead``)."""


class TaskCancelledError(JobFailedError):
    """The job was cancelled (raised by ``result()`` and ``current_job.check_cancelled()``)."""


class ResultTimeoutError(TaskitoError, TimeoutError):
    """``JobResult.result(timeout=...)`` ran out before the job finished."""


# --- limits inside a running task ---------------------------------------------------------


class TaskTimeoutError(TaskitoError, TimeoutError):
    """A job ran past its hard timeout."""


class SoftTimeoutError(TaskitoError):
    """``current_job.check_timeout()`` found the soft timeout passed."""


class CircuitBreakerOpenError(TaskitoError):
    """A task's circuit breaker is open."""


class RateLimitExceededError(TaskitoError):
    """A task's rate limit is exhausted."""


# --- resources given to tasks --------------------------------------------------------------


class ResourceError(TaskitoError):
    """Base class of the errors about resources given to tasks."""


class ResourceInitError(ResourceError):
    """A resource's factory raised while building it."""


class ResourceUnavailableError(ResourceError):
    """A resource stayed unhealthy and cannot be handed out."""


class CircularDependencyError(ResourceError):
    """Resources depend on each other in a cycle."""


class ResourceNotFoundError(ResourceError, _ReadableKeyError):
    """No resource is registered under the given name."""

    _default = "resource not found"


class ProxyReconstructionError(ResourceError):
    """A proxied argument could not be rebuilt in the worker."""


class ProxyCleanupError(ResourceError):
    """Cleaning up after a proxied argument failed."""


__all__ = [
    "CircuitBreakerOpenError",
    "CircularDependencyError",
    "CryptoError",
    "DependencyError",
    "JobErrorDetails",
    "JobFailedError",
    "JobNotFoundError",
    "MaxRetriesExceededError",
    "NotesValidationError",
    "PredicateRejectedError",
    "ProxyCleanupError",
    "ProxyReconstructionError",
    "QueueError",
    "QueueFullError",
    "RateLimitExceededError",
    "ResourceError",
    "ResourceInitError",
    "ResourceNotFoundError",
    "ResourceUnavailableError",
    "ResultTimeoutError",
    "SerializationError",
    "SoftTimeoutError",
    "StorageBusyError",
    "StorageError",
    "StorageFullError",
    "StorageUnavailableError",
    "TaskCancelledError",
    "TaskFailedError",
    "TaskTimeoutError",
    "TaskitoError",
]
