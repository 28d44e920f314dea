"""taskito: a task queue for Python with a Rust engine, on embedded SQLite.

Define tasks in a module::

    from taskito import Queue

    queue = Queue(db_path="tasks.db")

    @queue.task()
    def add(a, b):
        return a + b

run a worker with ``taskito worker --app tasks:queue``, then ``add.delay(1, 2).result()``
returns 3.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from taskito.context import current_job
from taskito.errors import (
    CircuitBreakerOpenError,
    JobFailedError,
    JobNotFoundError,
    MaxRetriesExceededError,
    QueueError,
    RateLimitExceededError,
    ResultTimeoutError,
    SerializationError,
    SoftTimeoutError,
    StorageBusyError,
    StorageError,
    StorageFullError,
    StorageUnavailableError,
    TaskCancelledError,
    TaskitoError,
    TaskTimeoutError,
)
from taskito.middleware import TaskMiddleware
from taskito.queue import Queue
from taskito.result import JobResult
from taskito.serializers import CloudpickleSerializer, JsonSerializer, Serializer
from taskito.task import TaskWrapper

try:
    __version__ = _version("taskito")
except PackageNotFoundError:  # a source tree with a built extension but no install
    from taskito._native import __version__

__all__ = [
    "CircuitBreakerOpenError",
    "CloudpickleSerializer",
    "JobFailedError",
    "JobNotFoundError",
    "JobResult",
    "JsonSerializer",
    "MaxRetriesExceededError",
    "Queue",
    "QueueError",
    "RateLimitExceededError",
    "ResultTimeoutError",
    "SerializationError",
    "Serializer",
    "SoftTimeoutError",
    "StorageBusyError",
    "StorageError",
    "StorageFullError",
    "StorageUnavailableError",
    "TaskCancelledError",
    "TaskMiddleware",
    "TaskTimeoutError",
    "TaskWrapper",
    "TaskitoError",
    "__version__",
    "current_job",
]
