"""Canvas: signatures and the workflows built from them (chain, group, chord...).

Unlike the original taskito, ``chain(...).apply()`` and ``chord(...).apply()`` return at
once: every step is enqueued up front, each waiting for the previous one through job
dependencies (``depends_on``), and the workers move the workflow on. The client may exit
right after ``apply()``. Results still flow: a step receives the previous step's result
as its first argument (unless its signature is immutable, or the result is None), and a
chord's callback receives the list of the group's results, in group order.

A chain, or a chord's group and callback, is stored in ONE transaction
(``Queue._enqueue_graph``, see :mod:`taskito.graph`): a worker cannot end a step before
the steps after it are stored. Test mode replaces ``_enqueue_graph`` too, and runs
workflows inline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskito.dependencies import dependency_ids
from taskito.errors import QueueError
from taskito.graph import GraphStep

if TYPE_CHECKING:
    from taskito.queue import Queue
    from taskito.result import JobResult
    from taskito.task import TaskWrapper

#: How long ``group(max_concurrency=...)`` waits for each job of a wave, as the original.
WAVE_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Signature:
    """A task call to make later: the task, its arguments and enqueue options.

    ``immutable`` signatures (``task.si(...)``) ignore the previous step's result.
    """

    task: TaskWrapper
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    immutable: bool = False

    def apply(self, queue: Queue | None = None) -> JobResult:
        """Enqueue the call (on ``queue``, by default the task's own) and return its result."""
        return self._enqueue(queue)

    def _enqueue(
        self, queue: Queue | None, after: Sequence[str] = (), receive: str | None = None
    ) -> JobResult:
        target = queue if queue is not None else self.task._queue
        options = dict(self.options)
        extra = options.pop("depends_on", None)
        # The step before comes last: ``_receive="one"`` reads the last dependency.
        depends_on = [*dependency_ids(extra), *after]
        return target.enqueue(
            self.task.name,
            tuple(self.args),
            dict(self.kwargs),
            depends_on=depends_on or None,
            _receive=receive if depends_on and not self.immutable else None,
            **options,
        )

    def _step(self, after: Sequence[int] = (), receive: str | None = None) -> GraphStep:
        """This call as a step of a graph, waiting for the steps ``after`` (indexes)."""
        waits = bool(after) or bool(dependency_ids(self.options.get("depends_on")))
        return GraphStep(
            self.task.name,
            tuple(self.args),
            dict(self.kwargs),
            dict(self.options),
            tuple(after),
            receive if waits and not self.immutable else None,
        )

    def __repr__(self) -> str:
        mark = "si" if self.immutable else "s"
        return f"<Signature {self.task.name}.{mark}{tuple(self.args)!r}>"


def _signatures(items: Iterable[Any], kind: str) -> list[Signature]:
    sigs = list(items)
    for sig in sigs:
        if not isinstance(sig, Signature):
            raise QueueError(
                f"{kind} takes signatures (task.s(...) or task.si(...)), got {type(sig).__name__}"
            )
    return sigs


def _one_queue(sigs: Sequence[Signature], queue: Queue | None) -> Queue | None:
    """The queue every signature goes to, or None when they go to several."""
    if queue is not None:
        return queue
    first = sigs[0].task._queue
    return first if all(sig.task._queue is first for sig in sigs) else None


def _cancel_all(results: list[JobResult]) -> None:
    """Undo a workflow whose enqueue failed half-way: its steps must not run alone."""
    for result in results:
        try:
            result._queue.cancel_job(result.id)
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

    def apply(self, queue: Queue | None = None) -> JobResult:
        """Enqueue the whole chain; returns the last step's result handle at once.

        Every step is stored in one transaction (when all go to one queue).
        """
        target = _one_queue(self.sigs, queue)
        if target is not None:
            steps = [sig._step([i - 1] if i else [], "one") for i, sig in enumerate(self.sigs)]
            return target._enqueue_graph(steps)[-1]
        done: list[JobResult] = []
        try:
            for sig in self.sigs:
                after = [done[-1].id] if done else []
                done.append(sig._enqueue(queue, after, "one"))
        except BaseException:
            _cancel_all(done)
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

    def apply(self, queue: Queue | None = None) -> list[JobResult]:
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

    def apply(self, queue: Queue | None = None) -> JobResult:
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
            return target._enqueue_graph(steps)[-1]
        results = self.group.apply(queue)
        ids = [r.id for r in results]
        if ids:
            try:
                return self.callback._enqueue(queue, ids, "all")
            except BaseException:
                _cancel_all(results)
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
