"""``taskito._native.JobSpec``: the one shape in which jobs cross into the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from taskito import Queue
from taskito._native import JobSpec


def test_defaults_are_those_of_a_stored_job() -> None:
    spec = JobSpec("t", b"p")
    assert (spec.queue, spec.priority, spec.delay_ms) == ("default", 0, 0)
    assert (spec.max_retries, spec.backoff_ms, spec.timeout_ms) == (3, 1_000, 300_000)
    assert spec.unique_key is None and spec.id is None and spec.depends_on == []


def test_replace_changes_only_what_it_is_given() -> None:
    base = JobSpec("t", b"", queue="q", priority=5, result_ttl_ms=60_000)
    copy = base.replace(payload=b"x", delay_ms=250, unique_key="k", depends_on=["a"])
    assert (copy.payload, copy.delay_ms, copy.unique_key, copy.depends_on) == (
        b"x",
        250,
        "k",
        ["a"],
    )
    assert (copy.task_name, copy.queue, copy.priority, copy.result_ttl_ms) == ("t", "q", 5, 60_000)
    assert base.payload == b"" and base.unique_key is None, "the original is unchanged"
    with pytest.raises(AttributeError):
        base.queue = "other"  # type: ignore[misc]


def test_one_spec_repeated_once_per_payload(tmp_path: Path) -> None:
    native = Queue(db_path=str(tmp_path / "q.db"))._inner
    ids = native.enqueue([JobSpec("t", b"", priority=2)], [b"a", b"b", b"c"])
    jobs = [native.get_job(job_id) for job_id in ids]
    assert [job.priority for job in jobs if job is not None] == [2, 2, 2]
    assert len(set(ids)) == 3
    assert [job.payload for job in jobs if job is not None] == [b"a", b"b", b"c"]
    with pytest.raises(ValueError, match="repeats exactly one spec"):
        native.enqueue([JobSpec("a", b""), JobSpec("b", b"")], [b"x"])
    assert native.enqueue([JobSpec("t", b"")], []) == []


def test_the_engine_clamps_what_python_hands_over(tmp_path: Path) -> None:
    queue = Queue(db_path=str(tmp_path / "q.db"))
    native = queue._inner
    ids = native.enqueue(
        [JobSpec("t", b"p", delay_ms=-10, max_retries=-2, backoff_ms=-1, timeout_ms=0)]
    )
    job = native.get_job(ids[0])
    assert job is not None
    assert job.scheduled_at == job.created_at
    assert (job.max_retries, job.timeout_ms) == (0, 1)
    assert native.enqueue([]) == []


def test_a_batch_dependency_on_an_earlier_spec_links_to_it(tmp_path: Path) -> None:
    queue = Queue(db_path=str(tmp_path / "q.db"))
    native = queue._inner
    first = JobSpec("a", b"", id="first-step")
    second = JobSpec("b", b"", depends_on=["first-step"])
    ids = native.enqueue([first, second])
    assert ids[0] == "first-step"
    assert native.job_dependencies(ids[1]) == ["first-step"]


def test_batch_payloads_are_each_calls_payload(tmp_path: Path) -> None:
    queue = Queue(db_path=str(tmp_path / "q.db"))
    enqueuer = queue.enqueuer
    args: list[Any] = [(1,), [2, "x"], ("a", {"k": 1})]
    kwargs: list[dict[str, Any] | None] = [None, {"v": 3}, None]
    batch = enqueuer.payloads("t", args, kwargs)
    assert batch == [enqueuer.payload("t", a, k) for a, k in zip(args, kwargs)]
    enqueuer.max_payload_bytes = 40
    with pytest.raises(ValueError, match="max_payload_bytes"):
        enqueuer.payloads("t", [("y" * 100,)], [None])
    with pytest.raises(ValueError, match="must be a tuple or list"):
        enqueuer.payloads("t", ["not args"], [None])
