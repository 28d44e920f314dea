"""The benchmark app for Huey: ``SqliteHuey`` (its SQLite storage, a file in ``BENCH_DIR``)."""

from __future__ import annotations

import os

import bench_workload
from huey import SqliteHuey

huey = SqliteHuey("bench", filename=os.path.join(os.environ["BENCH_DIR"], "huey.db"))


@huey.task()
def noop(i: int) -> int:
    return bench_workload.noop(i)


@huey.task()
def cpu(i: int) -> str:
    return bench_workload.cpu(i)
