"""Dependencies and the canvas with real worker processes, on SQLite and PostgreSQL.

A job with ``depends_on`` waits for its dependencies; one that cannot complete cancels
its dependents, transitively; chains and chords proceed on the workers, so the client
that applied them may be gone.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Callable

import pytest
from taskito import (
    DependencyError,
    JobResult,
    JsonSerializer,
    chain,
    chord,
    chunks,
    group,
    starmap,
)
from taskito.errors import TaskCancelledError

from tests.conftest import App, Backend, WorkerProcess, WorkerThread, subprocess_env, wait_for

pytestmark = pytest.mark.timeout(120)

StartWorker = Callable[..., WorkerProcess]

TASKS = """
@queue.task()
def mul(a, b):
    return a * b


@queue.task()
def nothing(*args):
    return None


@queue.task()
def collect(*args):
    return list(args)


@queue.task(max_retries=0)
def explode(*args):
    raise RuntimeError("boom")
"""


def status_is(result: JobResult, status: str) -> Callable[[], bool]:
    return lambda: result.refresh().status == status


def test_a_job_waits_for_its_dependency(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    first = app.block.delay("one")
    waiting = app.add.apply_async((1, 2), depends_on=first.id)
    assert waiting.dependencies == [first.id]
    assert first.dependents == [waiting.id]
    worker_process(any_app.dir, "--app", "app:queue")
    wait_for(lambda: any_app.started("one"), 30, what="the dependency to start")
    # A job enqueued after the waiting one runs: the worker claims past it.
    assert app.add.delay(5, 5).result(timeout=30) == 10
    assert waiting.refresh().status == "pending"
    any_app.release("one")
    assert waiting.result(timeout=30) == 3
    assert first.refresh().status == "complete"


def test_impossible_dependencies_are_refused_and_store_nothing(any_app: App) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    queue = any_app.queue
    with pytest.raises(DependencyError, match="no-such-job does not exist") as raised:
        app.add.apply_async((1, 2), depends_on=["no-such-job"])
    assert isinstance(raised.value, RuntimeError)  # as API.md says
    cancelled = app.add.delay(1, 1)
    assert queue.cancel_job(cancelled.id)
    ok = app.add.delay(2, 2)
    with pytest.raises(DependencyError, match=f"{cancelled.id} is cancelled"):
        queue.enqueue("add", (1, 2), depends_on=[ok.id, cancelled.id])
    assert len(queue.list_jobs()) == 2
    assert ok.dependents == []
    with pytest.raises(ValueError, match="depends_on must"):
        app.add.apply_async((1, 2), depends_on=42)


def test_a_death_cancels_three_levels_of_dependents(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    root = app.explode.delay()
    other = app.block.delay("other")
    mid = app.add.apply_async((1, 1), depends_on=root.id)
    leaf = app.add.apply_async((2, 2), depends_on=[mid.id])
    wide = app.add.apply_async((3, 3), depends_on=[other.id, mid.id])
    worker_process(any_app.dir, "--app", "app:queue")
    wait_for(status_is(root, "dead"), 30, what="the root to die")
    for job, parent in [(mid, root), (leaf, mid), (wide, mid)]:
        assert job.refresh().status == "cancelled"
        assert f"dependency {parent.id}" in (job.error or "")
    with pytest.raises(TaskCancelledError):
        leaf.result(timeout=5)
    with pytest.raises(DependencyError, match="is dead"):
        app.add.apply_async((1, 2), depends_on=root.id)
    any_app.release("other")
    assert other.result(timeout=30) == "other"


def test_cancel_job_cascades(any_app: App) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    root = app.add.delay(1, 1)
    mid = app.add.apply_async((1, 1), depends_on=root.id)
    leaf = app.add.apply_async((1, 1), depends_on=mid.id)
    assert any_app.queue.cancel_job(root.id)
    assert [j.refresh().status for j in (root, mid, leaf)] == ["cancelled"] * 3
    assert root.id in (mid.error or "") and mid.id in (leaf.error or "")


def test_a_chain_completes_with_the_client_gone(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(TASKS)
    script = (
        "import app\n"
        "from taskito import chain\n"
        "r = chain(app.add.s(1, 2), app.add.s(10), app.mul.s(2)).apply()\n"
        "print(r.id)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=any_app.dir,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    last = JobResult(any_app.queue, done.stdout.strip())
    assert len(any_app.queue.list_jobs()) == 3
    assert last.refresh().status == "pending"
    worker_process(any_app.dir, "--app", "app:queue")
    assert last.result(timeout=30) == ((1 + 2) + 10) * 2


def test_chain_quirks_and_failure(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    worker_process(any_app.dir, "--app", "app:queue")
    # A None result is not passed on; an immutable step ignores the previous result.
    assert chain(app.nothing.s(), app.collect.s(1)).apply().result(timeout=30) == [1]
    assert chain(app.add.s(1, 2), app.collect.si("x")).apply().result(timeout=30) == ["x"]
    failing = chain(app.add.s(1, 2), app.explode.s(), app.add.s(1)).apply()
    with pytest.raises(TaskCancelledError, match="dependency"):
        failing.result(timeout=30)


def test_chord_and_groups(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    callback = chord(group(*(app.mul.s(i, 10) for i in range(5))), app.collect.s("tail")).apply()
    assert callback.refresh().status == "pending"
    assert len(callback.dependencies) == 5
    worker_process(any_app.dir, "--app", "app:queue")
    assert callback.result(timeout=30) == [[0, 10, 20, 30, 40], "tail"]
    results = starmap(app.add, [(1, 2), (3, 4)]).apply()
    assert [r.result(timeout=30) for r in results] == [3, 7]
    sized = chunks(app.collect, range(5), 2).apply()
    assert [r.result(timeout=30) for r in sized] == [[[0, 1]], [[2, 3]], [[4]]]
    waves = group(*(app.add.s(i, i) for i in range(5)), max_concurrency=2).apply()
    assert [r.result(timeout=30) for r in waves] == [0, 2, 4, 6, 8]
    empty = chord(group(), app.collect.s()).apply()
    assert empty.result(timeout=30) == [[]]


def test_results_flow_through_the_serializer_and_signing_keys(
    any_backend: Backend, start_worker: Callable[..., WorkerThread]
) -> None:
    queue = any_backend.queue(workers=2, serializer=JsonSerializer(), signing_key="k1")

    @queue.task(name="flow.pair")
    def pair(*args: object) -> list[object]:
        return list(args)

    last = chain(pair.s(1), pair.s(2)).apply()
    callback = chord(group(pair.s("a"), pair.s("b")), pair.s("end")).apply()
    start_worker(queue)
    assert last.result(timeout=30) == [[1], 2]
    assert callback.result(timeout=30) == [[["a"], ["b"]], "end"]
