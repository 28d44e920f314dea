"""The benchmark app for RQ: one queue on this run's Redis broker database."""

from __future__ import annotations

import bench_protocol as bp
from redis import Redis
from rq import Queue

connection = Redis.from_url(bp.redis_url(0))
queue = Queue("bench", connection=connection)
