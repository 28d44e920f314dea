"""The exceptions taskito raises, under this module's earlier name.

The classes live in :mod:`taskito.exceptions` (the name the original taskito 0.22
uses); this module is the same set of classes, so ``from taskito.errors import ...``
keeps working and catches the very same exceptions.
"""

from __future__ import annotations

from taskito.exceptions import (
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
