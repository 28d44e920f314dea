"""Child processes: each one in its own session (process group), all killed on exit,
and the resident memory of a worker's whole process group sampled while it runs."""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

_GROUPS: set[int] = set()
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class PhaseError(Exception):
    """A driver or worker failed; the message goes into the table's notes."""


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _GROUPS.discard(pid)


def _kill_all() -> None:
    for pid in list(_GROUPS):
        kill_group(pid)


atexit.register(_kill_all)


def spawn(
    argv: list[str], env: dict[str, str], cwd: Path, log: IO[str], stdin: int | None = None
) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        stdout=subprocess.PIPE if stdin is not None else log,
        stderr=log,
        text=True,
        start_new_session=True,
    )
    _GROUPS.add(proc.pid)
    return proc


def read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    """The next stdout line of a child, or ``PhaseError`` at the deadline or its exit."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PhaseError("timed out")
            if selector.select(timeout=min(left, 1.0)):
                line = proc.stdout.readline()
                if not line:
                    raise PhaseError(f"exited with code {proc.wait(timeout=10)} (see log)")
                return line.strip()


def last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            value: dict[str, Any] = json.loads(line)
            return value
    raise PhaseError("printed no figures")


def run(argv: list[str], env: dict[str, str], cwd: Path, log: IO[str], timeout: float) -> str:
    """Runs a child to its end and returns its stdout; ``PhaseError`` on failure."""
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,
    )
    _GROUPS.add(proc.pid)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise PhaseError(f"timed out after {timeout:.0f} s") from exc
    finally:
        kill_group(proc.pid)
    if proc.returncode != 0:
        raise PhaseError(f"exited with code {proc.returncode} (see log)")
    return out


def stop(proc: subprocess.Popen[str], sig: int, grace: float) -> str:
    """Asks the worker to stop with its graceful signal, then kills its whole group."""
    how = "stopped"
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            how = f"killed after {grace:.0f} s"
    kill_group(proc.pid)
    proc.wait(timeout=10)
    return how


def _session_of(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[3])


def _rss_kb(pid: int | str) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def hwm_kb(pid: int) -> int:
    """The peak resident set of one process over its life (``VmHWM``), 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Samples the summed RSS of every process in a worker's session every 50 ms."""

    def __init__(self, leader: int) -> None:
        super().__init__(daemon=True)
        self.leader = leader
        self.peak_kb = 0
        self.processes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        members = [self.leader]
        last_scan = 0.0
        while not self._halt.is_set():
            now = time.monotonic()
            if now - last_scan > 0.5:  # forked children come and go; rescan twice a second
                members = [
                    int(p)
                    for p in os.listdir("/proc")
                    if p.isdigit() and _session_of(p) == self.leader
                ]
                last_scan = now
                self.processes = max(self.processes, len(members))
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in members))
            self._halt.wait(0.05)

    def finish(self) -> int:
        """Stops sampling; the peak in kB (at least the leader's own VmHWM)."""
        self._halt.set()
        self.join(timeout=5)
        return max(self.peak_kb, hwm_kb(self.leader))
