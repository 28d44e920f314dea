"""Storing jobs: checking an enqueue's options, building its payload, writing it.

:class:`Enqueuer` is a queue's default submitter (see :mod:`taskito.submission`); test
mode borrows :meth:`Enqueuer.prepare` so that its jobs are checked and serialized
exactly like stored ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from taskito._native import JobSpec, new_job_ids
from taskito.dependencies import dependency_ids, receive_spec
from taskito.errors import QueueError
from taskito.graph import GraphStep, step_dependencies
from taskito.submission import JobOptions
from taskito.task import TaskConfig, validate_config

if TYPE_CHECKING:
    from taskito._native import NativeQueue
    from taskito.codec import PayloadCodec
    from taskito.registry import TaskRegistry
    from taskito.result import JobResult
    from taskito.settings import QueueSettings

T = TypeVar("T")

DEFAULT_BACKOFF_S = 1.0

DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024
"""The largest stored payload a queue accepts by default (1 MiB, as the original taskito)."""


def ms(seconds: float) -> int:
    """Seconds as whole milliseconds."""
    return round(seconds * 1000)


def delay_ms(delay: object) -> int:
    """A ``delay`` option (seconds), checked, in milliseconds."""
    if not isinstance(delay, (int, float)) or delay < 0:
        raise QueueError(f"delay must be a number of seconds >= 0, got {delay!r}")
    return ms(delay)


def _first(*values: T | None) -> T:
    for value in values:
        if value is not None:
            return value
    raise AssertionError("no default")  # pragma: no cover


def check_payload_cap(value: object) -> int:
    """A ``max_payload_bytes`` value, checked: a whole number of bytes >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QueueError(f"max_payload_bytes must be a whole number of bytes >= 0, got {value!r}")
    return value


def metadata_json(metadata: dict[str, Any] | str | None) -> str | None:
    """``metadata`` as the JSON text stored with a job (checked)."""
    if metadata is None:
        return None
    if isinstance(metadata, str):
        try:
            json.loads(metadata)
        except ValueError as exc:
            raise QueueError(f"metadata must be a dict or a JSON string: {exc}") from exc
        return metadata
    if isinstance(metadata, dict):
        try:
            return json.dumps(metadata)
        except (TypeError, ValueError) as exc:
            raise QueueError(f"metadata must be JSON-serializable: {exc}") from exc
    raise QueueError(f"metadata must be a dict or a JSON string, not {type(metadata).__name__}")


