"""Workers run inside this process: programmatic stop, asyncio, concurrency (the
concurrency and two-queue tests on both backends)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path
from typing import Callable

import pytest
from taskito import Queue, TaskCancelledError, current_job

from tests.conftest import Backend, WorkerThread, wait_for

pytestmark = pytest.mark.timeout(60)


def test_request_shutdown_from_another_thread_stops_run_worker(
    queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    @queue.task()
    def ping() -> str:
        return "pong"

    worker = threading.Thread(target=queue.run_worker, daemon=True)
    worker.start()
    assert ping.delay().result(timeout=10) == "pong"
    queue._inner.request_shutdown()
    worker.join(15)
    assert not worker.is_alive()
    out = capsys.readouterr().out.splitlines()
    assert out.count("[taskito] Shutting down gracefully (waiting for in-flight jobs)...") == 1
    assert out[-1] == "[taskito] Worker stopped."


def test_run_worker_on_the_main_thread_restores_signal_handlers(queue: Queue) -> None:
    def custom(signum: int, frame: object) -> None:
        raise AssertionError("not expected to run")

    previous = signal.signal(signal.SIGTERM, custom)
    try:

        @queue.task()
        def ping() -> str:
            return "pong"

        job = ping.delay()

        def stop_when_done() -> None:
            job.result(timeout=10)
            queue._inner.request_shutdown()

        stopper = threading.Thread(target=stop_when_done, daemon=True)
        stopper.start()
        queue.run_worker()  # blocks this (main) thread until the stopper stops it
        assert job.refresh().status == "complete"
        assert signal.getsignal(signal.SIGTERM) is custom
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_arun_worker_keeps_the_event_loop_responsive(queue: Queue) -> None:
    started, release = threading.Event(), threading.Event()

    @queue.task()
    def slow(x: int) -> int:
        started.set()
        release.wait(30)
        return x * 10

    ticks = 0

    async def main() -> int:
        nonlocal ticks

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        worker = asyncio.create_task(queue.arun_worker())
        job = slow.delay(4)
        while not started.is_set():
            await asyncio.sleep(0.005)
        seen = ticks
        while ticks < seen + 20:  # the loop keeps running while the job does
            await asyncio.sleep(0.005)
        assert job.refresh().status == "running"
        release.set()
        result: int = await job.aresult(timeout=10)
        os.kill(os.getpid(), signal.SIGINT)  # the loop's handler asks the worker to stop
        await asyncio.wait_for(worker, 15)
        tick_task.cancel()
        return result

    previous = signal.getsignal(signal.SIGINT)
    assert asyncio.run(main()) == 40
    assert signal.getsignal(signal.SIGINT) is previous


def blocking_task(queue: Queue, lock: threading.Lock, state: dict[str, int]) -> Callable[..., None]:
    release = threading.Event()
    state.update(active=0, peak=0, done=0)

    @queue.task(name="concurrency.block")
    def block() -> None:
        with lock:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        release.wait(30)
        with lock:
            state["active"] -= 1
            state["done"] += 1

    block.release = release  # type: ignore[attr-defined]
    return block


@pytest.mark.parametrize("workers, expected", [(0, os.cpu_count() or 1), (8, 8)])
def test_worker_threads_run_that_many_tasks_at_once(
    any_backend: Backend, start_worker: Callable[..., WorkerThread], workers: int, expected: int
) -> None:
    queue = any_backend.queue(workers=workers)
    lock, state = threading.Lock(), dict[str, int]()
    block = blocking_task(queue, lock, state)
    jobs = [queue.enqueue("concurrency.block") for _ in range(expected + 3)]
    start_worker(queue)
    wait_for(lambda: state["active"] == expected, 20, what=f"{expected} tasks running at once")
    assert [w["threads"] for w in queue.workers()] == [expected]
    block.release.set()  # type: ignore[attr-defined]
    wait_for(lambda: state["done"] == len(jobs), 20, what="every job to finish")
    assert state["peak"] == expected
    # A task has returned before its result is committed (group commit): wait for that.
    wait_for(lambda: queue.stats()["completed"] == len(jobs), 10, what="every result committed")


def test_two_queues_in_one_process_each_use_their_own_database(
    any_backend: Backend, start_worker: Callable[..., WorkerThread]
) -> None:
    # PostgreSQL: two schemas of one database, each with its own notification channel.
    queues = [any_backend.queue(name, workers=1) for name in ("a", "b")]
    release = threading.Event()
    for index, q in enumerate(queues):

        @q.task(name="t.report")
        def report(step: int, index: int = index) -> str:
            current_job.update_progress(step + index)
            release.wait(10)
            current_job.check_cancelled()
            return "done"

    for q in queues:
        start_worker(q)
    jobs = [q.enqueue("t.report", args=(10,)) for q in queues]
    wait_for(lambda: [j.refresh().progress for j in jobs] == [10, 11], 10, what="progress")
    assert queues[1].cancel_running_job(jobs[1].id) is True
    release.set()
    assert jobs[0].result(timeout=10) == "done"  # queue a's job did not see b's cancel
    with pytest.raises(TaskCancelledError):
        jobs[1].result(timeout=10)


def test_a_worker_thread_keeps_its_thread_state_across_jobs(
    tmp_path: Path, start_worker: Callable[..., WorkerThread]
) -> None:
    """Each worker thread is attached to the interpreter once: threading.local
    values (a per-thread client, say) last from one job to the next."""
    queue = Queue(db_path=str(tmp_path / "one.db"), workers=1)
    local = threading.local()

    @queue.task()
    def count() -> tuple[int, int]:
        local.seen = getattr(local, "seen", 0) + 1
        return threading.get_ident(), local.seen

    start_worker(queue)
    results = [count.delay().result(timeout=15) for _ in range(5)]
    assert len({ident for ident, _ in results}) == 1
    assert [seen for _, seen in results] == [1, 2, 3, 4, 5]
