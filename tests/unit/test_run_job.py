"""The job callback the engine calls: outcomes, hooks, middleware and context.

Jobs are real stored records (enqueued, then read back); no worker runs.
"""

from __future__ import annotations

import pickle
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from taskito import (
    JsonSerializer,
    Queue,
    TaskCancelledError,
    TaskMiddleware,
    current_job,
)
from taskito._native import (
    OUTCOME_CANCELLED,
    OUTCOME_FAIL,
    OUTCOME_RETRY,
    OUTCOME_SUCCESS,
    JobRecord,
)
from taskito.context import JobContext
from taskito.signing import MAGIC, Signer
from taskito.worker import HardTimeout, _async_raise, make_run_job, resolve_queues


def record(queue: Queue, task_name: str, *args: Any, **options: Any) -> JobRecord:
    job = queue.enqueue(task_name, args=args, **options)
    stored = queue._inner.get_job(job.id)
    assert stored is not None
    return stored


def test_success_returns_serialized_result_and_sets_context(queue: Queue) -> None:
    seen: list[tuple[str, str, int, str]] = []

    @queue.task(queue="emails")
    def greet(name: str) -> str:
        seen.append(
            (current_job.id, current_job.task_name, current_job.retry_count, current_job.queue_name)
        )
        return f"hi {name}"

    job = record(queue, greet.name, "ann")
    code, value = make_run_job(queue)(job)
    assert code == OUTCOME_SUCCESS
    assert isinstance(value, bytes) and queue.codec.serializer.loads(value) == "hi ann"
    assert seen == [(job.id, greet.name, 0, "emails")]
    assert not current_job.active  # cleared afterwards


def test_none_result_is_sent_as_none(queue: Queue) -> None:
    @queue.task()
    def nothing() -> None:
        return None

    assert make_run_job(queue)(record(queue, nothing.name)) == (OUTCOME_SUCCESS, None)


def test_unknown_task_is_retryable_and_names_the_task(queue: Queue) -> None:
    code, value = make_run_job(queue)(record(queue, "nope.missing"))
    assert code == OUTCOME_RETRY
    assert value == (
        "unknown task 'nope.missing': no task with this name is registered in this worker"
    )


def test_payload_that_does_not_deserialize_fails(tmp_path: Path) -> None:
    writer = Queue(db_path=str(tmp_path / "q.db"), serializer=JsonSerializer())
    reader = Queue(db_path=str(tmp_path / "q.db"))  # cloudpickle cannot read JSON

    @reader.task(name="t.echo")
    def echo(x: int) -> int:
        return x

    job = record(writer, "t.echo", 1)
    code, value = make_run_job(reader)(job)
    assert code == OUTCOME_FAIL
    assert str(value).startswith(
        f"could not deserialize the arguments of job {job.id} (task 't.echo'): "
    )


def test_json_arguments_arrive_as_a_tuple_of_args(tmp_path: Path) -> None:
    queue = Queue(db_path=str(tmp_path / "q.db"), serializer=JsonSerializer())

    @queue.task()
    def pair(a: int, b: list[int], *, c: str) -> dict[str, Any]:
        return {"a": a, "b": b, "c": c}

    job = queue.enqueue(pair.name, args=(1, [2, 3]), kwargs={"c": "x"})
    stored = queue._inner.get_job(job.id)
    assert stored is not None
    assert stored.payload == b'[[1,[2,3]],{"c":"x"}]'
    code, value = make_run_job(queue)(stored)
    assert (code, value) == (OUTCOME_SUCCESS, b'{"a":1,"b":[2,3],"c":"x"}')


class Boom(Exception):
    pass


class Fatal(Boom):
    pass


