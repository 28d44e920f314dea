"""Periodic tasks on real workers, on both backends: each tick enqueued once however
many worker processes run, and one catch-up job after downtime."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any, Callable

import pytest
from taskito import Queue

from tests.backends import Backend, sqlite_elsewhere
from tests.conftest import App, WorkerProcess, WorkerThread, wait_for

pytestmark = pytest.mark.timeout(120)

StartWorker = Callable[..., WorkerProcess]

TICKING_APP = """
@queue.periodic("* * * * * *", name="tick", args=("from-cron",))
def tick(note):
    side_effect(note)
"""


def tick_jobs(queue: Queue, task_name: str) -> list[tuple[str, int]]:
    """(job id, tick time in ms) of every job of ``task_name``."""
    records = queue._inner.list_jobs(None, None, task_name, 0, 0)
    ticks = []
    for record in records:
        assert record.metadata is not None
        meta = json.loads(record.metadata)
        assert meta["periodic"] == task_name
        ticks.append((record.id, int(meta["tick_at"])))
    return ticks


def test_three_workers_enqueue_each_tick_exactly_once(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(TICKING_APP)
    queue = any_app.queue
    workers = [worker_process(any_app.dir, "--app", "app:queue") for _ in range(3)]
    for worker in workers:
        worker.wait_for_line("[taskito]   . tick  (* * * * * *)")
    # The window starts at the first tick all three workers may have raced for.
    wait_for(lambda: len(queue.workers()) == 3, 30, what="three registered workers")
    start = int(time.time() + 1) * 1000
    end = start + 10_000
    wait_for(
        lambda: any(tick >= end for _, tick in tick_jobs(queue, "tick")),
        30,
        what="ticks past the 10 s window",
    )
    ticks = tick_jobs(queue, "tick")
    counts = Counter(tick for _, tick in ticks)
    twice = {tick: n for tick, n in counts.items() if n > 1}
    assert twice == {}, f"ticks enqueued more than once: {twice}"
    in_window = sorted(tick for tick in counts if start <= tick < end)
    assert 8 <= len(in_window) <= 12, f"{len(in_window)} ticks in 10 s: {in_window}"
    # Every second of the window was ticked (all three workers were up before it).
    assert in_window == list(range(start, end, 1000)), in_window
    assert all(tick % 1000 == 0 for tick in in_window), "ticks fall on whole seconds"

    # Every tick's job runs once, with the schedule's arguments.
    ids = {job_id for job_id, _ in ticks}
    wait_for(
        lambda: ids <= {e.job_id for e in any_app.side_effects()},
        30,
        what="every tick job to run",
    )
    runs = Counter(e.job_id for e in any_app.side_effects() if e.job_id in ids)
    assert set(runs.values()) == {1}
    assert {e.note for e in any_app.side_effects()} == {"from-cron"}
    for worker in workers:
        assert worker.errors == []


def _periodic_daily(queue: Queue, seen: list[int]) -> None:
    @queue.periodic("0 0 * * *", name="daily", args=(7,))
    def daily(n: int) -> int:
        seen.append(n)
        return n * 2


def _rewind(backend: Backend, name: str, column: str, at: int) -> None:
    sql = f"UPDATE periodic_schedules SET {column} = {at} WHERE name = '{name}'"
    if backend.is_postgres:
        backend.sql(sql)
    else:
        sqlite_elsewhere(backend.dir / "taskito.db", sql)


@pytest.mark.parametrize("since", ["last_tick_at", "registered_at"])
def test_after_downtime_one_job_covers_the_missed_window(
    any_backend: Backend, start_worker: Callable[..., WorkerThread], since: str
) -> None:
    """Missed since the last tick, or since registration for a schedule that never
    ticked: one job either way."""
    seen: list[int] = []
    first = any_backend.queue(workers=1)
    _periodic_daily(first, seen)
    # A first start registers the schedule; a new schedule waits for its next tick.
    worker = start_worker(first)
    wait_for(lambda: first.periodic_tasks(), 15, what="the schedule registered")
    worker.stop()
    assert tick_jobs(first, "daily") == []
    [schedule] = first.periodic_tasks()
    assert schedule["last_tick_at"] is None
    day = 86_400_000
    midnight = int(time.time() * 1000) // day * day
    assert schedule["next_tick_at"] == midnight + day

    # Ten days without any worker: ten missed midnights.
    _rewind(any_backend, "daily", since, midnight - 10 * day)
    # Two workers come back at once; between them they enqueue one job, for the
    # latest missed tick, and it runs.
    second = any_backend.queue(workers=1)
    _periodic_daily(second, seen)
    start_worker(first)
    start_worker(second)
    [(job_id, tick)] = wait_for(lambda: tick_jobs(first, "daily"), 15, what="the catch-up job")
    assert tick == midnight
    job = first.get_job(job_id)
    assert job is not None and job.result(timeout=15) == 14
    assert seen == [7]
    [schedule] = second.periodic_tasks()
    assert schedule["last_tick_at"] == midnight
    # Both workers have gone round their ticker loop: still one job.
    assert [t for _, t in tick_jobs(second, "daily")] == [midnight]


def test_periodic_tasks_lists_what_workers_registered(
    any_backend: Backend, start_worker: Callable[..., WorkerThread]
) -> None:
    queue = any_backend.queue(workers=1)

    @queue.periodic("30 9 * * MON", name="weekly", queue="reports", timezone="Europe/Paris")
    def weekly() -> None: ...

    assert queue.periodic_tasks() == [], "written to the database only by workers"
    start_worker(queue)
    listed: list[dict[str, Any]] = wait_for(queue.periodic_tasks, 15, what="registration")
    [entry] = listed
    next_tick = entry.pop("next_tick_at")
    registered = entry.pop("registered_at")
    assert abs(registered - time.time() * 1000) < 60_000
    assert entry == {
        "name": "weekly",
        "task_name": "weekly",
        "cron_expr": "30 9 * * MON",
        "timezone": "Europe/Paris",
        "queue": "reports",
        "last_tick_at": None,
    }
    assert next_tick > time.time() * 1000
    assert time.gmtime(next_tick / 1000).tm_wday == 0, "a Monday"
    # 09:30 in Paris (not in UTC), within the coming week.
    from datetime import datetime
    from zoneinfo import ZoneInfo

    paris = datetime.fromtimestamp(next_tick / 1000, ZoneInfo("Europe/Paris"))
    assert (paris.weekday(), paris.hour, paris.minute) == (0, 9, 30), paris
    assert next_tick - time.time() * 1000 <= 7 * 86_400_000
