"""``Queue(db_path=":memory:")``: one database in this process's memory per queue,
shared by its producers and the worker it runs in a thread (issue 12)."""

from __future__ import annotations

import os
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from taskito import JobResult, Queue, QueueError

from tests.conftest import run_taskito, wait_for

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def memory_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Queue]:
    # In an empty working directory, to see that nothing is written next to it.
    monkeypatch.chdir(tmp_path)
    queue = Queue(db_path=":memory:", workers=4)
    yield queue
    queue.close()
    assert os.listdir(tmp_path) == [], "a memory queue wrote files"


def _start_worker(queue: Queue) -> threading.Thread:
    worker = threading.Thread(target=queue.run_worker, daemon=True)
    worker.start()
    return worker


def _stop_worker(queue: Queue, worker: threading.Thread) -> None:
    queue.shutdown()
    worker.join(30)
    assert not worker.is_alive(), "the worker did not stop"


def test_a_worker_thread_runs_every_job_enqueued_from_four_threads(
    memory_queue: Queue, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    queue = memory_queue

    @queue.task()
    def square(x: int) -> int:
        return x * x

    worker = _start_worker(queue)
    jobs: list[list[JobResult]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def produce(n: int) -> None:
        try:
            for i in range(100):
                jobs[n].append(square.delay(n * 100 + i))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    producing = threading.Event()

    def inspect() -> None:
        # A dashboard's reads, on the same tables, while producers and the worker write.
        try:
            while producing.is_set():
                queue.stats()
                queue.list_jobs(limit=20)
                queue.queue_depths()
        except BaseException as exc:
            errors.append(exc)

    producing.set()
    producers = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
    inspector = threading.Thread(target=inspect)
    for p in [*producers, inspector]:
        p.start()
    for p in producers:
        p.join(60)
    producing.clear()
    inspector.join(60)
    try:
        assert errors == []
        every = [job for batch in jobs for job in batch]
        assert len(every) == 400
        # Result polling (readers) while the worker claims and finishes (the writer).
        assert [job.result(timeout=60) for job in every[::40]] == [(i * 40) ** 2 for i in range(10)]
        wait_for(lambda: queue.stats()["completed"] == 400, 60, what="400 complete jobs")
        assert {job.refresh().status for job in every} == {"complete"}
        assert sorted(job.result(timeout=5) for job in every) == sorted(i * i for i in range(400))
    finally:
        _stop_worker(queue, worker)
    assert queue.stats()["completed"] == 400
    out, err = capfd.readouterr()
    for text in (out, err, caplog.text):
        assert "locked" not in text.lower(), text


def test_two_memory_queues_never_share(memory_queue: Queue) -> None:
    other = Queue(db_path=":memory:")
    try:

        @memory_queue.task()
        def noop() -> None:
            return None

        job = noop.delay()
        assert memory_queue.get_job(job.id) is not None
        assert other.get_job(job.id) is None
        assert other.stats()["pending"] == 0
        assert memory_queue.stats()["pending"] == 1
    finally:
        other.close()


def test_test_mode_and_inspection(memory_queue: Queue) -> None:
    queue = memory_queue

    @queue.task(max_retries=0)
    def fail(x: int) -> int:
        raise ValueError(f"bad {x}")

    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    with queue.test_mode() as results:
        assert add.delay(1, 2).result() == 3
    assert len(results) == 1 and queue.stats()["pending"] == 0

    pending = add.delay(2, 3)
    failing = fail.delay(7)
    assert {j.id for j in queue.list_jobs(status="pending")} == {pending.id, failing.id}
    assert queue.queue_depths() == [{"queue": "default", "pending": 2, "running": 0}]
    worker = _start_worker(queue)
    try:
        assert pending.result(timeout=30) == 5
        wait_for(lambda: failing.refresh().status == "dead", 30, what="the failure")
        assert any("bad 7" in (e["error"] or "") for e in queue.job_errors(failing.id))
        assert queue.dead_letters() != []
        wait_for(lambda: queue.workers(), 10, what="the worker's row")
    finally:
        _stop_worker(queue, worker)
    assert queue.get_job(pending.id).status == "complete"  # type: ignore[union-attr]


def test_uris_and_empty_paths_are_refused_and_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for path in ["file:x.db", "file::memory:?cache=shared", ""]:
        with pytest.raises(QueueError, match="use a file path"):
            Queue(db_path=path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["worker", "info"])
def test_taskito_commands_refuse_a_memory_queue_in_one_sentence(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """\
            from taskito import Queue

            queue = Queue(db_path=":memory:")


            @queue.task()
            def noop():
                return None
            """
        )
    )
    done = run_taskito(command, "--app", "app:queue", cwd=tmp_path)
    assert done.returncode == 1, done
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "an in-memory database lives inside one process" in lines[0]
    assert f"give the queue a file path to run `taskito {command}`" in lines[0]
    assert sorted(os.listdir(tmp_path)) in (["app.py"], ["__pycache__", "app.py"])