@pytest.mark.parametrize(
    "retry_on, dont_retry_on, raised, expected",
    [
        (None, None, Boom, OUTCOME_RETRY),
        ([ConnectionError], None, Boom, OUTCOME_FAIL),  # non-empty retry_on: only those
        ([ConnectionError], None, ConnectionError, OUTCOME_RETRY),
        (None, [Fatal], Fatal, OUTCOME_FAIL),
        (None, [Fatal], Boom, OUTCOME_RETRY),
        ([Boom], [Fatal], Fatal, OUTCOME_FAIL),  # dont_retry_on is checked first
    ],
)
def test_retry_filters(
    queue: Queue,
    retry_on: list[type[BaseException]] | None,
    dont_retry_on: list[type[BaseException]] | None,
    raised: type[BaseException],
    expected: int,
) -> None:
    @queue.task(retry_on=retry_on, dont_retry_on=dont_retry_on)
    def fails() -> None:
        raise raised("bad thing")

    code, value = make_run_job(queue)(record(queue, fails.name))
    assert code == expected
    text = str(value)
    assert text.startswith("Traceback (most recent call last):")
    assert f"{raised.__name__}: bad thing" in text
    assert "taskito/worker.py" not in text  # our own frames are trimmed


def test_sys_exit_in_a_task_fails_the_job_not_the_worker(queue: Queue) -> None:
    @queue.task()
    def quits() -> None:
        sys.exit(3)

    code, value = make_run_job(queue)(record(queue, quits.name))
    assert code == OUTCOME_RETRY
    assert "SystemExit: 3" in str(value)


def test_cancelled_error_cancels(queue: Queue) -> None:
    @queue.task()
    def stops() -> None:
        raise TaskCancelledError("user asked")

    assert make_run_job(queue)(record(queue, stops.name)) == (OUTCOME_CANCELLED, "user asked")


def test_unserializable_result_fails_with_a_clear_message(queue: Queue) -> None:
    @queue.task(name="t.lock")
    def lock() -> Any:
        return threading.Lock()

    code, value = make_run_job(queue)(record(queue, "t.lock"))
    assert code == OUTCOME_FAIL
    assert value == (
        "the result of task 't.lock' could not be serialized: cannot pickle '_thread.lock' object"
    )


def test_coroutine_tasks_are_awaited(queue: Queue) -> None:
    @queue.task()
    async def coro(x: int) -> int:
        return x + 1

    code, value = make_run_job(queue)(record(queue, coro.name, 1))
    assert code == OUTCOME_SUCCESS and value is not None
    assert isinstance(value, bytes) and queue.codec.serializer.loads(value) == 2


class Recorder(TaskMiddleware):
    def __init__(self, log: list[str], tag: str, explode: bool = False) -> None:
        self.log, self.tag, self.explode = log, tag, explode

    def before(self, ctx: JobContext) -> None:
        self.log.append(f"{self.tag}.before:{ctx.task_name}")
        if self.explode:
            raise RuntimeError("middleware bug")

    def after(self, ctx: JobContext, result: Any, error: BaseException | None) -> None:
        self.log.append(f"{self.tag}.after:{result}:{type(error).__name__}")
        if self.explode:
            raise RuntimeError("middleware bug")

    def on_retry(self, ctx: JobContext, error: BaseException, retry_count: int) -> None:
        self.log.append(f"{self.tag}.on_retry:{type(error).__name__}:{retry_count}")


def test_hooks_and_middleware_run_in_order_on_success(tmp_path: Path) -> None:
    log: list[str] = []
    queue = Queue(db_path=str(tmp_path / "q.db"), middleware=[Recorder(log, "global")])

    queue.before_task(lambda name, args, kwargs: log.append(f"before_task:{args}"))
    queue.on_success(lambda name, args, kwargs, result: log.append(f"on_success:{result}"))
    queue.on_failure(lambda name, args, kwargs, exc: log.append("on_failure"))
    queue.after_task(lambda name, args, kwargs, result, error: log.append(f"after_task:{error}"))

    @queue.task(name="t.ok", middleware=[Recorder(log, "task")])
    def ok(x: int) -> int:
        log.append("task")
        return x

    assert make_run_job(queue)(record(queue, "t.ok", 5))[0] == OUTCOME_SUCCESS
    assert log == [
        "global.before:t.ok",
        "task.before:t.ok",
        "before_task:(5,)",
        "task",
        "on_success:5",
        "after_task:None",
        "global.after:5:NoneType",
        "task.after:5:NoneType",
    ]


