"""The benchmark app for taskito (ours and 0.22 from PyPI: same API for what we use).

Queue defaults: ``workers=0`` (one worker thread per CPU), SQLite file in ``BENCH_DIR``.
"""

from __future__ import annotations

import os

import bench_workload
from taskito import Queue

queue = Queue(db_path=os.path.join(os.environ["BENCH_DIR"], "taskito.db"))


@queue.task(name="noop")
def noop(i: int) -> int:
    return bench_workload.noop(i)


@queue.task(name="cpu")
def cpu(i: int) -> str:
    return bench_workload.cpu(i)
