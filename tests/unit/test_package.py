from __future__ import annotations

from pathlib import Path

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


def test_app_module_and_the_queue_alias() -> None:
    from taskito import app, queue

    assert app.Queue is queue.Queue is taskito.Queue
    assert app.DEFAULT_MAX_PAYLOAD_BYTES == queue.DEFAULT_MAX_PAYLOAD_BYTES == 1024 * 1024


def test_private_names_older_code_reads(tmp_path: Path) -> None:
    """taskito 0.2.1's and 0.22's own tests read these; they stay, as views of the parts."""
    from taskito import Queue
    from taskito.signing import Signer

    q = Queue(db_path=str(tmp_path / "q.db"), signing_key=b"k", drain_timeout=12)

    @q.task()
    def add(a: int, b: int) -> int:
        return a + b

    @q.periodic("0 * * * * *")
    def tick() -> None:
        return None

    assert add.name in q._task_registry and q._task_registry[add.name] is add.__wrapped__  # type: ignore[attr-defined]
    assert dict(q._task_registry.items()) == dict(q.registry.functions)
    assert [c["cron_expr"] for c in q._periodic_configs] == ["0 * * * * *"]
    assert q._periodic_configs is q.registry.periodic
    assert q._serializer is q.codec.serializer and isinstance(q._signer, Signer)
    assert q._drain_timeout == 12
    assert not q._test_mode_active
    with q.test_mode():
        assert q._test_mode_active
    assert not q._test_mode_active
    q._inner.request_shutdown()  # the 0.2.1 way to stop a worker still works
