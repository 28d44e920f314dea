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

# The package and the extension are built together from one version (Cargo's);
# reading it from the extension spares importing importlib.metadata at start-up.
from taskito._native import __version__
from taskito.app import Queue
from taskito.canvas import Signature, chain, chord, chunks, group, starmap
from taskito.context import current_job
from taskito.errors import (
    CircuitBreakerOpenError,
    CircularDependencyError,
    CryptoError,
    DependencyError,
    JobErrorDetails,
    JobFailedError,
    JobNotFoundError,
    MaxRetriesExceededError,
    NotesValidationError,
    PredicateRejectedError,
    ProxyCleanupError,
    ProxyReconstructionError,
    QueueError,
    QueueFullError,
    RateLimitExceededError,
    ResourceError,
    ResourceInitError,
    ResourceNotFoundError,
    ResourceUnavailableError,
    ResultTimeoutError,
    SerializationError,
    SoftTimeoutError,
    StorageBusyError,
    StorageError,
    StorageFullError,
    StorageUnavailableError,
    TaskCancelledError,
    TaskFailedError,
    TaskitoError,
    TaskTimeoutError,
)
from taskito.middleware import TaskMiddleware
from taskito.result import JobResult
from taskito.serializers import CloudpickleSerializer, JsonSerializer, Serializer
from taskito.task import TaskWrapper
from taskito.testing import TestMode, TestResult, TestResults

__all__ = [
    "CircuitBreakerOpenError",
    "CircularDependencyError",
    "CloudpickleSerializer",
    "CryptoError",
    "DependencyError",
    "JobErrorDetails",
    "JobFailedError",
    "JobNotFoundError",
    "JobResult",
    "JsonSerializer",
    "MaxRetriesExceededError",
    "NotesValidationError",
    "PredicateRejectedError",
    "ProxyCleanupError",
    "ProxyReconstructionError",
    "Queue",
    "QueueError",
    "QueueFullError",
    "RateLimitExceededError",
    "ResourceError",
    "ResourceInitError",
    "ResourceNotFoundError",
    "ResourceUnavailableError",
    "ResultTimeoutError",
    "SerializationError",
    "Serializer",
    "Signature",
    "SoftTimeoutError",
    "StorageBusyError",
    "StorageError",
    "StorageFullError",
    "StorageUnavailableError",
    "TaskCancelledError",
    "TaskFailedError",
    "TaskMiddleware",
    "TaskTimeoutError",
    "TaskWrapper",
    "TaskitoError",
    "TestMode",
    "TestResult",
    "TestResults",
    "__version__",
    "chain",
    "chord",
    "chunks",
    "current_job",
    "group",
    "starmap",
]
