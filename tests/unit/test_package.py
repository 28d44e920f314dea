from __future__ import annotations

import taskito
from taskito import errors


def test_all_exports_the_public_surface() -> None:
    expected = {
        "Queue",
        "JobResult",
        "TaskWrapper",
        "TaskMiddleware",
        "current_job",
        "Serializer",
        "CloudpickleSerializer",
        "JsonSerializer",
        "__version__",
        "TestMode",
        "TestResult",
        "TestResults",
        *errors.__all__,
        "Signature",
        "chain",
        "chord",
        "chunks",
        "group",
        "starmap",
    }
    assert set(taskito.__all__) == expected
    for name in taskito.__all__:
        assert hasattr(taskito, name), name


def test_version_is_a_real_version() -> None:
    assert taskito.__version__[0].isdigit()


def test_error_classes_keep_the_builtins_users_catch() -> None:
    assert issubclass(taskito.JobFailedError, RuntimeError)
    assert issubclass(taskito.TaskCancelledError, RuntimeError)
    assert issubclass(taskito.ResultTimeoutError, TimeoutError)
    assert issubclass(taskito.QueueError, ValueError)
    assert issubclass(taskito.JobNotFoundError, KeyError)
    assert issubclass(taskito.DependencyError, RuntimeError)
