"""Delivery under faults (RELIABILITY.md 5.1, 5.5): real worker processes, real signals,
one real database: every scenario runs on a SQLite file and on a PostgreSQL schema
(``any_app``, figures ``pg_*``), except a SQLite file that goes away under a worker.
PostgreSQL's own faults (server restart, cut connections, a dead worker on another
host) are in ``test_postgres.py``.

Every execution appends ``job_id attempt pid`` to a side-effect log outside the
queue's database, so a job run twice shows up even if the database rolled back.
Each test prints its figures as ``FIGURE name=value`` lines.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from typing import Callable

import pytest
from taskito import JobFailedError

from tests.conftest import App, WorkerProcess, sqlite_elsewhere, wait_for

StartWorker = Callable[..., WorkerProcess]
Figure = Callable[[str, object], None]

WORKER = ("--app", "app:queue")


def integrity(app: App) -> str:
    [(verdict,)] = sqlite_elsewhere(app.dir / "taskito.db", "PRAGMA integrity_check")
    return str(verdict)


@pytest.mark.timeout(60)
def test_kill_9_six_times_loses_nothing(
    any_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    any_app.write(
        """
        @queue.task(max_retries=0)
        def work(n):
            side_effect()
            time.sleep(0.001)
            return n
        """,
        workers=4,
        queue_options=", lease_timeout=3",
    )
    module = any_app.load()
    total, kills = 2_000, 6
    started = time.monotonic()
    jobs = module.work.map([(n,) for n in range(total)])
    for kill in range(1, kills + 1):
        worker = worker_process(any_app.dir, *WORKER)
        target = kill * total // (kills + 2)
        wait_for(
            lambda target=target: len(any_app.side_effects()) >= target,  # type: ignore[misc]
            30,
            what=f"{target} executions before kill {kill}",
        )
        worker.proc.send_signal(signal.SIGKILL)
        assert worker.finish() == -signal.SIGKILL
    worker_process(any_app.dir, *WORKER)
    wait_for(
        lambda: any_app.queue.stats()["completed"] == total,
        30,
        what=f"all jobs to complete: {any_app.queue.stats()}",
    )
    elapsed = time.monotonic() - started

    runs = Counter(entry.job_id for entry in any_app.side_effects())
    statuses = Counter(job.refresh().status for job in jobs)
    lost = total - statuses["complete"]
    duplicates = sum(count - 1 for count in runs.values())
    figure("kill9_jobs", total)
    figure("kill9_kills", kills)
    figure("kill9_lost", lost)
    figure("kill9_duplicate_runs", duplicates)
    figure("kill9_most_runs_of_one_job", max(runs.values()))
    figure("kill9_total_s", f"{elapsed:.2f}")
    assert lost == 0 and statuses == {"complete": total}
    assert set(runs) == {job.id for job in jobs}  # nothing ran that was not enqueued
    assert any_app.queue.stats()["dead"] == 0
    assert [job.result(timeout=1) for job in jobs[:5]] == list(range(5))
    # Only work in flight at a kill runs twice: the 4 running tasks plus the results that
    # finished but were not group-committed yet (about 1 ms of work). Measured here: 3 to
    # 6 per kill, up to 11 with the CPUs saturated; far below "the backlog ran twice".
    assert duplicates <= kills * 4 * 4, runs.most_common(5)
    if any_app.backend.name == "sqlite":
        assert integrity(any_app) == "ok"


PRODUCER = """
import app
for n in range({total}):
    app.work.delay(n)
