"""``@queue.task``, TaskWrapper and enqueue options, without a worker."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from taskito import JobResult, Queue, QueueError, SerializationError, TaskWrapper


def outer_task(x: int) -> int:
    """Doubles x."""
    return x * 2


def test_default_name_repr_call_and_wrapping(queue: Queue) -> None:
    wrapper = queue.task()(outer_task)
    assert isinstance(wrapper, TaskWrapper)
    assert wrapper.name == f"{__name__}.outer_task"
    assert repr(wrapper) == f"<TaskWrapper '{__name__}.outer_task'>"
    assert wrapper(21) == 42  # runs directly, nothing enqueued
    assert queue.stats()["pending"] == 0
    assert wrapper.__doc__ == "Doubles x."
    assert wrapper.__wrapped__ is outer_task  # type: ignore[attr-defined]
    assert wrapper.name in queue._task_registry


def test_bare_decorator_and_nested_names(queue: Queue) -> None:
    @queue.task
    def inner() -> None:
        pass

    assert isinstance(inner, TaskWrapper)
    assert inner.name.endswith("test_bare_decorator_and_nested_names.<locals>.inner")

    @queue.task(name="custom.name")
    def named() -> None:
        pass

    assert named.name == "custom.name"
    assert [c.name for c in queue.registry.configs()] == [inner.name, "custom.name"]


def test_queue_defaults_apply_to_options_left_as_none(tmp_path: Path) -> None:
    queue = Queue(
        db_path=str(tmp_path / "q.db"), default_retry=7, default_timeout=12, default_priority=4
    )

    @queue.task()
    def plain() -> None:
        pass

    @queue.task(max_retries=1, timeout=2.5, priority=9, queue="emails")
    def tuned() -> None:
        pass

    record = queue._inner.get_job(plain.delay().id)
    assert record is not None
    assert (record.max_retries, record.timeout_ms, record.priority, record.queue) == (
        7,
        12_000,
        4,
        "default",
    )
    record = queue._inner.get_job(tuned.delay().id)
    assert record is not None
    assert (record.max_retries, record.timeout_ms, record.priority, record.queue) == (
        1,
        2_500,
        9,
        "emails",
    )
    # apply_async options beat the task's; enqueue by name uses the task's options too.
    overridden = tuned.apply_async(priority=1, queue="bulk", max_retries=0, timeout=1)
    record = queue._inner.get_job(overridden.id)
    assert record is not None
    assert (record.max_retries, record.timeout_ms, record.priority, record.queue) == (
        0,
        1_000,
        1,
        "bulk",
    )
    record = queue._inner.get_job(queue.enqueue(tuned.name).id)
    assert record is not None and record.queue == "emails"


def test_delay_metadata_expiry_and_unique_key_reach_the_job(queue: Queue) -> None:
    @queue.task()
    def t() -> None:
        pass

    job = t.apply_async(delay=60, metadata={"user": 5}, expires=120, unique_key="k1", result_ttl=30)
    record = queue._inner.get_job(job.id)
    assert record is not None
    assert 59_000 <= record.scheduled_at - record.created_at <= 61_000
    assert record.expires_at is not None
    assert 119_000 <= record.expires_at - record.created_at <= 121_000
    assert json.loads(record.metadata or "") == {"user": 5}
    assert record.unique_key == "k1"
    assert record.result_ttl_ms == 30_000
    raw = queue.enqueue(t.name, metadata='{"a": [1]}')
    assert raw.to_dict()["metadata"] == '{"a": [1]}'


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"retry_backoff": -1}, "retry_backoff"),
        ({"soft_timeout": 0}, "soft_timeout"),
        ({"retry_on": [ValueError, "oops"]}, "retry_on"),
        ({"queue": ""}, "queue"),
        ({"middleware": [object()]}, "middleware"),
    ],
)
def test_bad_task_options_raise_queue_error(
    queue: Queue, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueueError, match=message):
        queue.task(**kwargs)(outer_task)


def test_options_of_later_features_are_not_silently_accepted(queue: Queue) -> None:
    for option in ("depends_on",):
        with pytest.raises(TypeError):
            queue.task(**{option: "x"})(outer_task)  # type: ignore[call-overload]


def test_bad_enqueue_arguments(queue: Queue) -> None:
    task = queue.task()(outer_task)
    with pytest.raises(QueueError, match="delay"):
        task.apply_async(delay=-1)
    with pytest.raises(QueueError, match="metadata"):
        task.apply_async(metadata="{not json")
    with pytest.raises(QueueError, match="args"):
        queue.enqueue(task.name, args="abc")
    with pytest.raises(QueueError, match="item 1 is an int"):
        task.map([(1,), 2])  # type: ignore[list-item]
    with pytest.raises(QueueError, match="pair up"):
        queue.enqueue_many(task.name, [(1,), (2,)], kwargs_list=[{}])
    assert queue.stats()["pending"] == 0


def test_unpicklable_argument_raises_and_stores_nothing(queue: Queue) -> None:
    @queue.task(name="tasks.send")
    def send(lock: Any) -> None:
        pass

    with pytest.raises(SerializationError) as caught:
        send.delay(threading.Lock())
    assert str(caught.value) == (
        "cannot serialize the arguments of task 'tasks.send': cannot pickle '_thread.lock' object"
    )
    assert isinstance(caught.value.__cause__, TypeError)
    with pytest.raises(SerializationError):
        send.map([(1,), (threading.Lock(),)])  # the good first item is not stored either
    assert queue.list_jobs() == []
    assert sum(queue.stats().values()) == 0


def test_map_creates_one_job_per_tuple(queue: Queue) -> None:
    task = queue.task()(outer_task)
    results = task.map([(i,) for i in range(1000)])
    assert len(results) == 1000
    assert all(isinstance(r, JobResult) for r in results)
    assert len({r.id for r in results}) == 1000
    assert queue.stats()["pending"] == 1000
    assert task.map([]) == []


def test_inspection_basics(queue: Queue) -> None:
    task = queue.task()(outer_task)
    job = task.delay(1)
    assert set(queue.stats()) == {"pending", "running", "completed", "failed", "dead", "cancelled"}
    assert list(job.to_dict()) == [
        "id",
        "queue",
        "task_name",
        "status",
        "priority",
        "progress",
        "retry_count",
        "max_retries",
        "created_at",
        "scheduled_at",
        "started_at",
        "completed_at",
        "error",
        "timeout_ms",
        "unique_key",
        "metadata",
    ]
    assert repr(job) == f"<JobResult id={job.id} status=pending>"
    assert [j.id for j in queue.list_jobs(status="pending")] == [job.id]
    assert queue.list_jobs(status="completed") == []
    assert [j.id for j in queue.list_jobs(task_name=task.name, queue="default")] == [job.id]
    with pytest.raises(QueueError, match="invalid status 'done'"):
        queue.list_jobs(status="done")
    assert queue.get_job("no-such-id") is None
    fetched = queue.get_job(job.id)
    assert fetched is not None and fetched.status == "pending"
    assert queue.job_errors(job.id) == []
    assert queue.workers() == []


def test_queue_constructor_validates(tmp_path: Path) -> None:
    with pytest.raises(QueueError, match="workers"):
        Queue(db_path=str(tmp_path / "a.db"), workers=-1)
    with pytest.raises(QueueError, match="serializer"):
        Queue(db_path=str(tmp_path / "a.db"), serializer=object())  # type: ignore[arg-type]
    nested = tmp_path / "deep" / "er" / "q.db"
    queue = Queue(db_path=str(nested))
    assert nested.parent.is_dir()
    assert queue._periodic_configs == []
