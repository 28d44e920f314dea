"""Signatures and canvas shapes, and what they store, without a worker."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from taskito import (
    DependencyError,
    Queue,
    QueueError,
    SerializationError,
    Signature,
    chain,
    chord,
    chunks,
    group,
    starmap,
)


def test_signatures_are_frozen_and_carry_the_call(queue: Queue) -> None:
    @queue.task()
    def add(a: int, b: int = 0) -> int:
        return a + b

    sig = add.s(1, b=2)
    assert (sig.task, sig.args, sig.kwargs, sig.options, sig.immutable) == (
        add,
        (1,),
        {"b": 2},
        {},
        False,
    )
    assert add.si(1).immutable
    with pytest.raises(dataclasses.FrozenInstanceError):
        sig.args = (3,)  # type: ignore[misc]
    job = Signature(add, (4,), {}, {"priority": 7}).apply()
    assert (job.refresh().status, job.to_dict()["priority"]) == ("pending", 7)


def test_a_chain_is_stored_at_once_each_step_after_the_previous(queue: Queue) -> None:
    @queue.task()
    def step(*args: int) -> int:
        return sum(args)

    last = chain(step.s(1), step.s(2), step.si(3)).apply()
    jobs = {j.id: j for j in queue.list_jobs()}
    assert len(jobs) == 3 and all(j.status == "pending" for j in jobs.values())
    second = last.dependencies
    assert len(second) == 1
    first = jobs[second[0]].dependencies
    assert len(first) == 1 and jobs[first[0]].dependencies == []
    assert jobs[first[0]].dependents == second


def test_a_chord_callback_waits_for_the_whole_group(queue: Queue) -> None:
    @queue.task()
    def one(x: int) -> int:
        return x

    members = group(one.s(1), one.s(2))
    callback = chord(members, one.s()).apply()
    assert len(callback.dependencies) == 2
    assert len(queue.list_jobs()) == 3
    assert [len(g) for g in (chunks(one, range(5), 2), starmap(one, [(1,), (2,)]))] == [3, 2]
    assert len(group([one.s(1), one.s(2)])) == 2


def test_bad_shapes_are_one_sentence(queue: Queue) -> None:
    @queue.task()
    def one(x: int) -> int:
        return x

    with pytest.raises(QueueError, match="at least one"):
        chain()
    with pytest.raises(QueueError, match="takes signatures"):
        chain(one.s(1), one)  # type: ignore[arg-type]
    with pytest.raises(QueueError, match="max_concurrency"):
        group(one.s(1), max_concurrency=0)
    with pytest.raises(QueueError, match="chunk size"):
        chunks(one, [1, 2], 0)
    with pytest.raises(QueueError, match="callback must be a signature"):
        chord(group(one.s(1)), one)  # type: ignore[arg-type]
    with pytest.raises(QueueError, match="_receive"):
        queue.enqueue(one.name, (1,), _receive="some")
    with pytest.raises(QueueError, match="needs depends_on"):
        queue.enqueue(one.name, (1,), _receive="one")
    assert queue.list_jobs() == []


def test_a_chain_that_cannot_be_stored_stores_nothing(queue: Queue) -> None:
    @queue.task()
    def one(x: object) -> object:
        return x

    with pytest.raises(SerializationError):
        chain(one.s(1), one.s(threading.Lock())).apply()
    assert queue.list_jobs() == [], "every step is built before anything is stored"
    dead = queue.enqueue(one.name, (1,))
    queue.cancel_job(dead.id)
    with pytest.raises(DependencyError, match=dead.id):
        chain(one.s(1), Signature(one, (2,), {}, {"depends_on": dead.id})).apply()
    assert [j.id for j in queue.list_jobs()] == [dead.id], "the whole chain is refused"


def test_a_step_with_its_own_dependencies_receives_the_previous_step(queue: Queue) -> None:
    @queue.task()
    def one(x: int = 0) -> int:
        return x

    other = one.delay(5)
    extra = Signature(one, (), {}, {"depends_on": other.id})
    last = chain(one.s(1), extra).apply()
    deps = last.dependencies
    assert deps[0] == other.id and len(deps) == 2
    record = queue._inner.get_job(last.id)
    assert record is not None
    spec = queue.codec.serializer.loads(record.payload)[2]
    assert spec == {"receive": "one", "from": [deps[1]]}
