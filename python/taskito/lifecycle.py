"""Running and stopping: the part behind ``Queue.run_worker``, ``arun_worker``,
``shutdown`` and ``close``, and the helper threads of the Queue's ``a*`` methods.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from taskito.periodic import worker_periodic_tasks

if TYPE_CHECKING:
    from taskito._native import NativeQueue, NativeWorker
    from taskito.enqueue import Enqueuer
    from taskito.registry import TaskRegistry
    from taskito.runner import Runner
    from taskito.settings import QueueSettings

T = TypeVar("T")


class Lifecycle:
    """Starts this process's workers of one queue, stops them, and runs blocking calls
    for the async methods on two helper threads (created on first use)."""

    def __init__(
        self,
        native: NativeQueue,
        settings: QueueSettings,
        registry: TaskRegistry,
        enqueuer: Enqueuer,
        runner: Runner,
    ) -> None:
        self._native = native
        self._settings = settings
        self._registry = registry
        self._enqueuer = enqueuer
        self._runner = runner
        self._lock = threading.Lock()
        self._running: list[NativeWorker] = []
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    # -- workers --------------------------------------------------------------------------

    def run_worker(self, queues: Sequence[str] | None = None) -> None:
        """Run a worker in this thread until it stops."""
        from taskito.worker import WorkerSpec, run_worker

        spec = WorkerSpec(
            native=self._native,
            settings=self._settings,
            registry=self._registry,
            runner=self._runner,
            database=self._native.db_path,
            periodic=worker_periodic_tasks(self._registry, self._enqueuer),
        )
        started: list[NativeWorker] = []

        def on_start(worker: NativeWorker) -> None:
            started.append(worker)
            with self._lock:
                self._running.append(worker)

        try:
            run_worker(spec, queues, on_start)
        finally:
            with self._lock:
                for worker in started:
                    self._running.remove(worker)

    async def arun_worker(self, queues: Sequence[str] | None = None) -> None:
        """Run a worker in the event loop's default executor and await its end."""
        from taskito.worker import arun_worker

        await arun_worker(lambda: self.run_worker(queues), self.shutdown)

    def shutdown(self) -> None:
        """Ask this process's worker of the queue to stop gracefully, without waiting.

        A request made while no worker runs is kept for the next one to start (a worker
        thread asked to stop just before it got going stops at once).
        """
        self._native.request_shutdown()

    def draining(self) -> list[str]:
        """The ids of this process's workers of the queue that are stopping."""
        with self._lock:
            return [w.worker_id for w in self._running if w.shutting_down]

    # -- helper threads -------------------------------------------------------------------

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(2, thread_name_prefix="taskito-async")
            return self._executor

    async def in_executor(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a helper thread, awaited without blocking the event loop."""
        import asyncio  # only async callers pay for importing it

        return await asyncio.get_running_loop().run_in_executor(self._pool(), fn, *args)

    def close(self) -> None:
        """Let the helper threads go (idempotent; the queue stays usable). Nothing is
        buffered in this process, so there is nothing to flush."""
        with self._lock:
            executor, self._executor = self._executor, None
            self._closed = True
        if executor is not None:
            executor.shutdown(wait=False)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed


__all__ = ["Lifecycle"]
