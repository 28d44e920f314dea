"""A whole canvas is stored in one transaction, on SQLite and PostgreSQL.

Enqueued step by step, a chain whose first step dies at once made ``apply()`` raise
``DependencyError`` when the worker killed step 1 before the later steps were stored.
"""

from __future__ import annotations

from typing import Callable

import pytest
from taskito import JobResult, Queue, Signature, chain, chord, group

from tests.conftest import App, WorkerProcess, WorkerThread, wait_for

pytestmark = pytest.mark.timeout(120)

StartWorker = Callable[..., WorkerProcess]

TASKS = """
@queue.task(max_retries=0)
def explode(*args):
    raise RuntimeError("boom")


@queue.task()
def collect(*args):
    return list(args)
"""

STEPS = 150


def ended(result: JobResult) -> Callable[[], bool]:
    return lambda: result.refresh().status in ("dead", "cancelled", "complete", "failed")


def test_a_chain_whose_first_step_dies_at_once_is_applied_whole(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    worker_process(any_app.dir, "--app", "app:queue")
    first = app.explode.delay()
    wait_for(ended(first), 30, what="the worker to run a job")
    for _ in range(3):
        last = chain(app.explode.s(), *(app.collect.s(i) for i in range(STEPS))).apply()
        wait_for(ended(last), 30, what="the chain to end")
        assert last.refresh().status == "cancelled"
        ids = [last.id]
        while deps := any_app.queue.get_job(ids[-1]).dependencies:  # type: ignore[union-attr]
            ids.append(deps[-1])
        assert len(ids) == STEPS + 1, "every step was stored"
        assert any_app.queue.get_job(ids[-1]).status == "dead"  # type: ignore[union-attr]
        statuses = {any_app.queue.get_job(i).status for i in ids[:-1]}  # type: ignore[union-attr]
        assert statuses == {"cancelled"}


def test_a_chord_whose_group_dies_at_once_is_applied_whole(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    worker_process(any_app.dir, "--app", "app:queue")
    wait_for(ended(app.explode.delay()), 30, what="the worker to run a job")
    header = group(*(app.explode.s() for _ in range(STEPS)))
    callback = chord(header, app.collect.s("tail")).apply()
    assert len(callback.dependencies) == STEPS
    wait_for(ended(callback), 30, what="the callback to be cancelled")
    assert callback.refresh().status == "cancelled"


def test_a_chain_still_passes_results_along(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(TASKS)
    app = any_app.load()
    outside = app.collect.delay("x")
    last = chain(
        Signature(app.collect, (1,), {}, {"depends_on": outside.id, "priority": 3}),
        app.collect.s(2),
        app.collect.si(3),
        app.collect.s(4),
    ).apply()
    steps = [last.id]
    while deps := any_app.queue.get_job(steps[-1]).dependencies:  # type: ignore[union-attr]
        steps.append(deps[-1])
    assert steps[-1] == outside.id and len(steps) == 5
    worker_process(any_app.dir, "--app", "app:queue")
    assert last.result(timeout=30) == [[3], 4]
    first = any_app.queue.get_job(steps[-2])
    assert first is not None and first.result(timeout=30) == [["x"], 1]
    assert first.to_dict()["priority"] == 3  # the signature's options reach the graph


def test_purged_jobs_take_their_dependency_edges(
    any_queue: Queue, start_worker: Callable[..., WorkerThread]
) -> None:
    @any_queue.task(name="edges.echo")
    def echo(*args: object) -> list[object]:
        return list(args)

    last = chain(echo.s(1), echo.s(2), echo.s(3)).apply()
    start_worker(any_queue)
    assert last.result(timeout=30) == [[[1], 2], 3]
    middle = last.dependencies[0]
    assert last.dependencies and any_queue.get_job(middle).dependents == [last.id]  # type: ignore[union-attr]
    purged: list[int] = []

    def all_purged() -> bool:
        purged.append(any_queue.purge_completed(older_than=0))
        return sum(purged) == 3

    wait_for(all_purged, 10, what="the three steps to be purged")
    inner = any_queue._inner
    assert inner.job_dependencies(last.id) == [] and inner.job_dependents(middle) == []
