"""The benchmark app for Celery: Redis broker, Redis result backend (separate databases)."""

from __future__ import annotations

import bench_protocol as bp
import bench_workload
from celery import Celery

app = Celery("celery_app", broker=bp.redis_url(0), backend=bp.redis_url(1))


@app.task(name="noop")
def noop(i: int) -> int:
    return bench_workload.noop(i)


@app.task(name="cpu")
def cpu(i: int) -> str:
    return bench_workload.cpu(i)
