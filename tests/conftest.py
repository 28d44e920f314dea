"""Shared fixtures.

``tests/unit`` never starts a worker or a process (a Queue on a temporary file is fine);
``tests/integration`` runs real workers, in threads of this process or as
``python -m taskito worker`` subprocesses. Tests wait on conditions with
:func:`wait_for`, never on bare sleeps.

Backends: ``queue`` and ``app`` are on SQLite; ``any_queue`` and ``any_app`` run the
test once on SQLite and once on PostgreSQL (a fresh schema, see ``tests/backends.py``);
``pg_app`` is on PostgreSQL only. Deselect the PostgreSQL half with ``-m "not postgres"``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NamedTuple, TypeVar

import pytest
import taskito
from taskito import Queue

from tests.backends import Backend, require_postgres, sqlite_elsewhere

__all__ = ["Backend", "sqlite_elsewhere"]

T = TypeVar("T")

# Where the taskito package was imported from, so subprocesses import the same one.
PACKAGE_ROOT = str(Path(taskito.__file__).resolve().parent.parent)


def wait_for(
    predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01, what: str = ""
) -> T:
    """Poll ``predicate`` until it returns something truthy; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs against the PostgreSQL test server")
    config.addinivalue_line(
        "markers",
        "pg_restart: restarts the PostgreSQL server (every client of it waits a few seconds)",
    )


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def open_backend(name: str, directory: Path) -> Iterator[Backend]:
    if name == "postgres":
        require_postgres()
    backend = Backend(name, directory)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture(params=BACKENDS)
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend in turn: the test runs once on SQLite, once on PostgreSQL."""
    yield from open_backend(request.param, tmp_path)


@pytest.fixture
def pg_backend(tmp_path: Path) -> Iterator[Backend]:
    """A fresh schema on the PostgreSQL test server, dropped at teardown."""
    yield from open_backend("postgres", tmp_path)


@pytest.fixture
def queue(tmp_path: Path) -> Queue:
    """A queue on a fresh SQLite database with two worker threads."""
    return Queue(db_path=str(tmp_path / "taskito.db"), workers=2)


@pytest.fixture
def any_queue(any_backend: Backend) -> Queue:
    """A queue with two worker threads on a fresh database of each backend."""
    return any_backend.queue(workers=2)


class WorkerThread:
    """``queue.run_worker`` in a daemon thread of this process."""

    def __init__(self, queue: Queue, queues: list[str] | None = None) -> None:
        self.queue = queue
        self.thread = threading.Thread(
            target=queue.run_worker, kwargs={"queues": queues}, daemon=True
        )
        self.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self.queue._inner.request_shutdown()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the worker did not stop"


@pytest.fixture
def start_worker() -> Iterator[Callable[..., WorkerThread]]:
    """Start in-process workers; each is stopped (and must stop) at teardown."""
    started: list[WorkerThread] = []

    def start(queue: Queue, queues: list[str] | None = None) -> WorkerThread:
        worker = WorkerThread(queue, queues)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.thread.is_alive():
            worker.stop()


APP_HEADER = """\
import os
import pathlib
import time

from taskito import Queue, current_job

HERE = pathlib.Path(__file__).resolve().parent
queue = Queue({location}, workers={workers}{queue_options})


def wait_for_file(path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{{path.name}} never appeared")
        time.sleep(0.01)


def side_effect(note=""):
    # One line per execution, "job_id attempt pid [note]", in a file outside the queue's
    # database, appended with one write() so it survives a kill -9 of this process.
    line = f"{{current_job.id}} {{current_job.attempt}} {{os.getpid()}} {{note}}".rstrip()
    fd = os.open(HERE / "side-effects.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\\n").encode())
    finally:
        os.close(fd)


@queue.task()
def add(a, b):
    return a + b


@queue.task(queue="emails")
def send_email(to):
    return f"sent to {{to}}"


@queue.task()
def block(name):
    (HERE / f"started-{{name}}").touch()
    wait_for_file(HERE / f"release-{{name}}")
    return name
