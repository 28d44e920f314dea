"""``TaskMiddleware``: code that runs around every task.

Subclass it and override what you need; pass instances to ``Queue(middleware=[...])``
(every task) or ``@queue.task(middleware=[...])`` (one task, after the global ones).
Exceptions raised by middleware are logged on the ``taskito`` logger and swallowed:
middleware never changes a job's outcome.
"""

from __future__ import annotations

from typing import Any

from taskito.context import JobContext


class TaskMiddleware:
    """Base class of task middleware. Every method does nothing by default."""

    def before(self, ctx: JobContext) -> None:
        """Called before the task (and before the ``before_task`` hooks)."""

    def after(self, ctx: JobContext, result: Any, error: BaseException | None) -> None:
        """Called after the task, whatever happened; ``error`` is None on success."""

    def on_retry(self, ctx: JobContext, error: BaseException, retry_count: int) -> None:
        """Called when a failed attempt will be retried.

        ``retry_count`` is the number of the retry about to be scheduled (1 for the first).
        """


__all__ = ["TaskMiddleware"]