print("enqueued", {total}, flush=True)
"""


@pytest.mark.timeout(60)
def test_two_workers_and_a_producer_run_each_job_exactly_once(
    any_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    any_app.write(
        """
        @queue.task()
        def work(n):
            side_effect()
            return n
        """,
        workers=2,
    )
    total = 3_000
    workers = [worker_process(any_app.dir, *WORKER) for _ in range(2)]
    for worker in workers:
        worker.wait_for_line("[taskito] Queues:")
    started = time.monotonic()
    producer = worker_process(any_app.dir, command=["-c", PRODUCER.format(total=total)])
    assert producer.finish(timeout=45) == 0, producer.errors
    wait_for(
        lambda: any_app.queue.stats()["completed"] == total,
        30,
        what=f"all jobs to complete: {any_app.queue.stats()}",
    )
    elapsed = time.monotonic() - started

    entries = any_app.side_effects()
    runs = Counter(entry.job_id for entry in entries)
    shares = Counter(entry.pid for entry in entries)
    figure("two_workers_jobs", total)
    figure("two_workers_runs", len(entries))
    figure("two_workers_duplicate_runs", len(entries) - len(runs))
    figure("two_workers_share", "/".join(str(shares[w.proc.pid]) for w in workers))
    figure("two_workers_total_s", f"{elapsed:.2f}")
    assert len(entries) == total and len(runs) == total  # each job exactly once
    assert set(shares) == {w.proc.pid for w in workers}  # both workers took jobs
    for worker in workers:
        worker.signal(signal.SIGTERM)
        assert worker.finish() == 0
    for proc in [*workers, producer]:
        output = "\n".join(proc.lines + proc.errors)
        assert "locked" not in output.lower() and "Traceback" not in output, output
    assert producer.lines == [f"enqueued {total}"]


@pytest.mark.timeout(60)
def test_a_paused_worker_loses_its_job_and_its_late_finish_is_fenced(
    any_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    lease = 3.0
    any_app.write(
        """
        @queue.task(max_retries=0)
        def hold():
            side_effect("started")
            wait_for_file(HERE / "release")
            side_effect("finished")
            return os.getpid()


        @queue.task(queue="only_a")
        def whoami():
            return os.getpid()
        """,
        queue_options=f", lease_timeout={lease}",
    )
    module = any_app.load()
    job = module.hold.delay()
    first = worker_process(any_app.dir, *WORKER, "--queues", "default,only_a")
    wait_for(lambda: any_app.side_effects(), 15, what="the job to start on the first worker")
    second = worker_process(any_app.dir, *WORKER, "--queues", "default")
    second.wait_for_line("[taskito] Queues:")

    first.signal(signal.SIGSTOP)
    paused_at = time.monotonic()
    try:
        (any_app.dir / "release").touch()
        assert job.result(timeout=lease + 5) == second.proc.pid
        recovery = time.monotonic() - paused_at
    finally:
        first.signal(signal.SIGCONT)
    figure("pause_lease_s", lease)
    figure("pause_recovery_s", f"{recovery:.2f}")
    assert recovery <= lease + 2

    # The first worker wakes up, finishes its stale attempt, and reports it.
    wait_for(
        lambda: any(
            e.note == "finished" and e.pid == first.proc.pid for e in any_app.side_effects()
        ),
        15,
        what="the paused worker to finish its stale attempt",
    )
    # A later job of the first worker completes only after its earlier outcome was handled.
    assert module.whoami.delay().result(timeout=15) == first.proc.pid
    record = any_app.queue._inner.get_job(job.id)
    assert record is not None
    assert (record.status, record.attempt) == ("complete", 2)
    assert job.result(timeout=1) == second.proc.pid  # the stale finish changed nothing
    notes = [(e.pid, e.attempt, e.note) for e in any_app.side_effects()]
    assert sorted(notes) == sorted(
        [
            (first.proc.pid, 1, "started"),
            (second.proc.pid, 2, "started"),
            (second.proc.pid, 2, "finished"),
            (first.proc.pid, 1, "finished"),
        ]
    )


@pytest.mark.timeout(60)
def test_a_job_that_kills_its_worker_is_quarantined_after_3_crashes(
    any_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    any_app.write(
        """
        @queue.task()
        def poison():
            side_effect()
            os._exit(1)
        """,
        queue_options=", lease_timeout=2",
    )
    module = any_app.load()
    job = module.poison.delay()
    started = time.monotonic()
    deaths = 0
    while deaths < 5:
        worker = worker_process(any_app.dir, *WORKER)
        wait_for(
            lambda: worker.proc.poll() is not None or job.refresh().status == "dead",  # noqa: B023
            15,
            what="the worker to die or the job to be quarantined",
        )
        if worker.proc.poll() is None:
            break
        deaths += 1
        assert worker.proc.returncode == 1
    figure("poison_worker_deaths", deaths)
    figure("poison_quarantine_s", f"{time.monotonic() - started:.2f}")
    assert deaths == 3
    assert job.status == "dead"
    with pytest.raises(JobFailedError, match="quarantined: the worker died 3 times"):
        job.result(timeout=1)
    assert len(any_app.side_effects()) == 3
    [dead] = any_app.queue.dead_letters()
    assert dead["original_job_id"] == job.id and "quarantined" in str(dead["error"])
    # The worker that found the job quarantined keeps serving.
    assert module.add.delay(2, 3).result(timeout=15) == 5
    assert worker.proc.poll() is None


@pytest.mark.timeout(30)
# Making the file read-only under a running worker cannot be simulated here: the worker
# runs as root, and permissions and `chattr +i` are checked when a file is opened, not on
# writes through descriptors already open (SQLite keeps its files open).
@pytest.mark.parametrize("damage", ["deleted", "replaced"])
def test_a_worker_whose_database_goes_away_stops_with_one_sentence(
    app: App, worker_process: StartWorker, damage: str
) -> None:
    app.write()
    module = app.load()
    worker = worker_process(app.dir, *WORKER)
    assert module.add.delay(1, 2).result(timeout=15) == 3
    db = app.dir / "taskito.db"
    files = [app.dir / f"taskito.db{suffix}" for suffix in ("", "-wal", "-shm")]
    if damage == "deleted":
        for path in files:
            path.unlink(missing_ok=True)
    else:
        fresh = app.dir / "other.db"
        fresh.write_bytes(b"not a database" * 512)
        os.replace(fresh, db)
    code = worker.finish(timeout=20)
    assert code != 0
    assert len(worker.errors) == 1, worker.errors
    assert worker.errors[0].startswith("taskito: the database cannot be used:")
    assert "Traceback" not in worker.output + "\n".join(worker.errors)
