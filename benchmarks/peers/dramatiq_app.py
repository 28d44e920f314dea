"""The benchmark app for Dramatiq: Redis broker and the Results middleware (Redis)."""

from __future__ import annotations

import bench_protocol as bp
import bench_workload
import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.results import Results
from dramatiq.results.backends import RedisBackend

broker = RedisBroker(url=bp.redis_url(0))
broker.add_middleware(Results(backend=RedisBackend(url=bp.redis_url(1))))
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name="bench", store_results=True)
def noop(i: int) -> int:
    return bench_workload.noop(i)


@dramatiq.actor(queue_name="bench", store_results=True)
def cpu(i: int) -> str:
    return bench_workload.cpu(i)
