"""Job control through a real worker process: hard timeouts, cooperative cancel,
progress, replay, expiry, unique keys, result TTL and hostile names. Every test runs on
SQLite and on PostgreSQL (``any_app``)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Callable

import pytest
from taskito import JobFailedError, TaskCancelledError

from tests.conftest import App, WorkerProcess, wait_for

pytestmark = pytest.mark.timeout(60)

StartWorker = Callable[..., WorkerProcess]
Figure = Callable[[str, object], None]

WORKER = ("--app", "app:queue")


def test_hard_timeout_fails_the_attempt_and_frees_the_thread(
    any_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    any_app.write(
        """
        @queue.task(timeout=0.5, max_retries=1, retry_backoff=0)
        def spin():
            side_effect()
            if current_job.retry_count == 0:
                while True:  # pure Python: the interrupt lands here
                    pass
            return "second attempt"


        @queue.task(timeout=0.5, max_retries=0)
        def spin_forever():
            while True:
                pass
        """,
        workers=1,  # one thread: every later job proves it was freed
    )
    module = any_app.load()
    worker_process(any_app.dir, *WORKER)
    started = time.monotonic()
    job = module.spin.delay()
    assert job.result(timeout=15) == "second attempt"
    figure("hard_timeout_retry_done_s", f"{time.monotonic() - started:.2f}")
    [error] = job.errors
    assert "timed out" in error["error"] and "0.5 s timeout" in error["error"]
    assert [e.attempt for e in any_app.side_effects()] == [1, 2]

    doomed = module.spin_forever.delay()
    with pytest.raises(JobFailedError, match="timed out"):
        doomed.result(timeout=15)
    assert doomed.status == "dead"
    assert module.add.delay(1, 2).result(timeout=15) == 3  # the same single thread


def test_a_late_finish_after_the_timeout_is_fenced_off(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(
        """
        from taskito import TaskTimeoutError

        @queue.task(timeout=0.5, max_retries=1, retry_backoff=0)
        def stubborn():
            side_effect("started")
            if current_job.retry_count == 0:
                try:
                    wait_for_file(HERE / "release-stubborn")
                except TaskTimeoutError:  # ignores the interrupt and finishes anyway
                    side_effect("interrupted")
                    wait_for_file(HERE / "release-stubborn")
                side_effect("finished late")
                return "late"
            return "on time"
        """,
        workers=2,
    )
    module = any_app.load()
    worker_process(any_app.dir, *WORKER)
    job = module.stubborn.delay()
    assert job.result(timeout=15) == "on time"
    any_app.release("stubborn")
    wait_for(
        lambda: any(e.note == "finished late" for e in any_app.side_effects()),
        15,
        what="the first attempt to finish after its timeout",
    )
    # Let the worker handle the stale outcome, then check it changed nothing.
    assert module.add.delay(1, 1).result(timeout=15) == 2
    assert module.add.delay(2, 2).result(timeout=15) == 4
    assert job.result(timeout=1) == "on time"
    notes = [e.note for e in any_app.side_effects() if e.attempt == 1]
    assert notes == ["started", "interrupted", "finished late"]


def test_cooperative_cancel_of_a_running_job(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(
        """
        @queue.task()
        def patient():
            side_effect("started")
            while True:
                current_job.check_cancelled()
                time.sleep(0.01)
        """
    )
    module = any_app.load()
    worker_process(any_app.dir, *WORKER)
    job = module.patient.delay()
    wait_for(lambda: any_app.side_effects(), 15, what="the job to start")
    asked = time.monotonic()
    assert any_app.queue.cancel_running_job(job.id) is True
    with pytest.raises(TaskCancelledError, match="was cancelled while running"):
        job.result(timeout=10)
    assert time.monotonic() - asked < 2
    assert job.status == "cancelled"
    assert any_app.queue.cancel_running_job(job.id) is False  # no longer running
    assert any_app.queue.stats()["cancelled"] == 1
    assert module.add.delay(1, 1).result(timeout=15) == 2


def test_cancel_of_a_pending_job_ends_result_at_once(any_app: App) -> None:
    any_app.write()
    module = any_app.load()
    job = module.add.delay(1, 2)
    assert any_app.queue.cancel_job(job.id) is True
    asked = time.monotonic()
    with pytest.raises(TaskCancelledError):
        job.result(timeout=10)
    assert time.monotonic() - asked < 1


def test_progress_from_the_task_and_from_outside(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(
        """
        @queue.task()
        def steps():
            current_job.update_progress(40)
            wait_for_file(HERE / "release-steps")
            current_job.update_progress(100)
            return "done"
        """
    )
    module = any_app.load()
    waiting = module.add.delay(1, 1)
    assert waiting.progress is None
    any_app.queue.update_progress(waiting.id, 7)  # any job, even a pending one
    assert waiting.refresh().progress == 7

    worker_process(any_app.dir, *WORKER)
    job = module.steps.delay()
    wait_for(lambda: job.refresh().progress == 40, 15, what="progress 40")
    assert job.to_dict()["progress"] == 40
    any_app.release("steps")
    assert job.result(timeout=15) == "done"
    assert job.progress == 100


def test_replay_and_its_history(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(
        """
        @queue.task(max_retries=0)
        def needs_file():
            if not (HERE / "ready").exists():
                raise FileNotFoundError("ready is missing")
            return "ran"
        """
    )
    module = any_app.load()
    worker_process(any_app.dir, *WORKER)
    job = module.needs_file.delay()
    with pytest.raises(JobFailedError, match="ready is missing"):
        job.result(timeout=15)

    (any_app.dir / "ready").touch()
    replay = any_app.queue.replay(job.id)
    assert replay.id != job.id
    assert replay.result(timeout=15) == "ran"
    assert json.loads(replay.to_dict()["metadata"]) == {"replayed_from": job.id}
    second = asyncio.run(any_app.queue.areplay(job.id))
    assert second.result(timeout=15) == "ran"

    history = any_app.queue.replay_history(job.id)
    assert [h["replay_job_id"] for h in history] == [replay.id, second.id]
    assert all(h["original_job_id"] == job.id for h in history)
    assert "ready is missing" in str(history[0]["original_error"])
    assert history[0]["replay_error"] is None
    assert set(history[0]) == {
        "id",
        "original_job_id",
        "replay_job_id",
        "replayed_at",
        "original_error",
        "replay_error",
    }


def test_expired_job_fails_without_running(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(
        """
        @queue.task()
        def record():
            side_effect()
            return "ran"
        """
    )
    module = any_app.load()
    stale = module.record.apply_async(expires=0.2)
    fresh = module.record.apply_async(expires=60)
    deadline = time.time() + 0.3
    wait_for(lambda: time.time() > deadline, 5, what="the expiry to pass")
    worker_process(any_app.dir, *WORKER)
    assert fresh.result(timeout=15) == "ran"
    wait_for(lambda: stale.refresh().status == "failed", 15, what="the stale job to fail")
    with pytest.raises(JobFailedError, match="expired"):
        stale.result(timeout=1)
    assert [e.job_id for e in any_app.side_effects()] == [fresh.id]


def test_unique_key_returns_the_live_job(any_app: App, worker_process: StartWorker) -> None:
    any_app.write()
    module = any_app.load()
    first = module.add.apply_async((1, 2), unique_key="report-42")
    again = module.add.apply_async((5, 5), unique_key="report-42")
    assert again.id == first.id
    worker_process(any_app.dir, *WORKER)
    assert again.result(timeout=15) == 3
    later = module.add.apply_async((5, 5), unique_key="report-42")  # the key is free again
    assert later.id != first.id and later.result(timeout=15) == 10


def test_result_ttl_jobs_are_pruned_by_a_running_worker(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write()
    module = any_app.load()
    worker_process(any_app.dir, *WORKER)
    short = module.add.apply_async((1, 2), result_ttl=0.5)
    kept = module.add.delay(3, 4)
    assert short.result(timeout=15) == 3 and kept.result(timeout=15) == 7
    wait_for(
        lambda: any_app.queue.get_job(short.id) is None, 15, what="the worker to prune the result"
    )
    assert any_app.queue.get_job(kept.id) is not None


HOSTILE = "we'ird\"; DROP TABLE jobs;--"


def test_names_with_quotes_and_sql_work_end_to_end(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(
        f"""
        @queue.task(name={HOSTILE!r}, queue={HOSTILE!r})
        def hostile(x):
            return x + 1
        """
    )
    module = any_app.load()
    job = module.hostile.delay(41)
    assert job.to_dict()["task_name"] == HOSTILE and job.to_dict()["queue"] == HOSTILE
    worker = worker_process(any_app.dir, *WORKER)
    assert job.result(timeout=15) == 42
    assert f"[taskito] Queues: default, emails, {HOSTILE}" in worker.lines
    [listed] = any_app.queue.list_jobs(queue=HOSTILE, task_name=HOSTILE)
    assert listed.id == job.id
    assert any_app.queue.stats()["completed"] == 1
    assert module.add.delay(1, 1).result(timeout=15) == 2  # the jobs table is still there
