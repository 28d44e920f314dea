"""Canvas: signatures and the workflows built from them (chain, group, chord...).

Unlike the original taskito, ``chain(...).apply()`` and ``chord(...).apply()`` return at
once: every step is enqueued up front, each waiting for the previous one through job
dependencies (``depends_on``), and the workers move the workflow on. The client may exit
right after ``apply()``. Results still flow: a step receives the previous step's result
as its first argument (unless its signature is immutable, or the result is None), and a
chord's callback receives the list of the group's results, in group order.

A chain, or a chord's group and callback, is stored in ONE transaction (the queue's
``submitter.enqueue_graph``, see :mod:`taskito.graph`): a worker cannot end a step
before the steps after it are stored. In test mode the submitter is test mode's, which
runs workflows inline.

:class:`Signature` is defined in :mod:`taskito.task` (``task.s()`` makes one) and
re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from taskito.errors import QueueError
from taskito.task import Signature, TaskQueue, TaskWrapper

if TYPE_CHECKING:
    from taskito.result import JobResult

#: How long ``group(max_concurrency=...)`` waits for each job of a wave, as the original.
WAVE_TIMEOUT_S = 300.0


def _signatures(items: Iterable[Any], kind: str) -> list[Signature]:
    sigs = list(items)
    for sig in sigs:
        if not isinstance(sig, Signature):
            raise QueueError(
                f"{kind} takes signatures (task.s(...) or task.si(...)), got {type(sig).__name__}"
            )
    return sigs


def _one_queue(sigs: Sequence[Signature], queue: TaskQueue | None) -> TaskQueue | None:
    """The queue every signature goes to, or None when they go to several."""
    if queue is not None:
        return queue
    first = sigs[0].task.queue
    return first if all(sig.task.queue is first for sig in sigs) else None


def _cancel_all(
    sigs: Sequence[Signature], queue: TaskQueue | None, results: list[JobResult]
) -> None:
    """Undo a workflow whose enqueue failed half-way: its steps must not run alone.

    ``results[i]`` was enqueued from ``sigs[i]``, on ``queue`` or else the task's own.
    """
    for sig, result in zip(sigs, results):
        target = queue if queue is not None else sig.task.queue
        try:
            target.cancel_job(result.id)
        except Exception:  # already gone or running: nothing more to undo
            pass


class chain:
    """Steps run one after the other; each receives the previous result first.

    ``apply()`` enqueues every step at once (step n+1 depends on step n) and returns
    the last step's :class:`JobResult` without waiting. If a step fails for good, the
    steps after it are cancelled.
    """

    def __init__(self, *sigs: Signature) -> None:
        self.sigs = _signatures(sigs, "chain")
        if not self.sigs:
            raise QueueError("chain needs at least one signature")

    def apply(self, queue: TaskQueue | None = None) -> JobResult:
        """Enqueue the whole chain; returns the last step's result handle at once.

        Every step is stored in one transaction (when all go to one queue).
        """
        target = _one_queue(self.sigs, queue)
        if target is not None:
            steps = [sig._step([i - 1] if i else [], "one") for i, sig in enumerate(self.sigs)]
            return target.submitter.enqueue_graph(steps)[-1]
        done: list[JobResult] = []
        try:
            for sig in self.sigs:
                after = [done[-1].id] if done else []
                done.append(sig._enqueue(queue, after, "one"))
        except BaseException:
            _cancel_all(self.sigs, queue, done)
            raise
        return done[-1]

    def __repr__(self) -> str:
        return f"chain({', '.join(map(repr, self.sigs))})"


class group:
    """Signatures run in parallel.

    ``apply()`` enqueues them all and returns their :class:`JobResult` list at once.
    With ``max_concurrency=k`` it enqueues them in waves of k and waits for each wave
    to finish (up to 300 s per job) before the next, on the client, as the original.
    """

    def __init__(self, *sigs: Signature | Iterable[Signature], max_concurrency: int | None = None):
        items: Iterable[Any] = sigs
        if len(sigs) == 1 and not isinstance(sigs[0], Signature):
            items = sigs[0]  # group([sig, sig]) as well as group(sig, sig)
        self.sigs = _signatures(items, "group")
        if max_concurrency is not None and (
            not isinstance(max_concurrency, int) or max_concurrency < 1
        ):
            raise QueueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
        self.max_concurrency = max_concurrency

    def apply(self, queue: TaskQueue | None = None) -> list[JobResult]:
        """Enqueue every signature; returns their result handles in order."""
        size = self.max_concurrency or len(self.sigs) or 1
        results: list[JobResult] = []
        for start in range(0, len(self.sigs), size):
            if start:
                for previous in results[start - size : start]:
                    try:
                        previous.result(timeout=WAVE_TIMEOUT_S)
                    except Exception:  # a failed job does not stop the group
                        pass
            results.extend(sig._enqueue(queue) for sig in self.sigs[start : start + size])
        return results

    def __len__(self) -> int:
        return len(self.sigs)

    def __repr__(self) -> str:
        return f"group({', '.join(map(repr, self.sigs))})"


class chord:
    """A group, then a callback that receives the list of the group's results.

    ``apply()`` enqueues the group and the callback (which depends on every group job)
    and returns the callback's :class:`JobResult` at once. If a group job fails for
    good, the callback is cancelled.
    """

    def __init__(self, header: group | Iterable[Signature], callback: Signature) -> None:
        self.group = header if isinstance(header, group) else group(*header)
        if not isinstance(callback, Signature):
            raise QueueError(f"chord's callback must be a signature, got {type(callback).__name__}")
        self.callback = callback

    def apply(self, queue: TaskQueue | None = None) -> JobResult:
        """Enqueue the group and the callback; returns the callback's result handle.

        The group and the callback are stored in one transaction (when they all go to
        one queue and the group has no ``max_concurrency``).
        """
        sigs = [*self.group.sigs, self.callback]
        target = _one_queue(sigs, queue)
        if target is not None and self.group.sigs and self.group.max_concurrency is None:
            size = len(self.group.sigs)
            steps = [sig._step() for sig in self.group.sigs]
            steps.append(self.callback._step(range(size), "all"))
            return target.submitter.enqueue_graph(steps)[-1]
        results = self.group.apply(queue)
        ids = [r.id for r in results]
        if ids:
            try:
                return self.callback._enqueue(queue, ids, "all")
            except BaseException:
                _cancel_all(self.group.sigs, queue, results)
                raise
        cb = self.callback
        args = cb.args if cb.immutable else ([], *cb.args)
        return Signature(cb.task, tuple(args), cb.kwargs, cb.options, True).apply(queue)

    def __repr__(self) -> str:
        return f"chord({self.group!r}, {self.callback!r})"


def chunks(task: TaskWrapper, items: Iterable[Any], n: int) -> group:
    """A group of ``task.s(chunk)`` for each list of ``n`` consecutive items."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise QueueError(f"chunks needs a chunk size n >= 1, got {n!r}")
    values = list(items)
    return group(*(task.s(values[i : i + n]) for i in range(0, len(values), n)))


def starmap(task: TaskWrapper, arg_tuples: Iterable[Sequence[Any]]) -> group:
    """A group of ``task.s(*args)`` for each argument tuple."""
    return group(*(task.s(*args) for args in arg_tuples))


__all__ = ["Signature", "chain", "chord", "chunks", "group", "starmap"]