class Enqueuer:
    """Checks, serializes and stores jobs; returns a handle per job (``wrap(job_id)``)."""

    def __init__(
        self,
        native: NativeQueue,
        settings: QueueSettings,
        registry: TaskRegistry,
        codec: PayloadCodec,
        wrap: Callable[[str], JobResult],
    ) -> None:
        self._native = native
        self._settings = settings
        self._registry = registry
        self._codec = codec
        self._wrap = wrap
        self.max_payload_bytes = DEFAULT_MAX_PAYLOAD_BYTES
        """Payloads larger than this many bytes are refused at enqueue (0: no limit)."""
        # The options of a call that overrides none, per task: resolved and checked once
        # (keyed by the task's config object, so a re-registered task is resolved again).
        self._plain: dict[str, tuple[TaskConfig | None, JobSpec]] = {}

    # -- building a job -------------------------------------------------------------------

    def payload(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        receive: dict[str, Any] | None = None,
    ) -> bytes:
        """The stored payload of a call (arguments checked, serialized, signed)."""
        if type(args) is not tuple:  # the common case skips the ABC check
            if isinstance(args, (str, bytes)) or not isinstance(args, Sequence):
                raise QueueError(
                    f"the args of task '{task_name}' must be a tuple or list, "
                    f"not {type(args).__name__}"
                )
            args = tuple(args)
        if kwargs is not None and not isinstance(kwargs, dict):
            raise QueueError(
                f"the kwargs of task '{task_name}' must be a dict, not {type(kwargs).__name__}"
            )
        data = self._codec.encode_call(task_name, args, dict(kwargs) if kwargs else {}, receive)
        limit = self.max_payload_bytes
        if limit and len(data) > limit:
            raise QueueError(
                f"the arguments of task '{task_name}' take {len(data):,} bytes once serialized, "
                f"more than the queue's max_payload_bytes ({limit:,}); pass a reference to the "
                "data (a path, a key) instead, or raise queue.max_payload_bytes (0: no limit)"
            )
        return data

    def payloads(
        self,
        task_name: str,
        args_items: list[Sequence[Any]],
        kwargs_items: list[dict[str, Any] | None],
    ) -> list[bytes]:
        """:meth:`payload` of each call of a batch, all checked before anything is stored."""
        payload = self.payload
        return [payload(task_name, a, k) for a, k in zip(args_items, kwargs_items)]

    def template(self, task_name: str, options: JobOptions) -> JobSpec:
        """The job of a call of ``task_name`` before its payload and per-call fields
        (delay, unique key, metadata, expiry): queue, priority, retries, backoff, timeout
        and result TTL resolved (call, then task, then queue default) and checked. Kept
        per task for calls that override none of them."""
        config = self._registry.config(task_name)
        plain = (
            options.queue is None
            and options.max_retries is None
            and options.timeout is None
            and options.priority is None
        )
        cached = self._plain.get(task_name) if plain else None
        if cached is not None and cached[0] is config:
            return cached[1]
        spec = self._resolve(task_name, config, options)
        if plain:
            self._plain[task_name] = (config, spec)
        return spec

    def _resolve(self, task_name: str, config: TaskConfig | None, options: JobOptions) -> JobSpec:
        """A call's options: call, then task, then queue default."""
        settings = self._settings
        task = config or TaskConfig(name=task_name)
        resolved = TaskConfig(
            name=task_name,
            queue=_first(options.queue, task.queue),
            max_retries=_first(options.max_retries, task.max_retries, settings.default_retry),
            retry_backoff=_first(task.retry_backoff, DEFAULT_BACKOFF_S),
            timeout=_first(options.timeout, task.timeout, settings.default_timeout),
            priority=_first(options.priority, task.priority, settings.default_priority),
        )
        validate_config(resolved)
        assert resolved.max_retries is not None and resolved.retry_backoff is not None
        assert resolved.timeout is not None and resolved.priority is not None
        return JobSpec(
            task_name,
            b"",
            queue=resolved.queue,
            priority=resolved.priority,
            max_retries=resolved.max_retries,
            backoff_ms=ms(resolved.retry_backoff),
            timeout_ms=max(1, ms(resolved.timeout)),
            result_ttl_ms=self.ttl_ms(None),
        )

    def ttl_ms(self, result_ttl: float | None) -> int | None:
        """How long a finished job's result is kept (the queue's ``result_ttl`` by default)."""
        ttl = result_ttl if result_ttl is not None else self._settings.result_ttl
        if ttl is None:
            return None
        if not isinstance(ttl, (int, float)) or ttl < 0:
            raise QueueError(f"result_ttl must be a number of seconds >= 0, got {ttl!r}")
        return ms(ttl)

    def prepare(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        options: JobOptions,
        deps: list[str],
        receive: str | None,
        job_id: str | None = None,
    ) -> JobSpec:
        """The job :meth:`enqueue` stores, checked and serialized, without storing it."""
        spec = receive_spec(receive, deps)
        delay = options.delay
        template = self.template(task_name, options)
        expires = options.expires
        if expires is not None and (not isinstance(expires, (int, float)) or expires <= 0):
            raise QueueError(f"expires must be a number of seconds > 0, got {expires!r}")
        return template.replace(
            payload=self.payload(task_name, args, kwargs, spec),
            delay_ms=delay_ms(delay) if delay is not None else None,
            unique_key=options.unique_key,
            metadata=metadata_json(options.metadata),
            expires_ms=None if expires is None else ms(expires),
            result_ttl_ms=None if options.result_ttl is None else self.ttl_ms(options.result_ttl),
            depends_on=deps or None,
            id=job_id,
        )

    # -- the Submitter --------------------------------------------------------------------

    def enqueue(
        self,
        task_name: str,
        args: Sequence[Any],
        kwargs: dict[str, Any] | None,
        options: JobOptions,
        depends_on: str | Sequence[str] | None = None,
        receive: str | None = None,
    ) -> JobResult:
        """Store one job (see :meth:`taskito.Queue.enqueue`)."""
        deps = dependency_ids(depends_on)
        spec = self.prepare(task_name, args, kwargs, options, deps, receive)
        return self._wrap(self._native.enqueue([spec])[0])

    def enqueue_many(
        self,
        task_name: str,
        args_list: Sequence[Sequence[Any]],
        kwargs_list: Sequence[dict[str, Any] | None] | None,
        options: JobOptions,
    ) -> list[JobResult]:
        """Store one job per ``args_list`` item in a single transaction; every payload
        is serialized before anything is written, so a bad argument stores nothing."""
        args_items, kwargs_items = pair_up(args_list, kwargs_list)
        template = self.template(task_name, options)
        if options.delay:
            template = template.replace(delay_ms=delay_ms(options.delay))
        payloads = self.payloads(task_name, args_items, kwargs_items)
        if not payloads:
            return []
        wrap = self._wrap
        return [wrap(job_id) for job_id in self._native.enqueue([template], payloads)]

    def enqueue_graph(self, steps: Sequence[GraphStep]) -> list[JobResult]:
        """Store every step in one transaction; returns their handles in order.

        Every payload is built (and every option checked) before anything is written; an
        impossible dependency raises :class:`~taskito.errors.DependencyError` and stores
        nothing.
        """
        planned = new_job_ids(len(steps))
        specs = []
        for index, step in enumerate(steps):
            options = {k: v for k, v in step.options.items() if k != "depends_on"}
            deps = step_dependencies(step, index, planned)
            receive = step.receive if deps else None
            specs.append(
                self.prepare(
                    step.task_name,
                    step.args,
                    step.kwargs,
                    JobOptions(**options),
                    deps,
                    receive,
                    job_id=planned[index],
                )
            )
        return [self._wrap(job_id) for job_id in self._native.enqueue(specs)]


def pair_up(
    args_list: Sequence[Sequence[Any]], kwargs_list: Sequence[dict[str, Any] | None] | None
) -> tuple[list[Sequence[Any]], list[dict[str, Any] | None]]:
    """``enqueue_many``'s lists, checked to pair up."""
    args_items = list(args_list)
    kwargs_items: list[dict[str, Any] | None] = (
        [None] * len(args_items) if kwargs_list is None else list(kwargs_list)
    )
    if len(kwargs_items) != len(args_items):
        raise QueueError(
            f"enqueue_many got {len(args_items)} args but {len(kwargs_items)} kwargs; "
            "they must pair up"
        )
    return args_items, kwargs_items


__all__ = ["DEFAULT_BACKOFF_S", "Enqueuer", "metadata_json", "ms", "pair_up"]
