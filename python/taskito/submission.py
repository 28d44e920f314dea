"""What an enqueue hands over, and to whom.

Every enqueue of a Queue (``delay``, ``apply_async``, ``map``, ``enqueue``,
``enqueue_many``, the canvas) goes through the queue's *submitter*: normally the
:class:`~taskito.enqueue.Enqueuer`, which stores jobs; inside a ``queue.test_mode()``
block, test mode's, which runs them at once. Both take the same :class:`JobOptions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from taskito.graph import GraphStep
    from taskito.result import JobResult


@dataclass(frozen=True)
class JobOptions:
    """The per-job options of an enqueue; ``None`` means "the task's, else the queue's"."""

    priority: int | None = None
    delay: float | None = None
    queue: str | None = None
    max_retries: int | None = None
    timeout: float | None = None
    unique_key: str | None = None
    metadata: dict[str, Any] | str | None = None
    expires: float | None = None
    result_ttl: float | None = None


class Submitter(Protocol):
    """Carries out a queue's enqueues and returns a result handle per job."""

    def enqueue(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        options: JobOptions,
        depends_on: str | Sequence[str] | None = None,
        receive: str | None = None,
    ) -> JobResult:
        """One job; ``receive`` is the canvas's ``_receive`` mode."""
        ...

    def enqueue_many(
        self,
        task_name: str,
        args_list: Sequence[Sequence[Any]],
        kwargs_list: Sequence[dict[str, Any] | None] | None,
        options: JobOptions,
    ) -> list[JobResult]:
        """One job per ``args_list`` item, all or none."""
        ...

    def enqueue_graph(self, steps: Sequence[GraphStep]) -> list[JobResult]:
        """A whole canvas, all or none (see :mod:`taskito.graph`)."""
        ...


__all__ = ["JobOptions", "Submitter"]
