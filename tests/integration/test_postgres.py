"""PostgreSQL acceptance (issue 5): one queue shared by many worker processes, and
what happens when a worker dies, loses its connections, or the server restarts.

Real worker processes, real signals, a real server; every execution appends
``job_id attempt pid note`` to a side-effect log outside the database, so a job run
twice shows up even if the database says otherwise. Each test prints its figures as
``FIGURE name=value`` lines. The server restart disturbs every client of the server for
a few seconds: deselect it with ``-m "not pg_restart"``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest
from taskito import Queue

from tests.backends import PG_URL, Backend, literal, psql
from tests.conftest import App, SideEffect, WorkerProcess, subprocess_env, wait_for
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

StartWorker = Callable[..., WorkerProcess]
Figure = Callable[[str, object], None]

WORKER = ("--app", "app:queue")
LOST = "[taskito] lost the connection to PostgreSQL"
BACK = "[taskito] reconnected to PostgreSQL"

WORK = """
@queue.task(max_retries=0)
def work(n):
    side_effect()
    time.sleep({sleep})
    return n
"""

PRODUCER = """
import app
for n in range({start}, {stop}):
    app.work.delay(n)
print("enqueued", {stop} - {start}, flush=True)
"""


def require(condition: bool, reason: str) -> None:
    """Skip (fail under ``TASKITO_REQUIRE_PG=1``) when this machine cannot run the test."""
    if condition:
        return
    if os.environ.get("TASKITO_REQUIRE_PG") == "1":
        pytest.fail(f"TASKITO_REQUIRE_PG=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def runs_per_job(entries: list[SideEffect]) -> Counter[str]:
    return Counter(entry.job_id for entry in entries)


def wait_for_stderr(worker: WorkerProcess, text: str, timeout: float = 15.0) -> None:
    wait_for(
        lambda: any(text in line for line in worker.errors),
        timeout,
        what=f"{text!r} in the worker's stderr:\n" + "\n".join(worker.errors),
    )


def outage_log(worker: WorkerProcess) -> int:
    """How many times the worker said it lost the server. Each such line must be
    followed by one saying it is back, and nothing else may be on stderr."""
    said = worker.errors
    pairs = list(zip(said[::2], said[1::2]))
    assert len(said) == 2 * len(pairs), said
    assert all(LOST in lost and BACK in back for lost, back in pairs), said
    return len(pairs)


def quiet(*procs: WorkerProcess) -> None:
    """No tracebacks and no "database is locked"-style noise in any output."""
    for proc in procs:
        output = "\n".join(proc.lines + proc.errors)
        assert "Traceback" not in output and "locked" not in output.lower(), output


@pytest.mark.timeout(120)
def test_four_workers_and_two_producers_run_each_of_5000_jobs_exactly_once(
    pg_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    pg_app.write(WORK.format(sleep=0), workers=2)
    total = 5_000
    workers = [worker_process(pg_app.dir, *WORKER) for _ in range(4)]
    for worker in workers:
        worker.wait_for_line("[taskito] Queues:", timeout=30)
    started = time.monotonic()
    half = total // 2
    producers = [
        worker_process(pg_app.dir, command=["-c", PRODUCER.format(start=start, stop=stop)])
        for start, stop in ((0, half), (half, total))
    ]
    for producer in producers:
        assert producer.finish(timeout=90) == 0, producer.errors
    enqueued = time.monotonic() - started
    wait_for(
        lambda: pg_app.queue.stats()["completed"] == total,
        60,
        what=f"all jobs to complete: {pg_app.queue.stats()}",
    )
    elapsed = time.monotonic() - started

    entries = pg_app.side_effects()
    runs = runs_per_job(entries)
    shares = Counter(entry.pid for entry in entries)
    figure("pg_four_workers_jobs", total)
    figure("pg_four_workers_runs", len(entries))
    figure("pg_four_workers_duplicate_runs", len(entries) - len(runs))
    figure("pg_four_workers_share", "/".join(str(shares[w.proc.pid]) for w in workers))
    figure("pg_four_workers_enqueue_s", f"{enqueued:.2f}")
    figure("pg_four_workers_total_s", f"{elapsed:.2f}")
    assert len(entries) == total and len(runs) == total  # each job exactly once
    assert set(runs) == {job.id for job in pg_app.queue.list_jobs(limit=0)}
    assert set(shares) == {w.proc.pid for w in workers}  # all four took work
    for worker in workers:
        worker.signal(signal.SIGTERM)
        assert worker.finish() == 0
    quiet(*workers, *producers)
    for producer, count in zip(producers, (half, total - half)):
        assert producer.lines == [f"enqueued {count}"]


OTHER_HOST = "taskito-test-other-host"


def as_another_host() -> list[str]:
    """A command prefix that runs the worker in a UTS namespace of its own, under
    another host name: the other workers then cannot see that its process died (as
    with a worker on another machine) and must wait for its lease to expire."""
    if shutil.which("unshare") is None:
        require(False, "unshare is not installed: cannot start a worker as another host")
    probe = subprocess.run(["unshare", "--uts", "true"], capture_output=True, text=True)
    require(
        probe.returncode == 0,
        f"cannot start a worker as another host here (unshare --uts: {probe.stderr.strip()})",
    )
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', OTHER_HOST]


def leased_to(backend: Backend, pid: int) -> list[str]:
    """Ids of the running jobs leased to the worker process ``pid`` of OTHER_HOST."""
    rows = backend.sql(
        "SELECT j.id FROM jobs j JOIN workers w ON j.lease_owner = w.worker_id "
        f"WHERE j.status = 'running' AND w.pid = {pid} AND w.hostname = {literal(OTHER_HOST)}"
    )
    return [row[0] for row in rows]


@pytest.mark.timeout(90)
def test_kill_9_of_a_worker_on_another_host_its_jobs_are_rescued_within_the_lease(
    pg_app: App, pg_backend: Backend, worker_process: StartWorker, figure: Figure
) -> None:
    lease = 3.0
    pg_app.write(WORK.format(sleep=0.005), workers=2, queue_options=f", lease_timeout={lease}")
    module = pg_app.load()
    prefix = as_another_host()
    total = 2_000
    jobs = module.work.map([(n,) for n in range(total)])
    victim = worker_process(pg_app.dir, *WORKER, prefix=prefix)
    victim.wait_for_line("[taskito] Queues:", timeout=30)
    others = [worker_process(pg_app.dir, *WORKER) for _ in range(3)]
    wait_for(
        lambda: sum(e.pid == victim.proc.pid for e in pg_app.side_effects()) >= 100,
        30,
        what="the victim to run 100 jobs",
    )

    victim.signal(signal.SIGKILL)
    killed_at = time.monotonic()
    assert victim.finish() == -signal.SIGKILL
    held = leased_to(pg_backend, victim.proc.pid)  # frozen: nobody renews them now
    wait_for(
        lambda: not leased_to(pg_backend, victim.proc.pid),
        lease + 10,
        interval=0.05,
        what=f"the dead worker's {len(held)} jobs to be rescued",
    )
    rescued_after = time.monotonic() - killed_at
    wait_for(
        lambda: pg_app.queue.stats()["completed"] == total,
        60,
        what=f"all jobs to complete: {pg_app.queue.stats()}",
    )
    elapsed = time.monotonic() - killed_at

    runs = runs_per_job(pg_app.side_effects())
    statuses = Counter(job.refresh().status for job in jobs)
    twice = {job_id for job_id, count in runs.items() if count > 1}
    shares = Counter(entry.pid for entry in pg_app.side_effects())
    figure("pg_rescue_lease_s", lease)
    figure("pg_rescue_jobs_held_by_the_dead_worker", len(held))
    figure("pg_rescue_after_s", f"{rescued_after:.2f}")
    figure("pg_rescue_lost", total - statuses["complete"])
    figure("pg_rescue_duplicate_runs", sum(runs.values()) - len(runs))
    figure("pg_rescue_share", "/".join(str(shares[w.proc.pid]) for w in [victim, *others]))
    figure("pg_rescue_done_after_kill_s", f"{elapsed:.2f}")
    assert held, "the victim held no job when it was killed"
    assert rescued_after <= lease + 2
    assert statuses == {"complete": total}  # nothing lost
    assert set(runs) == {job.id for job in jobs}
    # Only what the dead worker held can have run twice: at most its running tasks
    # (and results not yet committed), never the backlog.
    assert twice <= set(held), sorted(twice - set(held))
    for job_id in held:
        record = pg_app.queue._inner.get_job(job_id)
        assert record is not None and record.attempt == 2 and record.retry_count == 0
    quiet(*others)


RESTART_APP = """
@queue.task()
def work(n):
    side_effect(f"started {time.time():.3f}")
    time.sleep(0.005)
    side_effect(f"finished {time.time():.3f}")
    return n
