"""``python -m taskito worker`` as a real process: banner, routing, signals, exit codes.

On both backends (``any_app``) except the unusable SQLite file at start."""

from __future__ import annotations

import signal
import time
from typing import Callable

import pytest

from tests.conftest import App, WorkerProcess, wait_for

pytestmark = pytest.mark.timeout(90)

StartWorker = Callable[..., WorkerProcess]


def test_banner_and_cross_process_results(any_app: App, worker_process: StartWorker) -> None:
    any_app.write()
    worker = worker_process(any_app.dir, "--app", "app:queue")
    worker.wait_for_line("[taskito] Queues:")
    assert worker.lines[:3] == [
        "[taskito] Starting worker...",
        "[taskito] Registered tasks: 3",
        "[taskito] Queues: default, emails",
    ]
    module = any_app.load()
    assert module.add.delay(2, 3).result(timeout=15) == 5
    assert (
        module.send_email.delay("ann@example.com").result(timeout=15) == "sent to ann@example.com"
    )
    workers = any_app.queue.workers()
    assert [w["status"] for w in workers] == ["active"]
    assert workers[0]["pid"] == worker.proc.pid
    assert workers[0]["queues"] == "default,emails"

    worker.signal(signal.SIGINT)
    assert worker.finish() == 0
    assert worker.lines[-2:] == [
        "[taskito] Shutting down gracefully (waiting for in-flight jobs)...",
        "[taskito] Worker stopped.",
    ]
    assert worker.errors == []


def test_queues_flag_serves_only_those_queues(any_app: App, worker_process: StartWorker) -> None:
    any_app.write()
    module = any_app.load()
    waiting = module.add.delay(1, 1)  # enqueued first, on "default"
    email = module.send_email.delay("bob")
    worker = worker_process(any_app.dir, "--app", "app:queue", "--queues", "emails")
    assert email.result(timeout=15) == "sent to bob"
    assert "[taskito] Queues: emails" in worker.lines
    assert waiting.refresh().status == "pending"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_first_signal_drains_the_running_job_and_takes_no_new_one(
    any_app: App, worker_process: StartWorker, signum: int
) -> None:
    any_app.write(workers=1)
    module = any_app.load()
    running = module.block.delay("one")
    queued = module.add.delay(1, 2)
    worker = worker_process(any_app.dir, "--app", "app:queue")
    wait_for(lambda: any_app.started("one"), 15, what="the job to start")

    worker.signal(signum)
    worker.wait_for_line("[taskito] Shutting down gracefully (waiting for in-flight jobs)...")
    assert worker.proc.poll() is None  # still waiting for the in-flight job
    any_app.release("one")
    assert worker.finish() == 0
    assert running.result(timeout=1) == "one"
    assert queued.refresh().status == "pending"  # not taken after the signal
    record = any_app.queue._inner.get_job(queued.id)
    assert record is not None
    # Prefetched before the signal at most, then given back unspent and unleased.
    assert (record.retry_count, record.lease_owner) == (0, None)
    assert worker.lines[-1] == "[taskito] Worker stopped."
    assert worker.errors == []


def test_second_signal_exits_at_once(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(workers=1)
    module = any_app.load()
    module.block.delay("stuck")
    worker = worker_process(any_app.dir, "--app", "app:queue")
    wait_for(lambda: any_app.started("stuck"), 15, what="the job to start")
    worker.signal(signal.SIGINT)
    worker.wait_for_line("Shutting down gracefully")
    started = time.monotonic()
    worker.signal(signal.SIGINT)
    code = worker.finish(timeout=2)
    assert time.monotonic() - started < 2
    assert code == 1
    assert worker.lines[-1] == "[taskito] Forced exit."


def test_unknown_task_fails_its_job_and_the_worker_keeps_serving(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write()
    module = any_app.load()
    orphan = any_app.queue.enqueue("app.renamed_long_ago", max_retries=0)
    worker_process(any_app.dir, "--app", "app:queue")
    with pytest.raises(RuntimeError) as caught:
        orphan.result(timeout=15)
    assert "unknown task 'app.renamed_long_ago'" in str(caught.value)
    assert module.add.delay(20, 22).result(timeout=15) == 42


def test_unserializable_result_fails_the_job_and_the_worker_survives(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(
        """
        import threading

        @queue.task(max_retries=0)
        def make_lock():
            return threading.Lock()
        """
    )
    module = any_app.load()
    worker_process(any_app.dir, "--app", "app:queue")
    job = module.make_lock.delay()
    with pytest.raises(RuntimeError) as caught:
        job.result(timeout=15)
    assert "the result of task 'app.make_lock' could not be serialized" in str(caught.value)
    assert job.refresh().status == "dead"
    assert module.add.delay(1, 1).result(timeout=15) == 2


def test_storage_error_at_start_is_one_sentence(app: App, worker_process: StartWorker) -> None:
    app.write()
    (app.dir / "taskito.db").write_bytes(b"this is not a database, it is a text file" * 100)
    worker = worker_process(app.dir, "--app", "app:queue")
    assert worker.finish() == 1
    assert len(worker.errors) == 1, worker.errors
    assert worker.errors[0].startswith("taskito: the database cannot be used:")
    assert "Traceback" not in worker.output


@pytest.mark.parametrize(("prefetch", "held_ahead"), [("", True), (", prefetch=0", False)])
def test_prefetch_decides_whether_jobs_are_claimed_ahead_of_free_threads(
    any_app: App, worker_process: StartWorker, prefetch: str, held_ahead: bool
) -> None:
    any_app.write(workers=1, queue_options=prefetch)
    module = any_app.load()
    module.block.delay("first")
    queued = module.add.delay(1, 2)
    worker_process(any_app.dir, "--app", "app:queue")
    wait_for(lambda: any_app.started("first"), 15, what="the first job to start")
    if held_ahead:  # default prefetch: leased while the only thread is busy
        wait_for(lambda: queued.refresh().status == "running", 15, what="the prefetch")
    else:
        record = any_app.queue._inner.get_job(queued.id)
        assert record is not None and (record.status, record.attempt) == ("pending", 0)
    any_app.release("first")
    assert queued.result(timeout=15) == 3
