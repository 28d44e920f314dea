"""A whole canvas enqueued in one transaction (see :mod:`taskito.canvas`).

``chain(...).apply()`` and ``chord(...).apply()`` insert every job at once, each with
its dependencies, so a worker cannot end a step before the steps after it are stored
(which, step by step, made ``apply()`` raise ``DependencyError`` when a fast worker
killed step 1 before step 2 was enqueued). The ids are chosen before the insert, so
each step's stored ``_receive`` spec can name the steps it reads results from
(:meth:`taskito.enqueue.Enqueuer.enqueue_graph` stores a graph; test mode runs one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from taskito.dependencies import dependency_ids
from taskito.errors import QueueError


@dataclass(frozen=True)
class GraphStep:
    """One job of a graph: a task call, its ``enqueue`` options, and what it waits for.

    ``after`` holds indexes of earlier steps of the same graph; ``depends_on`` (in
    ``options``) may name jobs already stored. The job waits for ``depends_on`` then
    ``after``, in that order; ``receive`` is the canvas's ``_receive`` mode.
    """

    task_name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    after: tuple[int, ...] = ()
    receive: str | None = None


def step_dependencies(step: GraphStep, index: int, ids: Sequence[str]) -> list[str]:
    """The dependency ids of the step at ``index``, given the ids of the steps before it."""
    for i in step.after:
        if not 0 <= i < index:
            raise QueueError(f"step {index} of a graph can only wait for earlier steps, not {i}")
    return [*dependency_ids(step.options.get("depends_on")), *(ids[i] for i in step.after)]


__all__ = ["GraphStep", "step_dependencies"]
