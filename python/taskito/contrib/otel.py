"""OpenTelemetry tracing of task runs: one span per attempt.

::

    from taskito.contrib.otel import OpenTelemetryMiddleware

    queue = Queue(middleware=[OpenTelemetryMiddleware()])

Each attempt is a span named ``taskito.execute.<task_name>`` with the attributes
``taskito.job_id``, ``taskito.task_name``, ``taskito.queue``, ``taskito.retry_count``
and ``taskito.attempt``; a failed attempt sets the span's status to ERROR and records
the exception; a failure that will be retried adds a ``retry`` event. The span is
ended on the worker thread that ran the task. Needs ``pip install taskito[otel]``
(opentelemetry-api; configure an SDK and exporter as usual).
"""

from __future__ import annotations

import threading
from typing import Any

try:
    from opentelemetry import trace
    from opentelemetry.trace import Status, StatusCode
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "taskito.contrib.otel needs OpenTelemetry: pip install 'taskito[otel]'"
    ) from exc

from taskito.context import JobContext
from taskito.middleware import TaskMiddleware


class OpenTelemetryMiddleware(TaskMiddleware):
    """Traces every task attempt; see the module docs."""

    def __init__(self, tracer_name: str = "taskito", tracer_provider: Any = None) -> None:
        self._tracer = trace.get_tracer(tracer_name, tracer_provider=tracer_provider)
        self._spans: dict[str, Any] = {}
        self._lock = threading.Lock()

    def before(self, ctx: JobContext) -> None:
        span = self._tracer.start_span(
            f"taskito.execute.{ctx.task_name}",
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "taskito.job_id": ctx.id,
                "taskito.task_name": ctx.task_name,
                "taskito.queue": ctx.queue_name,
                "taskito.retry_count": ctx.retry_count,
                "taskito.attempt": ctx.attempt or 0,
            },
        )
        with self._lock:
            self._spans[ctx.id] = span

    def on_retry(self, ctx: JobContext, error: BaseException, retry_count: int) -> None:
        with self._lock:
            span = self._spans.get(ctx.id)
        if span is not None:
            span.add_event(
                "retry",
                {
                    "taskito.retry_count": retry_count,
                    "exception.type": type(error).__name__,
                    "exception.message": str(error),
                },
            )

    def after(self, ctx: JobContext, result: Any, error: BaseException | None) -> None:
        with self._lock:
            span = self._spans.pop(ctx.id, None)
        if span is None:
            return
        if error is None:
            span.set_status(Status(StatusCode.OK))
        else:
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            span.record_exception(error)
        span.end()


__all__ = ["OpenTelemetryMiddleware"]
