"""``taskito info`` (with ``--watch`` through a pseudo-terminal), ``dlq``, ``job`` and the
worker's ``--log-level`` / ``--log-format``, on both backends where storage matters."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import App, WorkerProcess, run_taskito, subprocess_env, wait_for

StartWorker = Callable[..., WorkerProcess]

FAILING = """
@queue.task(max_retries=0)
def explode(n):
    raise ValueError(f"boom {n}")
"""


def test_info_lists_live_work_per_queue_and_the_workers(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write()
    module = any_app.load()
    module.add.delay(1, 2)
    module.send_email.delay("a")
    module.send_email.delay("b")
    done = run_taskito("info", "--app", "app:queue", cwd=any_app.dir)
    assert done.returncode == 0, done.stderr
    queues = done.stdout.split("\n\n")[1].splitlines()
    assert queues[0].split() == ["queue", "pending", "running"]
    assert [line.split() for line in queues[1:]] == [["default", "1", "0"], ["emails", "2", "0"]]
    assert "workers: 0 live, 0 stale" in done.stdout

    worker = worker_process(any_app.dir, "--app", "app:queue")
    worker.wait_for_line("[taskito] Queues:")
    wait_for(lambda: any_app.queue.stats()["completed"] == 3, 15, what="3 jobs done")
    wait_for(lambda: len(any_app.queue.workers()) == 1, 15, what="the worker's heartbeat")
    done = run_taskito("info", "--app", "app:queue", cwd=any_app.dir)
    assert "(no pending or running jobs)" in done.stdout
    assert "workers: 1 live, 0 stale" in done.stdout
    assert f":{worker.proc.pid} " in done.stdout
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0


@pytest.mark.timeout(60)
def test_info_watch_redraws_in_a_terminal_and_exits_0_on_ctrl_c(app: App) -> None:
    app.write()
    module = app.load()
    module.add.delay(1, 2)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        os.chdir(app.dir)
        env = subprocess_env()
        os.execve(
            sys.executable,
            [
                sys.executable,
                "-m",
                "taskito",
                "info",
                "--app",
                "app:queue",
                "--watch",
                "--interval",
                "0.2",
            ],
            env,
        )
    screen = b""

    def read_some() -> None:
        nonlocal screen
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                screen += os.read(fd, 65536)
            except OSError:
                pass

    def frames() -> int:
        read_some()
        return screen.count(b"throughput ")

    wait_for(lambda: frames() >= 3, 30, what=f"three frames; got {screen!r}")
    assert b"\x1b[H" in screen  # redrawn in place, not scrolled
    assert b"\x1b[?25l" in screen  # cursor hidden while watching
    assert b"pending" in screen and b"default" in screen
    os.write(fd, b"\x03")  # Ctrl+C, through the terminal's line discipline
    deadline = time.monotonic() + 15
    status = None
    while time.monotonic() < deadline:
        read_some()
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    assert status is not None and os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0
    assert b"Traceback" not in screen and b"KeyboardInterrupt" not in screen
    assert screen.rstrip().endswith(b"\x1b[?25h") or b"\x1b[?25h" in screen[-64:]
    os.close(fd)


def test_dlq_list_retry_and_purge(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(FAILING)
    module = any_app.load()
    jobs = [module.explode.delay(n) for n in range(3)]
    worker = worker_process(any_app.dir, "--app", "app:queue")
    wait_for(lambda: any_app.queue.stats()["dead"] == 3, 20, what="3 dead jobs")

    listed = run_taskito("dlq", "list", "--app", "app:queue", cwd=any_app.dir)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("app.explode") == 3
    assert "ValueError: boom" in listed.stdout
    entries = json.loads(
        run_taskito("dlq", "list", "--app", "app:queue", "--json", cwd=any_app.dir).stdout
    )
    assert sorted(e["original_job_id"] for e in entries) == sorted(j.id for j in jobs)

    retried = run_taskito("dlq", "retry", "--app", "app:queue", entries[0]["id"], cwd=any_app.dir)
    assert retried.returncode == 0, retried.stderr
    assert f"{entries[0]['id']} -> new job " in retried.stdout
    wait_for(lambda: any_app.queue.stats()["dead"] == 4, 20, what="the retried copy dies too")

    unknown = run_taskito("dlq", "retry", "--app", "app:queue", "nope", cwd=any_app.dir)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "taskito: no dead letter with id 'nope'"

    purged = run_taskito("dlq", "purge", "--app", "app:queue", cwd=any_app.dir)
    assert purged.stdout.strip() == "purged 3 dead letters"
    assert any_app.queue.dead_letters() == []
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0


def test_job_show_and_cancel(any_app: App) -> None:
    any_app.write()
    module = any_app.load()
    job = module.add.apply_async(args=(1, 2), delay=3600, unique_key="k1")
    shown = run_taskito("job", "show", "--app", "app:queue", job.id, cwd=any_app.dir)
    assert shown.returncode == 0, shown.stderr
    assert f"id:           {job.id}" in shown.stdout
    assert "status:       pending" in shown.stdout and "unique_key:   k1" in shown.stdout
    data = json.loads(
        run_taskito("job", "show", "--app", "app:queue", job.id, "--json", cwd=any_app.dir).stdout
    )
    assert data["task_name"] == "app.add" and data["errors"] == []

    cancelled = run_taskito("job", "cancel", "--app", "app:queue", job.id, cwd=any_app.dir)
    assert cancelled.returncode == 0 and cancelled.stdout.strip() == f"cancelled job {job.id}"
    assert job.refresh().status == "cancelled"
    again = run_taskito("job", "cancel", "--app", "app:queue", job.id, cwd=any_app.dir)
    assert again.returncode == 1 and "is cancelled: nothing to cancel" in again.stdout

    missing = run_taskito("job", "show", "--app", "app:queue", "nope", cwd=any_app.dir)
    assert (missing.returncode, missing.stderr.strip()) == (1, "taskito: no job with id 'nope'")


def test_worker_log_level_debug_shows_each_job_and_json_format(
    app: App, worker_process: StartWorker
) -> None:
    app.write(FAILING)
    module = app.load()
    worker = worker_process(app.dir, "--app", "app:queue", "--log-level", "debug")
    worker.wait_for_line("[taskito] Queues:")
    ok = module.add.delay(1, 2)
    assert ok.result(timeout=15) == 3
    bad = module.explode.delay(7)
    wait_for(lambda: bad.refresh().status == "dead", 15, what="the failing job dies")
    wait_for(
        lambda: any(f"job {ok.id} (app.add) succeeded in" in line for line in worker.errors),
        10,
        what=f"the debug line of job {ok.id}: {worker.errors}",
    )
    assert any(f"job {ok.id} (app.add) started, attempt 1" in e for e in worker.errors)
    failed = [e for e in worker.errors if f"job {bad.id}" in e and "WARNING" in e]
    assert (
        failed and "ValueError: boom 7 (retryable; attempt 1, 0 of 0 retries used)" in failed[0]
    ), worker.errors
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0

    worker = worker_process(app.dir, "--app", "app:queue", "--log-format", "json")
    worker.wait_for_line("[taskito] Queues:")
    bad = module.explode.delay(8)
    wait_for(lambda: bad.refresh().status == "dead", 15, what="the failing job dies")
    wait_for(lambda: any(bad.id in e for e in worker.errors), 10, what="the JSON warning")
    record = json.loads(next(e for e in worker.errors if bad.id in e))
    assert record["level"] == "warning" and record["logger"] == "taskito"
    assert record["job_id"] == bad.id and record["task_name"] == "app.explode"
    assert not any("started, attempt" in e for e in worker.errors)  # info level: no debug
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0


def test_help_of_every_command(tmp_path: Path) -> None:
    for command in (
        ["dlq", "list"],
        ["dlq", "retry"],
        ["dlq", "purge"],
        ["job", "show"],
        ["job", "cancel"],
        ["info"],
        ["worker"],
    ):
        done = run_taskito(*command, "--help", cwd=tmp_path)
        assert done.returncode == 0, (command, done.stderr)
        assert "--app" in done.stdout, command


def test_out_of_range_numbers_are_one_sentence_not_a_traceback(app: App) -> None:
    app.write()
    for args, words in [
        (["dlq", "list", "--app", "app:queue", "--limit", "-1"], "-1 is less than 1"),
        (["dlq", "list", "--app", "app:queue", "--offset", "x"], "'x' is not a whole number"),
        (["worker", "--app", "app:queue", "--metrics-port", "99999"], "not between 0 and 65535"),
        (["dashboard", "--app", "app:queue", "--port", "70000"], "not between 0 and 65535"),
    ]:
        done = run_taskito(*args, cwd=app.dir)
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr, done.stderr
    with pytest.raises(ValueError, match="limit must be a whole number >= 1"):
        app.load().queue.dead_letters(limit=0)
