"""What ``JobResult.result()`` raises for each way a job ends without a result, with
the stored error taken apart, and how the failed attempts are numbered.

Real workers in threads of this process, on SQLite files (and PostgreSQL where
``any_queue`` is used)."""

from __future__ import annotations

import threading
import time
from typing import Callable

import pytest
from taskito import Queue, current_job
from taskito.exceptions import (
    JobFailedError,
    MaxRetriesExceededError,
    TaskCancelledError,
    TaskFailedError,
)

from tests.conftest import WorkerThread, wait_for

pytestmark = pytest.mark.timeout(60)

StartWorker = Callable[..., WorkerThread]


def test_a_job_out_of_retries_raises_max_retries_exceeded(
    any_queue: Queue, start_worker: StartWorker
) -> None:
    @any_queue.task(max_retries=2, retry_backoff=0)
    def always_fails() -> None:
        raise ValueError(f"bad input, try {current_job.retry_count}")

    start_worker(any_queue)
    job = always_fails.delay()

    # Caught as the original's dead-job class, as a failed job (our fix: at 0.22 a dead
    # job was not a TaskFailedError), and as our JobFailedError / RuntimeError.
    with pytest.raises(MaxRetriesExceededError) as caught:
        job.result(timeout=20)
    for base in (TaskFailedError, JobFailedError, RuntimeError):
        try:
            job.result(timeout=5)
        except base as exc:
            assert type(exc) is MaxRetriesExceededError
        else:
            pytest.fail(f"no {base.__name__} raised")

    error = caught.value
    assert job.status == "dead"
    assert str(error) == f"Job {job.id} dead-lettered: ValueError: bad input, try 2"
    assert error.job_id == job.id
    assert error.errtype == "ValueError"
    assert error.raw_error == job.error
    assert error.traceback is not None and error.raw_error is not None
    assert error.traceback == error.raw_error.splitlines()
    assert error.traceback[0] == "Traceback (most recent call last):"
    assert error.traceback[-1] == "ValueError: bad input, try 2"
    assert any("always_fails" in line for line in error.traceback)

    # The original numbers the failures by the retry count at each: 0, 1, 2. Our claim
    # counter (1-based) is kept beside it.
    errors = job.errors
    assert [e["attempt"] for e in errors] == [0, 1, 2]
    assert [e["claim"] for e in errors] == [1, 2, 3]
    assert [e["error"].splitlines()[-1] for e in errors] == [
        f"ValueError: bad input, try {n}" for n in range(3)
    ]
    assert set(errors[0]) == {"id", "job_id", "attempt", "claim", "error", "failed_at"}
    assert all(e["job_id"] == job.id for e in errors)
    [dead] = any_queue.dead_letters()
    assert dead["retry_count"] == errors[-1]["attempt"] == 2


def test_a_job_that_fails_without_being_dead_lettered(
    queue: Queue, start_worker: StartWorker
) -> None:
    """An expired job fails for good (``failed``, not ``dead``): TaskFailedError, not
    MaxRetriesExceededError, and its error is taskito's sentence, not a traceback."""

    @queue.task()
    def late() -> str:
        return "ran"

    job = late.apply_async(expires=0.1)
    deadline = time.time() + 0.2
    wait_for(lambda: time.time() > deadline, 5, what="the expiry to pass")
    start_worker(queue)
    wait_for(lambda: job.refresh().status == "failed", 15, what="the job to expire")

    with pytest.raises(TaskFailedError) as caught:
        job.result(timeout=5)
    error = caught.value
    assert not isinstance(error, MaxRetriesExceededError)
    assert isinstance(error, JobFailedError) and isinstance(error, RuntimeError)
    assert str(error) == f"Job {job.id} failed: {job.error}"
    assert "expired" in str(error)
    assert (error.job_id, error.raw_error) == (job.id, job.error)
    assert (error.errtype, error.traceback) == (None, None)  # a sentence, not an exception
    assert job.errors == []  # it never ran


def test_cancelled_jobs_raise_task_cancelled(queue: Queue, start_worker: StartWorker) -> None:
    started = threading.Event()
    release = threading.Event()

    @queue.task()
    def cooperative() -> str:
        started.set()
        release.wait(20)
        current_job.check_cancelled()
        return "not cancelled"

    @queue.task()
    def never_run() -> None:
        raise AssertionError("a cancelled job ran")

    pending = never_run.apply_async(delay=3600)
    assert queue.cancel_job(pending.id) is True
    with pytest.raises(TaskCancelledError) as caught:
        pending.result(timeout=5)
    assert not isinstance(caught.value, TaskFailedError)
    assert isinstance(caught.value, JobFailedError)
    assert str(caught.value).startswith(f"Job {pending.id} cancelled: ")
    assert caught.value.job_id == pending.id

    start_worker(queue)
    running = cooperative.delay()
    assert started.wait(15)
    assert queue.cancel_running_job(running.id) is True
    release.set()
    with pytest.raises(JobFailedError) as failed:  # the catch-all of the outcome errors
        running.result(timeout=15)
    error = failed.value
    assert type(error) is TaskCancelledError
    assert running.status == "cancelled"
    assert error.job_id == running.id and error.raw_error == running.error
    assert running.error is not None and "cancelled" in running.error
    assert str(error) == f"Job {running.id} cancelled: {running.error}"
    assert (error.errtype, error.traceback) == (None, None)


def test_a_job_that_recovers_keeps_its_numbered_failures(
    queue: Queue, start_worker: StartWorker
) -> None:
    @queue.task(max_retries=5, retry_backoff=0)
    def third_time_lucky() -> int:
        if current_job.retry_count < 2:
            raise ConnectionError("flaky")
        return current_job.retry_count

    start_worker(queue)
    job = third_time_lucky.delay()
    assert job.result(timeout=20) == 2
    assert [(e["attempt"], e["claim"]) for e in job.errors] == [(0, 1), (1, 2)]


def test_queue_job_errors_returns_the_same_dicts(queue: Queue, start_worker: StartWorker) -> None:
    @queue.task(max_retries=1, retry_backoff=0)
    def fails() -> None:
        raise ValueError("no")

    start_worker(queue)
    job = fails.delay()
    with pytest.raises(MaxRetriesExceededError):
        job.result(timeout=20)
    assert queue.job_errors(job.id) == job.errors
