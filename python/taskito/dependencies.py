"""Jobs that wait for other jobs (``depends_on``), and results flowing along them.

A job enqueued with ``depends_on`` stays ``pending`` but is not claimed until every
dependency is ``complete``; a dependency that dies, fails (expires) or is cancelled
cancels it, and its own dependents after it. The canvas (:mod:`taskito.canvas`) builds
chains and chords on this, with ``_receive``: the job's arguments are then completed on
the worker, right before the call, with its dependencies' results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable

from taskito.errors import QueueError

if TYPE_CHECKING:
    from taskito._native import NativeQueue
    from taskito.codec import PayloadCodec

ResultsOf = Callable[[Sequence[str]], list[Any]]
"""Reads the results of completed jobs, in the order of the ids given; raises when a job
is missing, not complete, or its result cannot be read."""

#: ``_receive`` modes: prepend the last dependency's result (unless it is None), or the
#: list of every dependency's result in ``depends_on`` order.
RECEIVE_MODES = ("one", "all")


def dependency_ids(depends_on: str | Sequence[str] | None) -> list[str]:
    """``depends_on`` as a list of ids (a single id may be given as a string)."""
    if depends_on is None:
        return []
    if isinstance(depends_on, str):
        return [depends_on]
    if not isinstance(depends_on, Sequence) or isinstance(depends_on, bytes):
        raise QueueError(
            f"depends_on must be a job id or a list of job ids, not {type(depends_on).__name__}"
        )
    ids = []
    for item in depends_on:
        job_id = getattr(item, "id", item)  # a JobResult stands for its id
        if not isinstance(job_id, str) or not job_id:
            raise QueueError(f"depends_on must hold job ids (strings), got {item!r}")
        ids.append(job_id)
    return ids


def receive_spec(receive: str | None, ids: list[str]) -> dict[str, Any] | None:
    """What the worker reads before the call, stored with the arguments; checks ``_receive``."""
    if receive is None:
        return None
    if receive not in RECEIVE_MODES:
        raise QueueError(f"_receive must be None, 'one' or 'all', got {receive!r}")
    if not ids:
        raise QueueError("_receive needs depends_on")
    return {"receive": receive, "from": ids[-1:] if receive == "one" else list(ids)}


def received_args(spec: Any, results_of: ResultsOf) -> tuple[Any, ...]:
    """The arguments to prepend for ``spec`` (stored with the payload by
    :func:`receive_spec`), from the dependencies' results read by ``results_of``."""
    if not isinstance(spec, dict) or spec.get("receive") not in RECEIVE_MODES:
        raise ValueError(f"unknown dependency-result spec {spec!r}")
    return prepended(spec["receive"], results_of(spec["from"]))


class StoredResults:
    """:data:`ResultsOf` over the store: each result is checked against the signing keys
    and decoded with the queue's serializer, as ``JobResult.result()`` does."""

    def __init__(self, native: NativeQueue, codec: PayloadCodec) -> None:
        self._native = native
        self._codec = codec

    def __call__(self, job_ids: Sequence[str]) -> list[Any]:
        values = []
        for job_id in job_ids:
            record = self._native.get_job(job_id)
            if record is None:
                raise ValueError(f"dependency {job_id} no longer exists (purged?)")
            if record.status != "complete":
                raise ValueError(f"dependency {job_id} is {record.status}, not complete")
            values.append(self._codec.decode_result(job_id, record.task_name, record.result))
        return values


def prepended(mode: str, values: list[Any]) -> tuple[Any, ...]:
    """What a canvas step receives from its dependencies' results ``values``:
    ``"all"``: the list; ``"one"``: the result (the last dependency's), unless None."""
    if mode == "all":
        return (values,)
    if values and values[-1] is not None:
        return (values[-1],)
    return ()


__all__ = [
    "RECEIVE_MODES",
    "ResultsOf",
    "StoredResults",
    "dependency_ids",
    "prepended",
    "receive_spec",
    "received_args",
]