"""


class SideEffect(NamedTuple):
    """One execution of a task, as the task itself recorded it."""

    job_id: str
    attempt: int
    pid: int
    note: str


class App:
    """An app module ``app.py`` written into a temporary directory, its queue on
    ``backend`` (every process that imports it uses the same database)."""

    def __init__(
        self, directory: Path, monkeypatch: pytest.MonkeyPatch, backend: Backend | None = None
    ) -> None:
        self.dir = directory
        self.backend = backend if backend is not None else Backend("sqlite", directory)
        self._monkeypatch = monkeypatch
        self._module: ModuleType | None = None

    def write(self, extra: str = "", workers: int = 2, queue_options: str = "") -> App:
        source = APP_HEADER.format(
            location=self.backend.app_location(), workers=workers, queue_options=queue_options
        )
        (self.dir / "app.py").write_text(source + "\n\n" + textwrap.dedent(extra))
        return self

    def load(self) -> ModuleType:
        """Import the app in this process (as module ``app``, like the worker does)."""
        if self._module is None:
            self._monkeypatch.syspath_prepend(str(self.dir))
            self._monkeypatch.delitem(sys.modules, "app", raising=False)
            import app  # type: ignore[import-not-found]

            self._module = app
        return self._module

    @property
    def queue(self) -> Queue:
        queue: Queue = self.load().queue
        return queue

    def side_effects(self) -> list[SideEffect]:
        """The executions recorded by ``side_effect()`` so far, in order."""
        path = self.dir / "side-effects.log"
        if not path.exists():
            return []
        entries = []
        for line in path.read_text().splitlines():
            job_id, attempt, pid, *note = line.split(" ", 3)
            entries.append(SideEffect(job_id, int(attempt), int(pid), " ".join(note)))
        return entries

    def release(self, name: str) -> None:
        (self.dir / f"release-{name}").touch()

    def started(self, name: str) -> bool:
        return (self.dir / f"started-{name}").exists()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """An app on SQLite."""
    yield App(tmp_path, monkeypatch)
    sys.modules.pop("app", None)


@pytest.fixture
def any_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, any_backend: Backend) -> Iterator[App]:
    """An app on each backend in turn."""
    yield App(tmp_path, monkeypatch, any_backend)
    sys.modules.pop("app", None)


@pytest.fixture
def pg_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_backend: Backend) -> Iterator[App]:
    """An app on PostgreSQL."""
    yield App(tmp_path, monkeypatch, pg_backend)
    sys.modules.pop("app", None)


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_taskito(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m taskito ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "taskito", *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class WorkerProcess:
    """``python -m taskito worker ...`` as a subprocess, its output collected line by line.

    ``command`` replaces the arguments after ``python`` (e.g. ``["-c", code]``);
    ``prefix`` goes before ``python`` (a wrapper that execs it, so the pid stays the
    same); ``env`` adds environment variables.
    """

    def __init__(
        self,
        cwd: Path,
        *args: str,
        command: list[str] | None = None,
        prefix: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        argv = command if command is not None else ["-m", "taskito", "worker", *args]
        self.proc = subprocess.Popen(
            [*(prefix or []), sys.executable, *argv],
            cwd=cwd,
            env={**subprocess_env(), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.errors), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, text: str, timeout: float = 15.0) -> None:
        wait_for(
            lambda: any(text in line for line in self.lines),
            timeout,
            what=f"{text!r} in the worker output:\n{self.output}\n{chr(10).join(self.errors)}",
        )

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def finish(self, timeout: float = 30.0) -> int:
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def worker_process() -> Iterator[Callable[..., WorkerProcess]]:
    """Start worker subprocesses; any still running at teardown is stopped."""
    started: list[WorkerProcess] = []

    def start(cwd: Path, *args: str, **options: Any) -> WorkerProcess:
        worker = WorkerProcess(cwd, *args, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.proc.poll() is None:
            worker.signal(signal.SIGTERM)
            try:
                worker.proc.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()


@pytest.fixture
def figure(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> Callable[[str, object], None]:
    """``figure(name, value)`` prints ``FIGURE name=value`` past pytest's output capture;
    the PostgreSQL run of an ``any_backend`` test names its figures ``pg_<name>``."""
    callspec = getattr(request.node, "callspec", None)
    on_postgres = callspec is not None and callspec.params.get("any_backend") == "postgres"

    def emit(name: str, value: object) -> None:
        if on_postgres:
            name = f"pg_{name}"
        with capsys.disabled():
            print(f"\nFIGURE {name}={value}", flush=True)

    return emit
