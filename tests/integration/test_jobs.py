"""Jobs through a real worker: results, failures, retries, the dead-letter queue.

Every test runs on SQLite and on PostgreSQL (``any_queue``)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from taskito import (
    JobFailedError,
    JobNotFoundError,
    JobResult,
    JsonSerializer,
    Queue,
    ResultTimeoutError,
    TaskCancelledError,
    current_job,
)

from tests.conftest import Backend, WorkerThread, wait_for

pytestmark = pytest.mark.timeout(60)

StartWorker = Callable[..., WorkerThread]


def test_results_of_every_kind(any_queue: Queue, start_worker: StartWorker) -> None:
    @any_queue.task()
    def echo(*args: Any, **kwargs: Any) -> Any:
        return args, kwargs

    @any_queue.task()
    async def async_double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    start_worker(any_queue)
    job = echo.apply_async(args=(1, "two"), kwargs={"three": [3]})
    assert job.result(timeout=10) == ((1, "two"), {"three": [3]})
    assert job.status == "complete"
    record = job.to_dict()
    assert record["started_at"] is not None and record["completed_at"] >= record["started_at"]
    assert async_double.delay(21).result(timeout=10) == 42
    assert asyncio.run(echo.delay(5).aresult(timeout=10)) == ((5,), {})


def test_failed_job_raises_with_the_task_error(any_queue: Queue, start_worker: StartWorker) -> None:
    @any_queue.task(max_retries=0)
    def broken() -> None:
        raise ValueError("the input was bad")

    start_worker(any_queue)
    job = broken.delay()
    with pytest.raises(JobFailedError) as caught:
        job.result(timeout=10)
    assert isinstance(caught.value, RuntimeError)
    assert str(caught.value) == f"Job {job.id} dead-lettered: ValueError: the input was bad"
    assert caught.value.traceback is not None and caught.value.traceback[0].startswith("Traceback")
    assert job.status == "dead"
    assert [(e["attempt"], e["claim"]) for e in job.errors] == [(0, 1)]
    with pytest.raises(JobFailedError, match="the input was bad"):
        asyncio.run(job.aresult(timeout=5))


def test_retries_with_backoff_end_in_the_dead_letter_queue(
    tmp_path: Path, any_queue: Queue, start_worker: StartWorker
) -> None:
    fixed = tmp_path / "fixed"

    @any_queue.task(max_retries=2, retry_backoff=0.2)
    def flaky() -> str:
        if not fixed.exists():
            raise ConnectionError(f"attempt {current_job.retry_count + 1} failed")
        return "finally"

    start_worker(any_queue)
    job = flaky.delay()
    with pytest.raises(JobFailedError, match="dead"):
        job.result(timeout=20)
    errors = job.errors
    assert [e["attempt"] for e in errors] == [0, 1, 2]  # the retry_count at each failure
    assert "ConnectionError: attempt 3 failed" in errors[-1]["error"]
    gaps = [b["failed_at"] - a["failed_at"] for a, b in zip(errors, errors[1:])]
    # base 200 ms doubling, shortened by at most 25 % jitter: >= 150 ms, then >= 300 ms
    assert gaps[0] >= 150 and gaps[1] >= 300, gaps

    [dead] = any_queue.dead_letters()
    assert dead["original_job_id"] == job.id
    assert dead["task_name"] == flaky.name
    assert dead["retry_count"] == 2
    assert "ConnectionError" in dead["error"]

    fixed.touch()
    new_id = any_queue.retry_dead(dead["id"])
    assert new_id != job.id
    assert JobResult(any_queue, new_id).result(timeout=10) == "finally"

    fixed.unlink()
    other = flaky.apply_async(max_retries=0)
    with pytest.raises(JobFailedError):
        other.result(timeout=10)
    assert len(any_queue.dead_letters()) >= 1
    assert any_queue.purge_dead(older_than=3600) == 0  # nothing that old
    wait_for(lambda: any_queue.purge_dead(older_than=0) >= 1, 5, what="the purge")
    assert any_queue.dead_letters() == []
    with pytest.raises(JobNotFoundError):
        any_queue.retry_dead(dead["id"])


def test_retry_on_and_dont_retry_on(any_queue: Queue, start_worker: StartWorker) -> None:
    @any_queue.task(max_retries=2, retry_backoff=0, retry_on=[ConnectionError])
    def only_network(kind: str) -> None:
        raise ConnectionError("net") if kind == "net" else ValueError("value")

    @any_queue.task(max_retries=2, retry_backoff=0, dont_retry_on=[KeyError])
    def not_lookups(kind: str) -> None:
        raise KeyError("k") if kind == "key" else OSError("os")

    start_worker(any_queue)
    cases = [
        (only_network.delay("net"), 3),  # listed in retry_on: retried
        (only_network.delay("value"), 1),  # not listed: straight to the DLQ
        (not_lookups.delay("key"), 1),  # in dont_retry_on: not retried
        (not_lookups.delay("os"), 3),
    ]
    for job, attempts in cases:
        with pytest.raises(JobFailedError):
            job.result(timeout=10)
        assert len(job.errors) == attempts, job.errors


def test_json_serializer_end_to_end(any_backend: Backend, start_worker: StartWorker) -> None:
    queue = any_backend.queue(serializer=JsonSerializer())

    @queue.task()
    def summarize(items: list[int], *, label: str) -> dict[str, Any]:
        return {"label": label, "total": sum(items), "pair": (1, 2)}

    start_worker(queue)
    job = summarize.delay([1, 2, 3], label="abc")
    assert job.result(timeout=10) == {"label": "abc", "total": 6, "pair": [1, 2]}
    stored = queue._inner.get_job(job.id)
    assert stored is not None
    assert stored.payload == b'[[[1,2,3]],{"label":"abc"}]'
    assert stored.result == b'{"label":"abc","total":6,"pair":[1,2]}'


def test_map_of_a_thousand(any_queue: Queue, start_worker: StartWorker) -> None:
    @any_queue.task()
    def square(x: int) -> int:
        return x * x

    jobs = square.map([(i,) for i in range(1000)])
    assert len(jobs) == 1000
    assert any_queue.stats()["pending"] == 1000
    start_worker(any_queue)
    wait_for(lambda: any_queue.stats()["completed"] == 1000, 60, what="1000 jobs to complete")
    assert sum(job.result(timeout=5) for job in jobs) == sum(i * i for i in range(1000))


def test_cancelled_job_is_terminal_for_result(any_queue: Queue) -> None:
    @any_queue.task()
    def later() -> None:
        pass

    job = later.apply_async(delay=60)
    assert any_queue.cancel_job(job.id) is True
    assert any_queue.cancel_job(job.id) is False  # already cancelled
    started = time.monotonic()
    with pytest.raises(TaskCancelledError, match=f"Job {job.id} cancelled"):
        job.result(timeout=10)
    assert time.monotonic() - started < 1
    assert job.status == "cancelled"
    assert any_queue.stats()["cancelled"] == 1


def test_result_timeout_and_unknown_jobs(any_queue: Queue) -> None:
    @any_queue.task()
    def never_run() -> None:
        pass

    job = never_run.delay()
    started = time.monotonic()
    with pytest.raises(ResultTimeoutError) as caught:
        job.result(timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    assert isinstance(caught.value, TimeoutError)
    assert "status: pending" in str(caught.value)
    with pytest.raises(TimeoutError):
        asyncio.run(job.aresult(timeout=0.05))
    with pytest.raises(JobNotFoundError):
        JobResult(any_queue, "01234567-0000-7000-8000-000000000000").result(timeout=1)


def test_async_inspection(any_queue: Queue, start_worker: StartWorker) -> None:
    @any_queue.task(max_retries=0)
    def fails() -> None:
        raise RuntimeError("x")

    start_worker(any_queue)
    job = fails.delay()
    with pytest.raises(JobFailedError):
        job.result(timeout=10)
    pending = fails.apply_async(delay=60)

    async def main() -> None:
        assert (await any_queue.astats())["dead"] == 1
        [dead] = await any_queue.adead_letters()
        assert dead["original_job_id"] == job.id
        assert await any_queue.acancel_job(pending.id) is True
        workers = await any_queue.aworkers()
        assert [w["status"] for w in workers] == ["active"]
        new_id = await any_queue.aretry_dead(dead["id"])
        assert any_queue.get_job(new_id) is not None

    asyncio.run(main())


def test_purge_completed(any_queue: Queue, start_worker: StartWorker) -> None:
    @any_queue.task()
    def quick() -> int:
        return 1

    start_worker(any_queue)
    job = quick.delay()
    job.result(timeout=10)
    assert any_queue.purge_completed(older_than=3600) == 0
    # "older than 0 s" excludes a job completed in this very millisecond
    wait_for(lambda: any_queue.purge_completed(older_than=0) == 1, 5, what="the purge")
    assert any_queue.get_job(job.id) is None


def test_ctrl_c_interrupts_a_result_wait_on_the_main_thread(any_queue: Queue) -> None:
    @any_queue.task()
    def never_run() -> None:
        pass

    job = never_run.delay()  # no worker: the wait would last the whole timeout
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        job.result(timeout=30)
    assert time.monotonic() - started < 2
    timer.join()
