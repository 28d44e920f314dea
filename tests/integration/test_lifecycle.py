"""``Queue.shutdown()``, ``close()``, ``drain_timeout`` and the worker and dead-letter
rows' keys, with real worker threads on real SQLite files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from taskito import Queue, QueueError

from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(60)


def start(queue: Queue) -> threading.Thread:
    thread = threading.Thread(target=queue.run_worker, daemon=True)
    thread.start()
    return thread


def test_shutdown_stops_the_worker_after_its_running_job(queue: Queue) -> None:
    release = threading.Event()
    started = threading.Event()

    @queue.task()
    def hold() -> str:
        started.set()
        release.wait(30)
        return "done"

    job = hold.delay()
    thread = start(queue)
    assert started.wait(10)
    queue.shutdown()  # returns at once, the job still running
    assert thread.is_alive() and job.refresh().status == "running"
    wait_for(lambda: any(w["status"] == "draining" for w in queue.workers()), 10)
    [row] = queue.workers()
    assert row["status"] == "draining"
    release.set()
    thread.join(15)
    assert not thread.is_alive()
    assert job.result(timeout=5) == "done"


def test_shutdown_without_a_worker_is_kept_for_the_next_one(queue: Queue) -> None:
    @queue.task()
    def noop() -> None:
        return None

    queue.shutdown()
    queue.shutdown()  # asking twice is fine
    job = noop.delay()
    thread = start(queue)  # started after the request: stops at once
    thread.join(15)
    assert not thread.is_alive()
    assert job.refresh().status == "pending"
    thread = start(queue)  # the request was used up
    assert job.result(timeout=10) is None
    queue.shutdown()
    thread.join(15)
    assert not thread.is_alive()


def test_a_job_past_the_drain_timeout_is_given_back(tmp_path: Path) -> None:
    queue = Queue(db_path=str(tmp_path / "q.db"), workers=1, drain_timeout=0.3)
    release = threading.Event()
    started = threading.Event()

    @queue.task()
    def hold() -> str:
        started.set()
        while not release.is_set():
            release.wait(0.01)
        return "late"

    job = hold.delay()
    thread = start(queue)
    assert started.wait(10)
    queue.shutdown()
    thread.join(15)
    assert not thread.is_alive(), "the worker waited longer than its drain_timeout"
    release.set()
    record = queue._inner.get_job(job.id)
    assert record is not None and record.status == "pending" and record.retry_count == 0


def test_drain_timeout_and_its_earlier_name(tmp_path: Path) -> None:
    db = str(tmp_path / "q.db")
    assert Queue(db_path=db)._drain_timeout == 30
    assert Queue(db_path=db, drain_timeout=5)._drain_timeout == 5.0
    assert Queue(db_path=db, shutdown_timeout=7)._drain_timeout == 7.0
    assert Queue(db_path=db, shutdown_timeout=2, drain_timeout=2).settings.drain_timeout == 2
    with pytest.raises(ValueError, match="two names for one option") as both:
        Queue(db_path=db, shutdown_timeout=2, drain_timeout=3)
    assert isinstance(both.value, QueueError) and "\n" not in str(both.value)
    with pytest.raises(QueueError, match="drain_timeout must be a number of seconds > 0"):
        Queue(db_path=db, drain_timeout=0)


@pytest.mark.parametrize("name", ["sqlite", "SQLite", "SQLITE"])
def test_backend_names_are_case_insensitive(tmp_path: Path, name: str) -> None:
    assert Queue(db_path=str(tmp_path / "q.db"), backend=name).settings.backend == "sqlite"


def test_unknown_backend_names_the_allowed_ones(tmp_path: Path) -> None:
    from taskito.settings import resolve_backend

    url = "postgresql://user@db.example/app"
    for name in ("postgres", "postgresql", "PostgreSQL", "POSTGRES"):
        assert resolve_backend(name, url) == url
    with pytest.raises(ValueError) as refused:
        Queue(db_path=str(tmp_path / "q.db"), backend="redis")
    assert str(refused.value) == (
        "backend must be one of 'sqlite', 'postgres', 'postgresql' (any case), got 'redis'"
    )


def test_close_is_idempotent_and_the_queue_stays_usable(queue: Queue) -> None:
    import asyncio

    @queue.task()
    def noop() -> None:
        return None

    assert asyncio.run(queue.astats())["pending"] == 0  # starts the helper threads
    queue.close()
    queue.close()
    assert queue.lifecycle.closed
    noop.delay()
    assert asyncio.run(queue.astats())["pending"] == 1


def test_worker_rows_carry_the_original_keys(queue: Queue) -> None:
    @queue.task()
    def noop() -> None:
        return None

    thread = start(queue)
    assert noop.delay().result(timeout=10) is None
    [row] = wait_for(queue.workers, 10)
    assert row["pool_type"] == "thread"
    assert row["tags"] is None and row["resources"] is None and row["resource_health"] is None
    assert row["status"] == "active" and isinstance(row["queues"], str)
    assert {"worker_id", "hostname", "pid", "threads", "started_at", "last_heartbeat"} <= set(row)
    queue.shutdown()
    thread.join(15)
    assert not thread.is_alive()


def test_dead_letters_carry_dlq_retry_count(queue: Queue) -> None:
    @queue.task(max_retries=0)
    def fail() -> None:
        raise ValueError("no")

    job = fail.delay()
    thread = start(queue)
    wait_for(lambda: job.refresh().status == "dead", 10)
    queue.shutdown()
    thread.join(15)
    [entry] = queue.dead_letters()
    assert entry["dlq_retry_count"] == 0 and entry["original_job_id"] == job.id
    assert list(entry)[-1] == "dlq_retry_count"  # after the keys we had
