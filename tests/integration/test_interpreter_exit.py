"""A worker in a daemon thread when the program ends (the seed's own pattern).

Each test runs a real Python process that starts ``queue.run_worker`` in a daemon
thread and lets the script end while the worker is busy: the process must exit 0 with
nothing on stderr (no Rust panic, no "FATAL: exception not rethrown" abort), and no job
may be lost: unstarted ones are pending again, running ones finished or given back.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import subprocess_env

pytestmark = pytest.mark.timeout(180)

RUNS = 4


def run_python(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=90,
    )


def statuses(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())


def write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source))
    return path


def test_script_ending_mid_stream_exits_cleanly_and_keeps_every_job(tmp_path: Path) -> None:
    script = write(
        tmp_path / "busy.py",
        """
        import sys, threading
        from taskito import Queue

        queue = Queue(db_path=sys.argv[1], workers=2)

        @queue.task()
        def work(n):
            return n * 2

        if sys.argv[2] == "fill":
            work.map([(i,) for i in range(20_000)])
        else:
            threading.Thread(target=queue.run_worker, daemon=True).start()
            # End while the worker is busy: wait for some jobs, not all.
            first = work.delay(-1)
            assert first.result(timeout=30) == -2
        """,
    )
    db = tmp_path / "jobs.db"
    fill = run_python(tmp_path, str(script), str(db), "fill")
    assert fill.returncode == 0, fill.stderr
    for run in range(RUNS):
        done = run_python(tmp_path, str(script), str(db), "serve")
        assert done.returncode == 0, f"run {run}: exit {done.returncode}: {done.stderr}"
        assert done.stderr == "", f"run {run}: {done.stderr}"
        assert "Shutting down" not in done.stdout
        counts = statuses(db)
        assert set(counts) <= {"pending", "complete"}, counts
        assert sum(counts.values()) == 20_000 + run + 1
    assert statuses(db).get("complete", 0) > RUNS


def test_running_job_past_the_grace_is_given_back_at_exit(tmp_path: Path) -> None:
    """A CPU-bound task still running when the program ends: the worker's grace runs
    out, the job goes back to pending without spending a retry, its thread is stopped,
    and the process still exits 0 in silence. Another worker then finishes the job."""
    flag = tmp_path / "go"
    script = write(
        tmp_path / "spin.py",
        f"""
        import os, sys, threading
        from taskito import Queue

        queue = Queue(db_path=sys.argv[1], workers=2, shutdown_timeout=0.3)
        started = threading.Event()

        @queue.task(max_retries=0)
        def spin():
            started.set()
            while not os.path.exists({str(flag)!r}):
                pass
            return "done"

        if sys.argv[2] == "start":
            spin.delay()
            threading.Thread(target=queue.run_worker, daemon=True).start()
            assert started.wait(30)
        else:
            job = spin.delay()
            threading.Thread(target=queue.run_worker, daemon=True).start()
            assert job.result(timeout=30) == "done"
        """,
    )
    db = tmp_path / "jobs.db"
    for run in range(RUNS):
        done = run_python(tmp_path, str(script), str(db), "start")
        assert done.returncode == 0, f"run {run}: exit {done.returncode}: {done.stderr}"
        assert done.stderr == "", f"run {run}: {done.stderr}"
        assert statuses(db) == {"pending": run + 1}
        with sqlite3.connect(db) as conn:
            spent = conn.execute("SELECT MAX(retry_count) FROM jobs").fetchone()[0]
        assert spent == 0
    flag.touch()
    done = run_python(tmp_path, str(script), str(db), "finish")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    # Every job given back at an exit ran once the flag was there; none was lost.
    assert statuses(db) == {"complete": RUNS + 1}


def test_pytest_run_with_a_daemon_worker_exits_zero(tmp_path: Path) -> None:
    """The original report: a test suite starting a worker this way aborted (134)."""
    write(
        tmp_path / "test_user_suite.py",
        """
        import threading
        from taskito import Queue

        def test_worker_in_daemon_thread(tmp_path):
            queue = Queue(db_path=str(tmp_path / "q.db"), workers=2)

            @queue.task()
            def add(a, b):
                return a + b

            jobs = add.map([(i, i) for i in range(2_000)])
            threading.Thread(target=queue.run_worker, daemon=True).start()
            assert jobs[0].result(timeout=30) == 0
        """,
    )
    for run in range(RUNS):
        done = run_python(tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider")
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"run {run}: exit {done.returncode}: {output}"
        assert "1 passed" in done.stdout
        for word in ("FATAL", "panicked", "Traceback"):
            assert word not in output, output


def test_daemon_producers_inside_delay_at_exit_exit_cleanly(tmp_path: Path) -> None:
    """Threads in the middle of ``delay()`` (inside the engine, the GIL released) when
    the program ends, with no worker in the process: they used to abort it every time
    ("FATAL: exception not rethrown", exit 134), because the exit hook was only set up
    by a worker. Every job whose ``delay()`` returned is stored."""
    script = write(
        tmp_path / "produce.py",
        """
        import sys, threading, time
        from taskito import Queue

        queue = Queue(db_path=sys.argv[1])

        @queue.task()
        def noop(i):
            return i

        returned = []

        def produce():
            i = 0
            while True:
                noop.delay(i)
                returned.append(i)
                i += 1

        for _ in range(4):
            threading.Thread(target=produce, daemon=True).start()
        deadline = time.monotonic() + 30
        while len(returned) < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        print(len(returned))
        """,
    )
    db = tmp_path / "jobs.db"
    for run in range(RUNS):
        done = run_python(tmp_path, str(script), str(db))
        assert done.returncode == 0, f"run {run}: exit {done.returncode}: {done.stderr}"
        assert done.stderr == "", f"run {run}: {done.stderr}"
        assert int(done.stdout.strip()) >= 200
        assert set(statuses(db)) == {"pending"}
