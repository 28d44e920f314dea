"""Job logs and task metrics through a real worker process, on SQLite and on
PostgreSQL (``any_app``): lines written with ``current_job.log`` are read back by
``task_logs`` and filtered by ``query_logs``; ``metrics`` counts successes and failures
and reports durations of tasks that sleep a known time."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable

import pytest
from taskito import current_job
from taskito.context import JobContext

from tests.conftest import App, WorkerProcess, wait_for

pytestmark = pytest.mark.timeout(90)

StartWorker = Callable[..., WorkerProcess]

WORKER = ("--app", "app:queue")

TASKS = """
@queue.task()
def chatty(n):
    current_job.log("starting", extra={"n": n, "quote": "it's \\"fine\\""})
    current_job.log("careful", level="warning")
    current_job.log("details", level="debug")
    return n


@queue.task()
def quiet():
    current_job.log("other task")


@queue.task()
def misuse():
    refused = []
    for call in (
        lambda: current_job.log("x", level="loud"),
        lambda: current_job.log("x", extra={"when": object()}),
        lambda: current_job.log("x", extra=[1, 2]),
        lambda: current_job.log(42),
    ):
        try:
            call()
        except (TypeError, ValueError) as exc:
            refused.append(f"{type(exc).__name__}: {exc}")
    return refused


@queue.task(max_retries=0)
def nap(fail=False):
    time.sleep(0.02)
    if fail:
        raise RuntimeError("planned failure")
    return "rested"
