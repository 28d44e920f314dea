from __future__ import annotations

import threading
import time
from typing import Callable

import pytest
from taskito import SoftTimeoutError, current_job


@pytest.mark.parametrize("prop", ["id", "task_name", "retry_count", "queue_name"])
def test_properties_outside_a_task_raise(prop: str) -> None:
    with pytest.raises(RuntimeError, match="No active job context"):
        getattr(current_job, prop)


def test_context_is_per_thread_and_cleared() -> None:
    current_job._set_context("job-1", "mod.task", 2, "emails")
    seen: list[bool] = []
    try:
        assert (current_job.id, current_job.task_name) == ("job-1", "mod.task")
        assert (current_job.retry_count, current_job.queue_name) == (2, "emails")
        other = threading.Thread(target=lambda: seen.append(current_job.active))
        other.start()
        other.join()
        assert seen == [False]
    finally:
        current_job._clear_context()
    assert not current_job.active
    with pytest.raises(RuntimeError):
        current_job.id  # noqa: B018


def test_check_timeout_raises_only_past_the_soft_timeout() -> None:
    current_job._set_context("job-2", "mod.slow", 0, "default")
    try:
        current_job._set_soft_timeout(None)
        current_job.check_timeout()  # no soft timeout: never raises
        current_job._set_soft_timeout(30)
        current_job.check_timeout()
        current_job._set_soft_timeout(0.001)
        deadline = time.monotonic() + 0.002
        while time.monotonic() < deadline:
            pass
        with pytest.raises(SoftTimeoutError, match="soft timeout"):
            current_job.check_timeout()
    finally:
        current_job._clear_context()


@pytest.mark.parametrize(
    "call",
    [
        lambda: current_job.update_progress(5),
        current_job.check_cancelled,
        lambda: current_job.attempt,
    ],
)
def test_job_methods_outside_a_task_raise(call: Callable[[], object]) -> None:
    with pytest.raises(RuntimeError, match="No active job context"):
        call()


def test_job_methods_need_the_queue_that_runs_the_job() -> None:
    current_job._set_context("job-3", "mod.task", 0, "default")
    try:
        with pytest.raises(RuntimeError, match=r"current_job.check_cancelled\(\) needs"):
            current_job.check_cancelled()
        with pytest.raises(RuntimeError, match=r"current_job.update_progress\(\) needs"):
            current_job.update_progress(1)
        assert current_job.attempt is None
    finally:
        current_job._clear_context()
