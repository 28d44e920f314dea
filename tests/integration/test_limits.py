"""Rate limits and circuit breakers, shared through the database by worker processes.

On both backends (``any_app``, ``any_queue``)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any, Callable

import pytest
from taskito import Queue

from tests.conftest import App, WorkerProcess, wait_for

pytestmark = pytest.mark.timeout(120)

StartWorker = Callable[..., WorkerProcess]

LIMITED_APP = """
@queue.task(rate_limit="10/s", max_retries=0)
def limited(i):
    side_effect()
    return time.time()


@queue.task()
def plain(i):
    return i
"""


def test_rate_limit_holds_across_two_worker_processes(
    any_app: App, worker_process: StartWorker, figure: Callable[[str, object], None]
) -> None:
    any_app.write(LIMITED_APP, workers=2)
    module = any_app.load()
    jobs = [module.limited.delay(i) for i in range(40)]
    plain = module.plain.delay(7)
    for _ in range(2):
        worker_process(any_app.dir, "--app", "app:queue")

    assert plain.result(timeout=30) == 7
    starts = sorted(job.result(timeout=60) for job in jobs)
    span = starts[-1] - starts[0]
    first = starts[0]
    per_second = Counter(int(t - first) for t in starts)
    figure("rate_limited_40_jobs_span_s", round(span, 2))
    figure("rate_limited_busiest_second", max(per_second.values()))
    # 40 starts one slot (100 ms) apart take 3.9 s; about 10 in any second (a start
    # may come late under load, never early).
    assert span >= 3.5, starts
    assert span < 10, f"over-throttled: 40 starts took {span:.1f} s"
    assert max(per_second.values()) <= 12, per_second
    for earlier, later in zip(starts, starts[13:]):
        assert later - earlier >= 1.0, "more than 13 starts within one second"
    # Delayed, not failed: each job ran once, no retry spent.
    effects = any_app.side_effects()
    assert sorted(e.job_id for e in effects) == sorted(job.id for job in jobs)
    assert len({e.pid for e in effects}) == 2, "both worker processes ran jobs"
    for job in jobs:
        assert (job.status, job.to_dict()["retry_count"]) == ("complete", 0)


BREAKER_APP = """
@queue.task(circuit_breaker={"threshold": 3, "window": 30, "cooldown": 2}, max_retries=0)
def flaky(i):
    side_effect()
    if not (HERE / "healthy").exists():
        raise RuntimeError("the service is down")
    return time.time()
