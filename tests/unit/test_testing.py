"""``queue.test_mode()``: tasks run inline, results are recorded, the database is untouched."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from taskito import (
    JobFailedError,
    JsonSerializer,
    Queue,
    QueueError,
    SerializationError,
    TaskCancelledError,
    TaskMiddleware,
    TestMode,
    TestResults,
    chain,
    current_job,
)
from taskito.signing import Signer
from taskito.worker import make_run_job


def test_delay_runs_inline_and_records(queue: Queue) -> None:
    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    with queue.test_mode() as results:
        job = add.delay(1, 2)
        other = add.apply_async(args=(5,), kwargs={"b": 6}, delay=60, priority=3)
    assert isinstance(results, TestResults)
    assert job.id == "test-000001" and other.id == "test-000002"
    assert job.status == "complete" and job.result() == 3 and other.result() == 11
    assert [r.return_value for r in results] == [3, 11]
    assert results[1].args == (5,) and results[1].kwargs == {"b": 6}
    assert results[0].task_name == add.name and results[0].succeeded
    assert queue.stats()["pending"] == 0  # nothing was written
    assert job.to_dict()["status"] == "complete" and job.progress == 100


def test_failures_are_recorded_or_propagated(queue: Queue) -> None:
    @queue.task()
    def boom(x: int) -> None:
        raise ValueError(f"bad {x}")

    @queue.task()
    def ok() -> str:
        return "fine"

    with queue.test_mode() as results:
        failed = boom.delay(1)
        ok.delay()
    assert failed.status == "failed"
    assert "ValueError: bad 1" in (failed.error or "")
    with pytest.raises(JobFailedError, match="bad 1"):
        failed.result()
    assert len(results.failed) == 1 and results.failed[0].task_name == boom.name
    assert isinstance(results.failed[0].error, ValueError)
    assert [r.task_name for r in results.succeeded] == [ok.name]
    assert len(results.filter(task_name=ok.name, succeeded=True)) == 1
    assert results.filter(task_name=boom.name, succeeded=True) == []

    with pytest.raises(ValueError, match="bad 2"), queue.test_mode(propagate_errors=True):
        boom.delay(2)


def test_map_and_enqueue_many_run_inline(queue: Queue) -> None:
    @queue.task()
    def square(x: int) -> int:
        return x * x

    with queue.test_mode() as results:
        jobs = square.map([(1,), (2,), (3,)])
        more = queue.enqueue_many(square.name, [(4,)], [None])
    assert [j.result() for j in jobs] == [1, 4, 9] and more[0].result() == 16
    assert len(results) == 4
    assert queue.stats()["pending"] == 0


def test_hooks_middleware_and_current_job(queue: Queue) -> None:
    calls: list[Any] = []

    class Recorder(TaskMiddleware):
        def before(self, ctx: Any) -> None:
            calls.append(("mw.before", ctx.id))

        def after(self, ctx: Any, result: Any, error: BaseException | None) -> None:
            calls.append(("mw.after", result))

    queue.registry.add_middleware(Recorder())

    @queue.before_task
    def before(name: str, args: Any, kwargs: Any) -> None:
        calls.append(("before_task", args))

    @queue.task(queue="emails")
    def work(n: int) -> str:
        current_job.update_progress(50)
        current_job.check_cancelled()  # never raises in test mode
        calls.append(("task", current_job.id, current_job.queue_name, current_job.retry_count))
        return f"done {n}"

    with queue.test_mode() as results:
        job = work.delay(7)
    assert calls == [
        ("mw.before", "test-000001"),
        ("before_task", (7,)),
        ("task", "test-000001", "emails", 0),
        ("mw.after", "done 7"),
    ]
    assert job.progress == 50 and results[0].progress == 50
    assert not current_job.active  # cleared after the run


def test_enqueue_is_restored_and_blocks_do_not_nest(queue: Queue) -> None:
    @queue.task()
    def noop() -> None:
        return None

    mode = queue.test_mode()
    assert isinstance(mode, TestMode)
    with mode:
        with pytest.raises(QueueError, match="cannot be nested"), queue.test_mode():
            pass
        noop.delay()
    job = noop.delay()  # a real enqueue again
    assert job.status == "pending" and queue.stats()["pending"] == 1

    with queue.test_mode(), pytest.raises(QueueError, match="unknown task 'nope'"):
        queue.enqueue("nope")


def test_dependencies_and_received_results(queue: Queue) -> None:
    """The canvas enqueues with ``depends_on`` and ``_receive``; test mode honours both."""

    @queue.task()
    def one() -> int:
        return 1

    @queue.task()
    def inc(x: int) -> int:
        return x + 1

    @queue.task()
    def total(values: list[int]) -> int:
        return sum(values)

    @queue.task()
    def fail() -> None:
        raise RuntimeError("no")

    with queue.test_mode() as results:
        a = one.delay()
        b = queue.enqueue(inc.name, depends_on=a.id, _receive="one")
        c = queue.enqueue(total.name, depends_on=[a.id, b.id], _receive="all")
        bad = fail.delay()
        skipped = queue.enqueue(inc.name, args=(1,), depends_on=[bad.id])
    assert b.result() == 2 and c.result() == 3
    assert skipped.status == "cancelled" and bad.id in (skipped.error or "")
    assert len(results.failed) == 2


def test_canvas_runs_inline_in_test_mode(queue: Queue) -> None:
    from taskito import chain, chord, chunks, group, starmap

    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    @queue.task()
    def total(values: list[int], extra: int = 0) -> int:
        return sum(values) + extra

    @queue.task()
    def fail(x: int) -> None:
        raise ValueError(f"bad {x}")

    with queue.test_mode() as results:
        last = chain(add.s(1, 2), add.s(10), add.s(100)).apply()
        grouped = group(add.s(1, 1), add.s(2, 2)).apply()
        callback = chord(group(add.s(1, 1), add.s(2, 2)), total.s(extra=1)).apply()
        pieces = chunks(total, [1, 2, 3], 2).apply()
        pairs = starmap(add, [(1, 2), (3, 4)]).apply()
        broken = chain(add.s(1, 1), fail.s(), add.s(5)).apply()
    assert last.result() == 113
    assert [g.result() for g in grouped] == [2, 4]
    assert callback.result() == 7
    assert [p.result() for p in pieces] == [3, 3]
    assert [p.result() for p in pairs] == [3, 7]
    assert broken.status == "cancelled"
    assert [r.task_name for r in results.failed] == [fail.name, add.name]
    assert queue.stats()["pending"] == 0  # nothing reached the database


# -- test mode runs jobs through the worker's runner --------------------------------------


def test_an_argument_that_cannot_be_serialized_fails_the_enqueue_as_outside(queue: Queue) -> None:
    @queue.task()
    def use(lock: Any) -> None:
        return None

    with pytest.raises(SerializationError, match="cannot serialize the arguments") as real:
        use.delay(threading.Lock())
    with queue.test_mode() as results, pytest.raises(SerializationError) as inline:
        use.delay(threading.Lock())
    assert str(inline.value) == str(real.value)
    assert list(results) == []  # nothing ran


def test_a_result_that_cannot_be_serialized_fails_the_job_as_in_a_worker(queue: Queue) -> None:
    @queue.task(name="t.lock")
    def lock() -> Any:
        return threading.Lock()

    stored = queue._inner.get_job(lock.delay().id)
    assert stored is not None
    _, worker_error = make_run_job(queue)(stored)
    with queue.test_mode() as results:
        job = lock.delay()
    assert job.status == "failed" and job.error == worker_error
    assert worker_error == (
        "the result of task 't.lock' could not be serialized: cannot pickle '_thread.lock' object"
    )
    assert isinstance(results[0].error, SerializationError)
    assert results[0].retry_count == 0  # a failure for good: never retried
    with pytest.raises(SerializationError), queue.test_mode(propagate_errors=True):
        lock.delay()


def test_arguments_and_results_are_copies_through_the_serializer(tmp_path: Path) -> None:
    queue = Queue(db_path=str(tmp_path / "q.db"), serializer=JsonSerializer())
    seen: list[Any] = []

    @queue.task()
    def echo(value: Any) -> Any:
        seen.append(value)
        return (value, "x")

    given = {"items": (1, 2)}
    with queue.test_mode() as results:
        job = echo.delay(given)
    assert seen == [{"items": [1, 2]}]  # JSON has no tuples, as in a worker
    assert job.result() == [{"items": [1, 2]}, "x"] and results[0].return_value == job.result()
    assert results[0].args == (given,)  # what the caller passed


def test_a_signing_key_signs_and_checks_payloads_and_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    for method in ("seal_payload", "open_payload", "seal_result", "open_result"):
        original = getattr(Signer, method)

        def spy(self: Signer, key: str, data: bytes, _m: Any = original, _n: str = method) -> Any:
            calls.append(_n)
            return _m(self, key, data)

        monkeypatch.setattr(Signer, method, spy)
    queue = Queue(db_path=str(tmp_path / "q.db"), signing_key=b"k1")

    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    @queue.task()
    def double(x: int) -> int:
        return 2 * x

    with queue.test_mode():
        assert chain(add.s(2, 3), double.s()).apply().result() == 10
    # Each step: payload sealed at enqueue and opened by the runner, result sealed by
    # the runner and opened to record it; the second step also opens the first's result.
    assert calls == [
        *("seal_payload", "open_payload", "seal_result", "open_result"),
        *("seal_payload", "open_payload", "open_result", "seal_result", "open_result"),
    ]


def test_retries_follow_the_worker_rules(queue: Queue) -> None:
    log: list[str] = []

    class Recorder(TaskMiddleware):
        def on_retry(self, ctx: Any, error: BaseException, retry_count: int) -> None:
            log.append(f"on_retry {retry_count}")

    queue.registry.add_middleware(Recorder())

    @queue.task(max_retries=3)
    def flaky() -> str:
        log.append(f"run {current_job.retry_count} attempt {current_job.attempt}")
        if current_job.retry_count < 2:
            raise ConnectionError("try again")
        return "ok"

    @queue.task(max_retries=3, dont_retry_on=[KeyError])
    def hopeless() -> None:
        log.append("hopeless")
        raise KeyError("no")

    @queue.task()
    def always() -> None:
        raise ValueError("never works")

    with queue.test_mode() as results:
        first = flaky.delay()
        second = hopeless.delay()
        third = always.apply_async(max_retries=1)
    assert first.result() == "ok" and results[0].retry_count == 2
    assert log[:5] == [
        "run 0 attempt 1",
        "on_retry 1",
        "run 1 attempt 2",
        "on_retry 2",
        "run 2 attempt 3",
    ]
    assert [e["attempt"] for e in first.errors] == [0, 1]
    assert "ConnectionError: try again" in first.errors[0]["error"]
    assert log[5:] == ["hopeless", "on_retry 1"] and second.status == "failed"
    assert results[1].retry_count == 0 and len(second.errors) == 1
    assert third.status == "failed" and results[2].retry_count == 1
    assert third.to_dict()["retry_count"] == 1 and third.to_dict()["max_retries"] == 1


def test_the_retry_rule_is_the_engines(queue: Queue) -> None:
    from taskito.outcomes import (
        OUTCOME_CANCELLED,
        OUTCOME_FAIL,
        OUTCOME_RETRY,
        OUTCOME_SUCCESS,
        next_state,
    )

    assert next_state(OUTCOME_SUCCESS, 5, 0) == "complete"
    assert next_state(OUTCOME_RETRY, 0, 1) == "retry"
    assert next_state(OUTCOME_RETRY, 1, 1) == "dead"
    assert next_state(OUTCOME_FAIL, 0, 3) == "dead"
    assert next_state(OUTCOME_CANCELLED, 0, 3) == "cancelled"
    # It is the engine's decide_outcome itself: a retry comes with the backoff's delay
    # (1 s base, exponential, jittered), which only the engine computes.
    from taskito import _native

    state, delay_ms = _native.next_state(OUTCOME_RETRY, 2, 5, backoff_ms=1000)
    assert state == "retry" and 0 < delay_ms <= 60_000
    assert _native.next_state(OUTCOME_RETRY, 5, 5) == ("dead", 0)


def test_cancelled_and_options_checked_as_outside(queue: Queue) -> None:
    @queue.task()
    def stop() -> None:
        raise TaskCancelledError("asked to stop")

    with queue.test_mode() as results:
        job = stop.delay()
        with pytest.raises(QueueError, match="delay must be"):
            stop.apply_async(delay=-1)
    assert job.status == "cancelled" and results[0].cancelled and results[0].retry_count == 0