"""


def restart_command() -> list[str]:
    host = urlsplit(PG_URL).hostname or ""
    require(
        host in ("127.0.0.1", "localhost", "::1"),
        f"the PostgreSQL test server ({host}) is not on this machine: cannot restart it",
    )
    require(shutil.which("pg_ctlcluster") is not None, "pg_ctlcluster is not installed")
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    require(bool(versions), "no cluster under /etc/postgresql")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main"]


def attempts(entries: list[SideEffect]) -> dict[tuple[str, int], dict[str, float]]:
    """(job_id, attempt) -> {"started": t, "finished": t} from RESTART_APP's notes."""
    seen: dict[tuple[str, int], dict[str, float]] = {}
    for entry in entries:
        what, at = entry.note.split()
        seen.setdefault((entry.job_id, entry.attempt), {})[what] = float(at)
    return seen


@pytest.mark.pg_restart
@pytest.mark.timeout(120)
def test_a_worker_rides_out_a_server_restart(
    pg_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    pg_app.write(RESTART_APP, workers=4)
    module = pg_app.load()
    cluster = restart_command()
    total, later = 1_500, 200
    jobs = module.work.map([(n,) for n in range(total)])
    worker = worker_process(pg_app.dir, *WORKER)
    wait_for(lambda: len(pg_app.side_effects()) >= total // 3, 30, what="a third of the jobs")

    down_at = time.time()
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*cluster, "restart", "-m", "fast"], capture_output=True, text=True, timeout=60
        )
    finally:
        if subprocess.run([*cluster, "status"], capture_output=True).returncode != 0:
            subprocess.run([*cluster, "start"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    outage = time.monotonic() - started
    wait_for_stderr(worker, LOST)
    wait_for_stderr(worker, BACK, 30)
    back_at = time.time()
    reconnected_after = time.monotonic() - started
    jobs += module.work.map([(n,) for n in range(total, total + later)])  # producers too
    wait_for(
        lambda: pg_app.queue.stats()["completed"] == total + later,
        60,
        what=f"all jobs to complete: {pg_app.queue.stats()}",
    )

    entries = pg_app.side_effects()
    runs = Counter(e.job_id for e in entries if e.note.startswith("started"))
    twice = {job_id for job_id, count in runs.items() if count > 1}
    # An attempt the outage genuinely interrupted: it was running while the server
    # was away, and another attempt of the job followed it.
    interrupted = {
        job_id
        for (job_id, attempt), at in attempts(entries).items()
        if job_id in twice
        and attempt < runs[job_id]
        and at["started"] < back_at
        and at.get("finished", back_at) > down_at
    }
    statuses = Counter(job.refresh().status for job in jobs)
    figure("pg_restart_jobs", total + later)
    figure("pg_restart_server_restart_s", f"{outage:.2f}")
    figure("pg_restart_worker_reconnected_after_s", f"{reconnected_after:.2f}")
    figure("pg_restart_lost", total + later - statuses["complete"])
    figure("pg_restart_duplicate_runs", sum(runs.values()) - len(runs))
    figure("pg_restart_interrupted_attempts", len(interrupted))
    assert statuses == {"complete": total + later}
    assert twice == interrupted, sorted(twice - interrupted)
    assert worker.proc.poll() is None  # it recovered on its own
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0
    quiet(worker)
    said = outage_log(worker)
    figure("pg_restart_lost_lines", said)
    if said != 1:  # everything else above held: report the gap without failing
        pytest.xfail(
            "crates/taskito-postgres: one server restart made the worker say it lost the "
            f"server {said} times (a stale pooled connection after 'reconnected', or a "
            f"'reconnected' while the server was still shutting down): {worker.errors}"
        )


CUT_APP = """
@queue.task(max_retries=0)
def hold(name):
    side_effect(name)
    wait_for_file(HERE / f"release-{name}")
    return name
"""


@pytest.mark.timeout(90)
def test_a_worker_whose_connections_are_cut_keeps_its_running_tasks(
    pg_app: App, pg_backend: Backend, worker_process: StartWorker, figure: Figure
) -> None:
    pg_app.write(CUT_APP + WORK.format(sleep=0.002), workers=4)
    module = pg_app.load()
    worker = worker_process(pg_app.dir, *WORKER)
    holds = [module.hold.delay(name) for name in ("a", "b")]
    wait_for(lambda: len(pg_app.side_effects()) == 2, 15, what="both holds to start")
    total = 1_000
    jobs = module.work.map([(n,) for n in range(total)])
    wait_for(lambda: len(pg_app.side_effects()) >= 200, 30, what="200 jobs to run")

    pid = worker.proc.pid
    names = pg_backend.connections(str(pid))
    assert f"{pg_backend.schema}_{pid} listener" in names, names
    cut = pg_backend.cut_connections(str(pid))
    cut_at = time.monotonic()
    wait_for_stderr(worker, LOST)
    assert [h.refresh().status for h in holds] == ["running", "running"]
    wait_for_stderr(worker, BACK)
    reconnected_after = time.monotonic() - cut_at
    for name in ("a", "b"):
        pg_app.release(name)
    assert [h.result(timeout=15) for h in holds] == ["a", "b"]
    wait_for(
        lambda: pg_app.queue.stats()["completed"] == total + 2,
        30,
        what=f"all jobs to complete: {pg_app.queue.stats()}",
    )

    runs = runs_per_job(pg_app.side_effects())
    figure("pg_cut_connections", cut)
    figure("pg_cut_reconnected_after_s", f"{reconnected_after:.2f}")
    figure("pg_cut_duplicate_runs", sum(runs.values()) - len(runs))
    figure("pg_cut_lost_lines", outage_log(worker))
    assert cut >= 2  # the listener and at least one pooled connection
    assert set(runs) == {j.id for j in [*holds, *jobs]} and set(runs.values()) == {1}
    for hold in holds:  # kept by its worker: the same attempt finished it
        record = pg_app.queue._inner.get_job(hold.id)
        assert record is not None and (record.attempt, record.status) == (1, "complete")
    assert worker.proc.poll() is None
    assert outage_log(worker) >= 1
    assert pg_backend.connections(str(pid))  # connected again
    quiet(worker)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    """A TCP forwarder to the test server, for a test to cut its own processes off."""
    server = urlsplit(PG_URL)
    forwarder = TcpProxy((server.hostname or "127.0.0.1", server.port or 5432))
    yield forwarder
    forwarder.close()


# Engine lines while a call stays out of reach past the store's 30 s reconnect budget.
RETRYING = "failed, retrying: cannot reach PostgreSQL"
ENGINE_THREADS = ("claiming jobs", "the heartbeat", "recording job results")


@pytest.mark.timeout(150)
def test_a_worker_waits_out_an_outage_longer_than_its_reconnect_budget(
    proxy: TcpProxy, pg_app: App, pg_backend: Backend, worker_process: StartWorker, figure: Figure
) -> None:
    """The server stays out of reach of one worker (its connections go through a proxy
    the test cuts) for longer than a call's 30 s reconnect budget and than the lease:
    the worker keeps running, finishes the task it had, and resumes when it can."""
    pg_backend.app_port = proxy.port
    pg_app.write(CUT_APP + WORK.format(sleep=0.002), workers=2)
    module = pg_app.load()  # through the proxy as well: check with `direct`
    direct = pg_backend.queue()
    worker = worker_process(pg_app.dir, *WORKER)
    hold = module.hold.delay("a")
    wait_for(lambda: len(pg_app.side_effects()) == 1, 15, what="the hold to start")
    early = module.work.map([(n,) for n in range(100)])
    wait_for(lambda: direct.stats()["completed"] == 100, 30, what="the first 100 jobs")

    proxy.cut()
    cut_at = time.monotonic()
    wait_for_stderr(worker, LOST)
    pg_app.release("a")  # it finishes while the server is away: its result must wait
    late = [direct.enqueue("app.work", args=(n,)) for n in range(100, 200)]
    for what in ENGINE_THREADS:  # each gave up a call after 30 s, and goes on trying
        wait_for_stderr(worker, f"[taskito] {what} {RETRYING}", 60)
    assert worker.proc.poll() is None
    assert direct.get_job(hold.id).status == "running"  # type: ignore[union-attr]
    proxy.restore()
    outage = time.monotonic() - cut_at
    wait_for(
        lambda: direct.stats()["completed"] == 201,
        30,
        what=f"every job to complete: {direct.stats()}",
    )
    resumed_after = time.monotonic() - cut_at - outage

    runs = runs_per_job(pg_app.side_effects())
    record = direct._inner.get_job(hold.id)
    figure("pg_long_outage_s", f"{outage:.1f}")
    figure("pg_long_outage_done_after_restore_s", f"{resumed_after:.2f}")
    figure("pg_long_outage_duplicate_runs", sum(runs.values()) - len(runs))
    assert record is not None and (record.status, record.attempt) == ("complete", 1)
    assert direct.get_job(hold.id).result(timeout=1) == "a"  # type: ignore[union-attr]
    assert set(runs) == {j.id for j in [hold, *early, *late]} and set(runs.values()) == {1}
    for what in ENGINE_THREADS:
        wait_for_stderr(worker, f"[taskito] {what} works again")
    assert worker.proc.poll() is None
    expected = (LOST, BACK, RETRYING, "works again")
    assert all(any(text in line for text in expected) for line in worker.errors), worker.errors
    figure("pg_long_outage_stderr_lines", len(worker.errors))
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0
    quiet(worker)


@pytest.mark.timeout(60)
def test_one_cut_of_all_connections_logs_one_pair_of_lines(
    pg_app: App, pg_backend: Backend, worker_process: StartWorker
) -> None:
    pg_app.write(workers=2)
    module = pg_app.load()
    worker = worker_process(pg_app.dir, *WORKER)
    assert [r.result(timeout=15) for r in module.add.map([(n, 1) for n in range(200)])][-1] == 200
    pid = worker.proc.pid
    assert len(pg_backend.connections(str(pid))) >= 3  # the listener and pooled ones
    pg_backend.cut_connections(str(pid))
    wait_for_stderr(worker, BACK)
    assert [r.result(timeout=15) for r in module.add.map([(n, 2) for n in range(200)])][-1] == 201
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0
    assert outage_log(worker) == 1, worker.errors


@pytest.mark.timeout(60)
def test_taskito_db_url_and_no_password_in_any_output(
    pg_backend: Backend,
    worker_process: StartWorker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parts = urlsplit(pg_backend.url("env"))
    secret = "not-shown-anywhere"  # trust auth here: the server ignores it
    user = parts.username or "postgres"
    netloc = f"{user}:{secret}@{parts.hostname}:{parts.port or 5432}"
    url = parts._replace(netloc=netloc).geturl()
    (tmp_path / "envapp.py").write_text(
        "from taskito import Queue\n"
        f'queue = Queue(backend="postgres", schema={pg_backend.schema!r}, workers=1)\n'
        "@queue.task()\n"
        "def add(a, b):\n"
        "    return a + b\n"
    )
    worker = worker_process(tmp_path, "--app", "envapp:queue", env={"TASKITO_DB_URL": url})
    worker.wait_for_line("[taskito] Queues: default")
    monkeypatch.setenv("TASKITO_DB_URL", url)
    from_env = Queue(backend="postgres", schema=pg_backend.schema)
    assert from_env.enqueue("envapp.add", args=(2, 3)).result(timeout=15) == 5
    assert pg_backend.queue().stats()["completed"] == 1  # the same schema
    banner = [line for line in worker.lines if "database" in line]
    assert banner and f"{user}@{parts.hostname}" in banner[0], worker.lines
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0
    assert secret not in worker.output + "\n".join(worker.errors)


@pytest.mark.timeout(60)
def test_an_unknown_database_stops_the_worker_with_one_sentence(
    pg_backend: Backend, worker_process: StartWorker, tmp_path: Path
) -> None:
    parts = urlsplit(PG_URL)
    url = parts._replace(path="/no_such_database_here").geturl()
    (tmp_path / "badapp.py").write_text(
        "from taskito import Queue\n"
        f"queue = Queue(backend='postgres', db_url={url!r}, schema={pg_backend.schema!r})\n"
    )
    worker = worker_process(tmp_path, "--app", "badapp:queue")
    assert worker.finish() == 1
    assert worker.errors == [
        "taskito: the database cannot be used: storage error: PostgreSQL at "
        f'{parts.hostname}:{parts.port or 5432}: database "no_such_database_here" does not '
        "exist (SQLSTATE 3D000)"
    ]


@pytest.mark.timeout(60)
def test_enqueue_in_one_process_wakes_a_worker_in_another_at_once(
    pg_app: App, worker_process: StartWorker, figure: Figure
) -> None:
    """LISTEN/NOTIFY, not the 50 ms fallback poll, starts a job enqueued elsewhere."""
    pg_app.write(workers=1)
    module = pg_app.load()
    worker = worker_process(pg_app.dir, *WORKER)
    worker.wait_for_line("[taskito] Queues:")
    assert module.add.delay(0, 0).result(timeout=15) == 0  # warm
    trips = []
    for n in range(40):
        started = time.perf_counter()
        assert module.add.delay(n, 1).result(timeout=15) == n + 1
        trips.append(time.perf_counter() - started)
        time.sleep(0.01)  # idle between jobs: each one has to wake the worker
    trips.sort()
    p50, p90 = trips[len(trips) // 2], trips[len(trips) * 9 // 10]
    figure("pg_round_trip_p50_ms", f"{p50 * 1000:.1f}")
    figure("pg_round_trip_p90_ms", f"{p90 * 1000:.1f}")
    assert p50 < 0.025, trips


def test_the_schema_option_keeps_the_tables_in_that_schema(pg_backend: Backend) -> None:
    pg_backend.queue()
    rows = psql(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = {literal(pg_backend.schema)} ORDER BY 1"
    )
    assert [row[0] for row in rows] == sorted(
        [
            "circuit_breakers",
            "dead_letters",
            "job_count_deltas",
            "job_counts",
            "job_dependencies",
            "job_errors",
            "job_logs",
            "jobs",
            "maintenance",
            "periodic_schedules",
            "periodic_ticks",
            "rate_limits",
            "rate_reservations",
            "replay_history",
            "task_metrics",
            "taskito_migrations",
            "workers",
        ]
    )


SCALING_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"

TASKS = """
from taskito import Queue

queue = Queue(backend="postgres", db_url={url!r}, schema={schema!r}, workers=2)


@queue.task()
def resize(path, width=100):
    return f"{{path}} at {{width}}"


@queue.task(queue="emails")
def send(to):
    return f"sent to {{to}}"
"""


def guide_script(marker: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", SCALING_GUIDE.read_text(), re.S)
    [block] = [textwrap.dedent(b) for b in blocks if marker in b]
    return block


@pytest.mark.timeout(60)
def test_the_migration_script_of_the_scaling_guide_copies_the_pending_jobs(
    pg_backend: Backend, tmp_path: Path, worker_process: StartWorker
) -> None:
    (tmp_path / "tasks.py").write_text(
        TASKS.format(url=pg_backend.url("tasks"), schema=pg_backend.schema)
    )
    (tmp_path / "migrate.py").write_text(guide_script("# migrate.py"))
    old = Queue(db_path=str(tmp_path / ".taskito" / "taskito.db"))
    old.enqueue("tasks.resize", args=("a.png",), kwargs={"width": 640}, priority=5)
    old.enqueue("tasks.send", args=("ann",), queue="emails")
    old.enqueue("tasks.resize", args=("later.png",), delay=600)
    old.cancel_job(old.enqueue("tasks.resize", args=("never.png",)).id)

    for _ in range(2):  # the second run finds nothing left to copy
        done = subprocess.run(
            [sys.executable, "migrate.py"],
            cwd=tmp_path,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    assert old.stats()["pending"] == 0 and old.stats()["cancelled"] == 4

    new = pg_backend.queue()
    jobs = new.list_jobs(limit=0)
    fields = [j.to_dict() for j in jobs]
    rows = sorted((f["task_name"], f["queue"], f["priority"]) for f in fields)
    assert rows == [
        ("tasks.resize", "default", 0),
        ("tasks.resize", "default", 5),
        ("tasks.send", "emails", 0),
    ]
    in_ten_minutes = [j for j in jobs if scheduled_at(new, j.id) > time.time() * 1000 + 500_000]
    assert len(in_ten_minutes) == 1  # its delay is kept
    worker_process(tmp_path, "--app", "tasks:queue")
    ready = [j for j in jobs if j.id != in_ten_minutes[0].id]
    assert sorted(j.result(timeout=15) for j in ready) == ["a.png at 640", "sent to ann"]
    assert in_ten_minutes[0].refresh().status == "pending"


def scheduled_at(queue: Queue, job_id: str) -> int:
    record = queue._inner.get_job(job_id)
    assert record is not None
    return record.scheduled_at


@pytest.mark.timeout(60)
def test_sslmode_require_runs_jobs_over_tls_and_a_bad_mode_is_one_sentence(
    pg_backend: Backend, start_worker: Callable[..., Any]
) -> None:
    if psql("SHOW ssl")[0][0] != "on":
        pytest.skip("the test server does not offer TLS (ssl = off)")
    url = pg_backend.url("tls") + "&sslmode=require"
    queue = Queue(backend="postgres", db_url=url, schema=pg_backend.schema, workers=1)

    @queue.task(name="tls.add")
    def add(a: int, b: int) -> int:
        return a + b

    worker = start_worker(queue)
    assert add.delay(2, 3).result(timeout=15) == 5
    encrypted = psql(
        "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
        f"WHERE a.application_name LIKE {literal(pg_backend.schema + '_tls%')}"
    )
    assert encrypted == [["t"]]
    worker.stop()

    with pytest.raises(ValueError, match=r"^.*sslmode=always is not a TLS mode") as info:
        Queue(backend="postgres", db_url=pg_backend.url() + "&sslmode=always")
    assert "\n" not in str(info.value)
