"""A FastAPI router over a :class:`~taskito.Queue`: stats, jobs, results, progress (SSE),
cancel and the dead-letter queue.

::

    from fastapi import FastAPI
    from taskito.contrib.fastapi import TaskitoRouter

    app = FastAPI()
    app.include_router(TaskitoRouter(queue), prefix="/tasks")

Needs ``pip install taskito[fastapi]`` (fastapi and pydantic 2).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Optional

try:
    from fastapi import APIRouter, HTTPException, Query
    from fastapi.responses import StreamingResponse
    from pydantic import BaseModel
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "taskito.contrib.fastapi needs FastAPI and pydantic 2: pip install 'taskito[fastapi]'"
    ) from exc

from taskito._json import json_safe
from taskito.errors import JobFailedError, JobNotFoundError, ResultTimeoutError, TaskCancelledError
from taskito.result import TERMINAL

if TYPE_CHECKING:
    from taskito.app import Queue
    from taskito.result import JobResult

PROGRESS_INTERVAL = 0.5


class StatsResponse(BaseModel):
    pending: int
    running: int
    completed: int
    failed: int
    dead: int
    cancelled: int


class JobResponse(BaseModel):
    id: str
    queue: str
    task_name: str
    status: str
    priority: int
    progress: Optional[int] = None
    retry_count: int
    max_retries: int
    created_at: int
    scheduled_at: int
    started_at: Optional[int] = None
    completed_at: Optional[int] = None
    error: Optional[str] = None
    timeout_ms: int
    unique_key: Optional[str] = None
    metadata: Optional[str] = None


class JobErrorResponse(BaseModel):
    id: int
    job_id: str
    attempt: int
    error: str
    failed_at: int


class CancelResponse(BaseModel):
    cancelled: bool


class RetryResponse(BaseModel):
    new_job_id: str


class DeadLetterResponse(BaseModel):
    id: str
    original_job_id: str
    queue: str
    task_name: str
    error: Optional[str] = None
    retry_count: int
    failed_at: int
    metadata: Optional[str] = None


class JobResultResponse(BaseModel):
    id: str
    status: str
    result: Any = None
    error: Optional[str] = None


class TaskitoRouter(APIRouter):
    """An ``APIRouter`` with taskito's routes (tags ``["taskito"]`` unless given)."""

    def __init__(self, queue: Queue, **kwargs: Any) -> None:
        kwargs.setdefault("tags", ["taskito"])
        super().__init__(**kwargs)
        self.queue = queue
        self._add_routes()

    def _job(self, job_id: str) -> JobResult:
        job = self.queue.get_job(job_id)
        if job is None:
            raise HTTPException(status_code=404, detail=f"no job with id {job_id!r}")
        return job

    def _add_routes(self) -> None:
        queue = self.queue

        @self.get("/stats", response_model=StatsResponse)
        async def stats() -> dict[str, int]:
            return await queue.astats()

        @self.get("/jobs/{job_id}", response_model=JobResponse)
        async def get_job(job_id: str) -> dict[str, Any]:
            return self._job(job_id).to_dict()

        @self.get("/jobs/{job_id}/errors", response_model=list[JobErrorResponse])
        async def job_errors(job_id: str) -> list[dict[str, Any]]:
            self._job(job_id)
            return queue.job_errors(job_id)

        @self.get("/jobs/{job_id}/result", response_model=JobResultResponse)
        async def job_result(
            job_id: str, timeout: float = Query(0, ge=0, le=300)
        ) -> dict[str, Any]:
            job = self._job(job_id)
            if timeout > 0 and job.status not in TERMINAL:
                try:
                    await job.aresult(timeout=timeout)
                except (JobFailedError, TaskCancelledError, ResultTimeoutError):
                    pass
            job.refresh()
            result = None
            if job.status == "complete":  # terminal: result() returns at once
                result = json_safe(job.result(timeout=1))
            return {"id": job.id, "status": job.status, "result": result, "error": job.error}

        @self.get("/jobs/{job_id}/progress")
        async def job_progress(job_id: str) -> StreamingResponse:
            self._job(job_id)  # 404 before the stream opens
            return StreamingResponse(
                _progress_events(queue, job_id),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )

        @self.post("/jobs/{job_id}/cancel", response_model=CancelResponse)
        async def cancel_job(job_id: str) -> dict[str, bool]:
            job = self._job(job_id)
            if job.status == "running":
                return {"cancelled": queue.cancel_running_job(job_id)}
            return {"cancelled": await queue.acancel_job(job_id)}

        @self.get("/dead-letters", response_model=list[DeadLetterResponse])
        async def dead_letters(
            limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)
        ) -> list[dict[str, Any]]:
            return await queue.adead_letters(limit=limit, offset=offset)

        @self.post("/dead-letters/{dead_id}/retry", response_model=RetryResponse)
        async def retry_dead(dead_id: str) -> dict[str, str]:
            try:
                return {"new_job_id": await queue.aretry_dead(dead_id)}
            except JobNotFoundError:
                raise HTTPException(
                    status_code=404, detail=f"no dead letter with id {dead_id!r}"
                ) from None


async def _progress_events(queue: Queue, job_id: str) -> AsyncIterator[str]:
    """``data: {"status", "progress"}`` every 0.5 s until the job is finished."""
    while True:
        job = queue.get_job(job_id)
        if job is None:
            return
        yield f"data: {json.dumps({'status': job.status, 'progress': job.progress})}\n\n"
        if job.status in TERMINAL:
            return
        await asyncio.sleep(PROGRESS_INTERVAL)


__all__ = [
    "CancelResponse",
    "DeadLetterResponse",
    "JobErrorResponse",
    "JobResponse",
    "JobResultResponse",
    "RetryResponse",
    "StatsResponse",
    "TaskitoRouter",
]