"""


def test_logs_written_by_a_task_are_read_back_and_filtered(
    any_app: App, worker_process: StartWorker
) -> None:
    module = any_app.write(TASKS).load()
    queue = module.queue
    worker_process(any_app.dir, *WORKER)
    before_ms = int(time.time() * 1000) - 5_000
    first = module.chatty.delay(1)
    assert first.result(timeout=20) == 1
    second = module.chatty.delay(2)
    assert second.result(timeout=20) == 2
    other = module.quiet.delay()
    assert other.result(timeout=20) is None

    logs = queue.task_logs(first.id)
    assert [(row["level"], row["message"]) for row in logs] == [
        ("info", "starting"),
        ("warning", "careful"),
        ("debug", "details"),
    ]
    assert json.loads(logs[0]["extra"]) == {"n": 1, "quote": 'it\'s "fine"'}
    assert logs[1]["extra"] is None
    assert {row["job_id"] for row in logs} == {first.id}
    assert {row["task_name"] for row in logs} == {"app.chatty"}
    assert all(row["logged_at"] >= before_ms for row in logs)
    assert set(logs[0]) == {"id", "job_id", "task_name", "level", "message", "extra", "logged_at"}
    assert logs[0]["id"] < logs[1]["id"] < logs[2]["id"]
    assert queue.task_logs("no-such-job") == []

    chatty = queue.query_logs(task_name="app.chatty")
    assert len(chatty) == 6
    assert [row["job_id"] for row in chatty[:3]] == [second.id] * 3, "newest first"
    warnings = queue.query_logs(level="warning")
    assert [(row["job_id"], row["message"]) for row in warnings] == [
        (second.id, "careful"),
        (first.id, "careful"),
    ]
    assert [row["message"] for row in queue.query_logs(task_name="app.quiet")] == ["other task"]
    assert len(queue.query_logs(limit=2)) == 2
    assert len(queue.query_logs()) == 7

    # A job's lines go when the job is purged; the others stay. A purge takes jobs
    # finished before the current millisecond, and the last job may have finished
    # within it: purge until all three went.
    purged = [0]

    def all_three_purged() -> bool:
        purged[0] += queue.purge_completed(older_than=0)
        return purged[0] >= 3

    wait_for(all_three_purged, 5, what="the three finished jobs purged")
    assert purged[0] == 3
    assert queue.task_logs(first.id) == []
    assert queue.query_logs() == []


def test_log_refuses_bad_input_in_one_sentence_and_the_job_still_runs(
    any_app: App, worker_process: StartWorker
) -> None:
    module = any_app.write(TASKS).load()
    worker_process(any_app.dir, *WORKER)
    refused = module.misuse.delay().result(timeout=20)
    assert refused[0].startswith("ValueError: log level must be one of debug, info, warning")
    assert refused[1].startswith("TypeError: log extra must be JSON-serializable")
    assert refused[2] == "TypeError: log extra must be a dict or None, not list"
    assert refused[3] == "TypeError: log message must be a str, not int"
    assert module.queue.query_logs(task_name="app.misuse") == []


def test_metrics_count_outcomes_and_time_attempts(
    any_app: App, worker_process: StartWorker
) -> None:
    module = any_app.write(TASKS).load()
    queue = module.queue
    worker_process(any_app.dir, *WORKER)
    jobs = [module.nap.delay() for _ in range(6)] + [module.nap.delay(True) for _ in range(2)]
    for job in jobs:
        wait_for(lambda: job.refresh().status in ("complete", "dead"), 20)  # noqa: B023
    assert [job.status for job in jobs] == ["complete"] * 6 + ["dead"] * 2
    assert module.add.delay(1, 2).result(timeout=20) == 3

    def settled() -> dict[str, dict[str, Any]]:
        figures = queue.metrics()
        naps = figures.get("app.nap", {})
        adds = figures.get("app.add", {})
        return figures if naps.get("count") == 8 and adds.get("count") == 1 else {}

    figures = wait_for(settled, 20, what="the worker's metrics")
    nap = figures["app.nap"]
    assert set(nap) == {
        "count",
        "success_count",
        "failure_count",
        "avg_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "min_ms",
        "max_ms",
    }
    assert (nap["success_count"], nap["failure_count"]) == (6, 2)
    assert 20 <= nap["min_ms"] <= nap["p50_ms"] <= nap["p95_ms"] <= nap["p99_ms"] <= nap["max_ms"]
    assert nap["min_ms"] <= nap["avg_ms"] <= nap["max_ms"]
    assert figures["app.add"]["success_count"] == 1
    assert figures["app.add"]["max_ms"] < nap["min_ms"]

    only = queue.metrics(task_name="app.nap")
    assert list(only) == ["app.nap"] and only["app.nap"]["count"] == 8
    assert queue.metrics(task_name="app.unknown") == {}
    assert asyncio.run(queue.ametrics("app.nap", 3600)) == only

    # Nothing ran since: a short window soon holds nothing, a long one still all.
    wait_for(lambda: queue.metrics(since=0.5) == {}, 10, what="an empty short window")
    assert queue.metrics(since=3600)["app.nap"]["count"] == 8


def test_bad_arguments_are_one_sentence(any_app: App) -> None:
    queue = any_app.write(TASKS).queue
    with pytest.raises(ValueError, match=r"^log level must be one of debug, info, warning, error"):
        queue.query_logs(level="loud")
    with pytest.raises(ValueError, match=r"^limit must be an int >= 1, got 0$"):
        queue.query_logs(limit=0)
    with pytest.raises(ValueError, match=r"^since must be a number of seconds >= 0, got -1$"):
        queue.metrics(since=-1)
    with pytest.raises(ValueError, match=r"^task_name must be a str or None, not int$"):
        queue.metrics(task_name=3)  # type: ignore[arg-type]


def test_current_job_outside_a_worker_says_so() -> None:
    with pytest.raises(RuntimeError, match="only available inside a task"):
        current_job.log("nobody is listening")
    context = JobContext()
    context._set_context("job-1", "t", 0, "default")  # a context with no queue behind it
    with pytest.raises(RuntimeError, match=r"current_job\.log\(\) needs the job to be run"):
        context.log("hello")
    with pytest.raises(ValueError, match="log level must be one of"):
        context.log("hello", level="loud")