"""


def _breaker(queue: Queue) -> dict[str, Any]:
    (breaker,) = queue.circuit_breakers()
    return breaker


def test_breaker_opens_delays_half_opens_and_closes(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(BREAKER_APP, workers=1)
    module = any_app.load()
    queue = any_app.queue
    worker_process(any_app.dir, "--app", "app:queue")

    failures = [module.flaky.delay(i) for i in range(3)]
    wait_for(lambda: all(job.refresh().status == "dead" for job in failures), 30, what="3 failures")
    wait_for(lambda: _breaker(queue)["state"] == "open", 10, what="the breaker to open")
    opened = _breaker(queue)
    assert opened["failure_count"] == 3
    assert opened["last_failure_at"] >= opened["opened_at"] > 0
    first_open = opened["opened_at"]

    # While open, a job is not run: it waits, pending, for the cooldown.
    trial = module.flaky.delay(3)
    wait_for(
        lambda: trial.to_dict()["scheduled_at"] >= first_open + 2000,
        10,
        what="the job to be delayed to the end of the cooldown",
    )
    assert (trial.status, trial.to_dict()["retry_count"]) == ("pending", 0)
    assert len(any_app.side_effects()) == 3

    # After the cooldown it is the half-open trial; it fails: open again.
    wait_for(lambda: trial.refresh().status == "dead", 30, what="the trial to fail")
    trial_run = [e for e in any_app.side_effects() if e.job_id == trial.id]
    assert len(trial_run) == 1
    wait_for(lambda: _breaker(queue)["opened_at"] > first_open, 10, what="it to open again")
    reopened = _breaker(queue)
    assert reopened["state"] == "open"
    assert reopened["opened_at"] >= first_open + 2000

    # The next trial succeeds: closed, and jobs run at once again.
    (any_app.dir / "healthy").touch()
    second = module.flaky.delay(4)
    started = second.result(timeout=30)
    # Not before the cooldown (the PostgreSQL clock is the server's: allow a little skew).
    assert started * 1000 >= reopened["opened_at"] + 2000 - 50
    assert second.to_dict()["retry_count"] == 0
    wait_for(lambda: _breaker(queue)["state"] == "closed", 10, what="the breaker to close")
    closed = _breaker(queue)
    assert closed["failure_count"] == 0
    before = time.time()
    assert module.flaky.delay(5).result(timeout=30) >= before


def test_circuit_breakers_shape(any_queue: Queue) -> None:
    @any_queue.task(circuit_breaker={})
    def guarded() -> None:
        pass

    @any_queue.task(circuit_breaker={"threshold": 2, "window": 1.5, "cooldown": 10})
    def tuned() -> None:
        pass

    @any_queue.task(rate_limit="5/m")
    def unguarded() -> None:
        pass

    breakers = any_queue.circuit_breakers()
    assert [b["task_name"] for b in breakers] == sorted([guarded.name, tuned.name])
    by_name = {b["task_name"]: b for b in breakers}
    assert by_name[guarded.name] == {
        "task_name": guarded.name,
        "state": "closed",
        "failure_count": 0,
        "last_failure_at": None,
        "opened_at": None,
        "threshold": 5,
        "window_ms": 60_000,
        "cooldown_ms": 300_000,
    }
    assert (by_name[tuned.name]["threshold"], by_name[tuned.name]["window_ms"]) == (2, 1500)
    assert asyncio.run(any_queue.acircuit_breakers()) == breakers


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"rate_limit": "10/fortnight"}, "rate_limit '10/fortnight' is not of the form"),
        ({"rate_limit": "ten/s"}, "rate_limit 'ten/s' is not of the form"),
        ({"rate_limit": "10"}, "rate_limit '10' is not of the form"),
        ({"rate_limit": "0/s"}, "between 1 and 1000000"),
        ({"rate_limit": 10}, "rate_limit must be a string"),
        ({"circuit_breaker": {"treshold": 3}}, "unknown key(s) treshold"),
        ({"circuit_breaker": {"threshold": 0}}, "threshold must be a whole number"),
        ({"circuit_breaker": {"threshold": 2.5}}, "threshold must be a whole number"),
        ({"circuit_breaker": {"window": -1}}, "window must be a number of seconds"),
        ({"circuit_breaker": {"cooldown": "5"}}, "cooldown must be a number of seconds"),
        ({"circuit_breaker": 5}, "circuit_breaker must be a dict"),
    ],
)
def test_bad_limits_raise_value_error_at_decoration(
    queue: Queue, options: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError, match="task 'bad'") as raised:

        @queue.task(name="bad", **options)
        def bad() -> None:
            pass

    assert words in str(raised.value)
    assert "bad" not in queue._task_registry


@pytest.mark.parametrize(
    ("form", "period_ms"),
    [
        ("5/s", 1_000),
        ("5/sec", 1_000),
        ("5/second", 1_000),
        ("5/m", 60_000),
        ("5/min", 60_000),
        ("5/minute", 60_000),
        ("5/h", 3_600_000),
        ("5/hr", 3_600_000),
        ("5/hour", 3_600_000),
        (" 5 / M ", 60_000),
    ],
)
def test_every_documented_rate_form_is_accepted(queue: Queue, form: str, period_ms: int) -> None:
    from taskito.limits import parse_rate_limit

    @queue.task(rate_limit=form)
    def fine() -> None:
        pass

    assert fine.name in queue._task_registry
    assert parse_rate_limit(fine.name, form) == (5, period_ms)
