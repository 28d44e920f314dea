"""The libraries compared: where each one's driver and pinned requirements live, and
what its defaults are (for the table's notes and docs/benchmarks.md)."""

from __future__ import annotations

import signal
from dataclasses import dataclass


@dataclass(frozen=True)
class Library:
    key: str
    label: str
    driver: str  # file under benchmarks/peers/
    requirements: str | None  # file under benchmarks/peers/; None = the running interpreter
    redis: bool  # needs the local Redis
    store: str
    concurrency: str
    stop_signal: int  # the library's graceful-stop signal
    scale_finished: bool = False  # runs "processing with N finished jobs already stored"
    scale_queued: bool = False  # runs "processing N queued jobs" with the large N


OURS = Library(
    key="taskito",
    label="taskito (ours)",
    driver="taskito_driver.py",
    requirements=None,
    redis=False,
    store="SQLite file",
    concurrency="1 process, 1 worker thread per CPU (workers=0)",
    stop_signal=signal.SIGTERM,
    scale_finished=True,
    scale_queued=True,
)

PEERS = (
    Library(
        key="taskito022",
        label="taskito 0.22",
        driver="taskito_driver.py",
        requirements="taskito022.txt",
        redis=False,
        store="SQLite file",
        concurrency="1 process, 1 worker thread per CPU (workers=0)",
        stop_signal=signal.SIGTERM,
        scale_finished=True,
        scale_queued=True,
    ),
    Library(
        key="huey",
        label="Huey",
        driver="huey_driver.py",
        requirements="huey.txt",
        redis=False,
        store="SQLite file (SqliteHuey)",
        concurrency="1 process, 1 worker thread (huey_consumer -w 1 -k thread)",
        stop_signal=signal.SIGINT,
        scale_queued=True,
    ),
    Library(
        key="rq",
        label="RQ",
        driver="rq_driver.py",
        requirements="rq.txt",
        redis=True,
        store="Redis",
        concurrency="1 worker process, forks a work horse per job",
        stop_signal=signal.SIGTERM,
    ),
    Library(
        key="dramatiq",
        label="Dramatiq",
        driver="dramatiq_driver.py",
        requirements="dramatiq.txt",
        redis=True,
        store="Redis (broker) + Redis (Results middleware)",
        concurrency="1 process per CPU, 8 threads each",
        stop_signal=signal.SIGTERM,
        scale_queued=True,
    ),
    Library(
        key="celery",
        label="Celery",
        driver="celery_driver.py",
        requirements="celery.txt",
        redis=True,
        store="Redis (broker) + Redis (result backend)",
        concurrency="prefork, 1 child process per CPU",
        stop_signal=signal.SIGTERM,
    ),
)

ALL = (OURS, *PEERS)