def test_failure_hooks_on_retry_and_swallowed_middleware_errors(
    queue: Queue, caplog: pytest.LogCaptureFixture
) -> None:
    log: list[str] = []
    queue.registry.add_middleware(Recorder(log, "mw", explode=True))
    queue.on_failure(lambda name, args, kwargs, exc: log.append(f"on_failure:{exc}"))

    @queue.task(name="t.fail")
    def fail() -> None:
        raise Boom("x")

    run_job = make_run_job(queue)
    code, _ = run_job(record(queue, "t.fail", max_retries=2))
    assert code == OUTCOME_RETRY
    assert log == [
        "mw.before:t.fail",
        "on_failure:x",
        "mw.on_retry:Boom:1",  # within the attempt, before `after`
        "mw.after:None:Boom",
    ]
    assert "middleware Recorder.before raised" in caplog.text
    log.clear()
    code, _ = run_job(record(queue, "t.fail", max_retries=0))  # no retry left: no on_retry
    assert code == OUTCOME_RETRY
    assert not any("on_retry" in entry for entry in log)


def test_a_raising_hook_fails_the_task(queue: Queue) -> None:
    @queue.before_task
    def refuse(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        raise PermissionError("not today")

    ran: list[bool] = []

    @queue.task()
    def never() -> None:
        ran.append(True)

    code, value = make_run_job(queue)(record(queue, never.name))
    assert code == OUTCOME_RETRY
    assert "PermissionError: not today" in str(value)
    assert ran == []


def test_soft_timeout_is_visible_to_the_task(queue: Queue) -> None:
    @queue.task(soft_timeout=0.001)
    def slow() -> None:
        import time

        deadline = time.monotonic() + 0.005
        while time.monotonic() < deadline:
            pass
        current_job.check_timeout()

    code, value = make_run_job(queue)(record(queue, slow.name))
    assert code == OUTCOME_RETRY and "SoftTimeoutError" in str(value)


def test_resolve_queues(queue: Queue) -> None:
    assert resolve_queues(queue.registry, None) == ["default"]
    queue.task(queue="emails")(lambda: None)
    queue.task(name="x", queue="default")(lambda: None)
    queue.task(name="y", queue="emails")(lambda: None)
    assert resolve_queues(queue.registry, None) == ["default", "emails"]
    assert resolve_queues(queue.registry, ["b", "a", "b"]) == ["b", "a"]


# -- signed payloads ----------------------------------------------------------------------


class Canary:
    """A serializer that records every call: a refused payload must never reach it."""

    def __init__(self) -> None:
        self.loads_calls = 0
        self.inner = JsonSerializer()

    def dumps(self, obj: Any) -> bytes:
        return self.inner.dumps(obj)

    def loads(self, data: bytes) -> Any:
        self.loads_calls += 1
        return self.inner.loads(data)


def test_signed_payload_runs_and_its_result_is_signed(tmp_path: Path) -> None:
    queue = Queue(db_path=str(tmp_path / "q.db"), signing_key=b"k1")

    @queue.task(name="t.add")
    def add(a: int, b: int) -> int:
        return a + b

    job = record(queue, "t.add", 2, 3)
    assert job.payload.startswith(MAGIC)
    code, value = make_run_job(queue)(job)
    assert code == OUTCOME_SUCCESS and isinstance(value, bytes)
    assert value.startswith(MAGIC)
    assert queue.codec.serializer.loads(Signer(b"k1").open_result(job.id, value)) == 5


@pytest.mark.parametrize("kind", ["tampered", "unsigned", "other key"])
def test_bad_payloads_are_refused_before_deserializing(tmp_path: Path, kind: str) -> None:
    db = str(tmp_path / "q.db")
    canary = Canary()
    queue = Queue(db_path=db, signing_key=b"k1", serializer=canary)
    ran: list[int] = []

    @queue.task(name="t.f")
    def f(x: int) -> None:
        ran.append(x)

    writer = {
        "tampered": queue,
        "unsigned": Queue(db_path=db, serializer=canary),
        "other key": Queue(db_path=db, signing_key=b"k2", serializer=canary),
    }[kind]
    job = record(writer, "t.f", 1)
    if kind == "tampered":
        flipped = bytearray(job.payload)
        flipped[-2] ^= 0x01
        job = FakeRecord(job, payload=bytes(flipped))  # type: ignore[assignment]
    code, value = make_run_job(queue)(job)
    assert code == OUTCOME_FAIL
    reason = (
        "it is not signed, and this queue accepts only signed data"
        if kind == "unsigned"
        else "its signature does not match; it was tampered with or signed with another key"
    )
    assert value == f"refused the payload of job {job.id} (task 't.f'): {reason}"
    assert canary.loads_calls == 0 and ran == []


class FakeRecord:
    """A stored record with some fields replaced."""

    def __init__(self, job: JobRecord, **changes: Any) -> None:
        self._job, self._changes = job, changes

    def __getattr__(self, name: str) -> Any:
        return self._changes[name] if name in self._changes else getattr(self._job, name)


# -- hard-timeout interrupts --------------------------------------------------------------


def test_interrupt_stops_a_task_looping_in_python_and_frees_its_thread(queue: Queue) -> None:
    started = threading.Event()
    ran_after: list[str] = []

    @queue.task(name="t.spin")
    def spin() -> None:
        started.set()
        while True:
            pass

    @queue.task(name="t.next")
    def next_job() -> str:
        ran_after.append(current_job.id)
        return "ok"

    runner = make_run_job(queue)
    job = record(queue, "t.spin")
    follow = record(queue, "t.next")
    outcomes: list[Any] = []

    def thread_body() -> None:
        outcomes.append(runner(job))
        outcomes.append(runner(follow))  # the same thread takes the next job

    thread = threading.Thread(target=thread_body, daemon=True)
    thread.start()
    assert started.wait(10)
    runner.interrupt("no-such-job")  # unknown ids are ignored
    runner.interrupt(job.id)
    runner.interrupt(job.id)  # a second call for the same job does nothing more
    thread.join(10)
    assert not thread.is_alive()
    code, text = outcomes[0]
    assert code == OUTCOME_RETRY
    assert "HardTimeout: the job ran past its hard timeout and was interrupted" in str(text)
    assert outcomes[1][0] == OUTCOME_SUCCESS and ran_after == [follow.id]
    assert runner._threads == {} and runner._interrupted == set()


def test_a_finished_job_is_not_interrupted(queue: Queue) -> None:
    @queue.task(name="t.quick")
    def quick() -> int:
        return 1

    runner = make_run_job(queue)
    job = record(queue, "t.quick")
    assert runner(job)[0] == OUTCOME_SUCCESS
    runner.interrupt(job.id)  # too late: nothing is running it
    assert runner(record(queue, "t.quick"))[0] == OUTCOME_SUCCESS


def test_a_pending_interrupt_is_dropped_before_the_next_job() -> None:
    # The primitive behind JobRunner._forget: an exception set for a thread that is
    # inside a C call is dropped by setting None, so it never reaches later code.
    blocked, release = threading.Event(), threading.Event()
    seen: list[str] = []

    def body() -> None:
        try:
            blocked.set()
            release.wait()  # a C-level wait: an async exception waits for its return
            for _ in range(1000):
                pass
            seen.append("no exception")
        except HardTimeout:
            seen.append("interrupted")

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    assert blocked.wait(10)
    assert thread.ident is not None
    assert _async_raise(thread.ident, HardTimeout) == 1
    assert _async_raise(thread.ident, None) == 1
    release.set()
    thread.join(10)
    assert seen == ["no exception"]


class MarkerPickle:
    """Unpickling this creates a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("setup", ["no key (negative control)", "json", "signed"])
def test_a_pickle_written_to_the_database_runs_only_without_protection(
    tmp_path: Path, setup: str
) -> None:
    marker = tmp_path / "pwned"
    choices: dict[str, dict[str, Any]] = {
        "no key (negative control)": {},
        "json": {"serializer": JsonSerializer()},
        "signed": {"signing_key": b"k"},
    }
    options = choices[setup]
    queue = Queue(db_path=str(tmp_path / "q.db"), **options)

    @queue.task(name="t.f")
    def f() -> None:
        pass

    job = FakeRecord(record(queue, "t.f"), payload=pickle.dumps(MarkerPickle(marker)))
    code, _ = make_run_job(queue)(job)
    assert code == OUTCOME_FAIL
    # Without protection the canary fires: this test would see a real attack.
    assert marker.exists() == (setup == "no key (negative control)")
