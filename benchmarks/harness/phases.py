"""The measured phases, each run for one library in fresh storage: drivers in the
library's own interpreter, the worker as a real process started by its own command."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from harness import processes
from harness.libraries import Library
from harness.processes import PhaseError

BENCH = Path(__file__).resolve().parent.parent
PEERS = BENCH / "peers"
STOP_GRACE_S = 15.0


@dataclass(frozen=True)
class Sizes:
    enqueue: int
    singles: int
    process: int
    trips: int
    finished: int
    queued: int
    budget_s: float  # time box of one processing measurement, from worker start
    latency_budget_s: float


FULL = Sizes(10_000, 2_000, 10_000, 200, 1_000_000, 100_000, 30.0, 30.0)
QUICK = Sizes(10_000, 2_000, 10_000, 200, 100_000, 20_000, 8.0, 8.0)


@dataclass
class Runner:
    pythons: dict[str, str]  # library key -> interpreter
    sizes: Sizes
    redis: str
    redis_dbs: str
    work_root: Path
    log_dir: Path
    details: dict[str, Any] = field(default_factory=dict)

    # -- plumbing ----------------------------------------------------------------------

    def _env(self, workdir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(
            PYTHONPATH=str(PEERS),
            PYTHONDONTWRITEBYTECODE="1",
            BENCH_DIR=str(workdir),
            BENCH_REDIS=self.redis,
            BENCH_REDIS_DBS=self.redis_dbs,
        )
        return env

    def _argv(self, lib: Library, phase: str, *args: object) -> list[str]:
        return [self.pythons[lib.key], str(PEERS / lib.driver), phase, *map(str, args)]

    def _driver(
        self, lib: Library, workdir: Path, log: IO[str], timeout: float, phase: str, *args: object
    ) -> dict[str, Any]:
        argv = self._argv(lib, phase, *args)
        out = processes.run(argv, self._env(workdir), workdir, log, timeout)
        figures = processes.last_json(out)
        if "error" in figures:
            raise PhaseError(str(figures["error"]))
        return figures

    def _fresh(self, lib: Library, phase: str) -> tuple[Path, IO[str]]:
        workdir = self.work_root / f"{lib.key}-{phase}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{lib.key}-{phase}.log").open("w")
        if lib.redis:
            self._driver(lib, workdir, log, 60, "reset")
        return workdir, log

    def _done(self, lib: Library, workdir: Path, log: IO[str]) -> None:
        try:
            if lib.redis:
                self._driver(lib, workdir, log, 60, "reset")
        finally:
            log.close()
            shutil.rmtree(workdir, ignore_errors=True)

    def _worker(self, lib: Library, workdir: Path, log: IO[str]) -> subprocess.Popen[str]:
        return processes.spawn(self._argv(lib, "worker"), self._env(workdir), workdir, log)

    # -- phases ------------------------------------------------------------------------

    def enqueue(self, lib: Library) -> dict[str, Any]:
        workdir, log = self._fresh(lib, "enqueue")
        try:
            s = self.sizes
            return self._driver(
                lib, workdir, log, 300, "enqueue", "--n", s.enqueue, "--singles", s.singles
            )
        finally:
            self._done(lib, workdir, log)

    def processing(
        self, lib: Library, phase: str, n: int, task: str, finished: int = 0
    ) -> dict[str, Any]:
        """Pre-queue ``n`` jobs (after ``finished`` finished ones), then time a worker on them."""
        workdir, log = self._fresh(lib, phase)
        try:
            figures: dict[str, Any] = {"n": n}
            if finished:
                t0 = time.monotonic()
                prep = self._driver(lib, workdir, log, 900, "fill-finished", "--n", finished)
                figures["prepare"] = {**prep, "seconds": round(time.monotonic() - t0, 1)}
            self._driver(lib, workdir, log, 120 + n / 500, "fill", "--n", n, "--task", task)
            figures.update(self._time_worker(lib, workdir, log, n))
            return figures
        finally:
            self._done(lib, workdir, log)

    def _time_worker(self, lib: Library, workdir: Path, log: IO[str], n: int) -> dict[str, Any]:
        budget = self.sizes.budget_s
        argv = self._argv(lib, "wait", "--n", n, "--budget", budget)
        waiter = processes.spawn(argv, self._env(workdir), workdir, log, stdin=subprocess.PIPE)
        worker = None
        sampler = None
        try:
            if processes.read_line(waiter, time.monotonic() + 120) != "ready":
                raise PhaseError("waiter did not start")
            started = time.monotonic()
            worker = self._worker(lib, workdir, log)
            sampler = processes.RssSampler(worker.pid)
            sampler.start()
            assert waiter.stdin is not None
            waiter.stdin.write(f"{started!r}\n")
            waiter.stdin.flush()
            deadline = started + budget + 120
            while waiter.poll() is None:
                if worker.poll() is not None:
                    raise PhaseError(f"worker exited with code {worker.returncode} (see log)")
                if time.monotonic() > deadline:
                    raise PhaseError("waiter timed out")
                time.sleep(0.05)
            peak_kb = sampler.finish()
            assert waiter.stdout is not None
            result = processes.last_json(waiter.stdout.read())
            stopped = processes.stop(worker, lib.stop_signal, STOP_GRACE_S)
        finally:
            if sampler is not None:
                sampler.finish()
            processes.kill_group(waiter.pid)
            if worker is not None:
                processes.stop(worker, lib.stop_signal, STOP_GRACE_S)
        elapsed = float(result["t_end"]) - started
        done = int(result["done"])
        return {
            "done": done,
            "failed": result.get("failed"),
            "idle_s": result.get("idle_s"),
            "elapsed_s": round(elapsed, 3),
            "rate": round(done / elapsed, 1) if done else None,
            "complete": done >= n,
            "rss_mb": round(peak_kb / 1024, 1),
            "worker_processes": sampler.processes,
            "worker_stop": stopped,
            "version": result.get("version"),
        }

    def latency(self, lib: Library) -> dict[str, Any]:
        workdir, log = self._fresh(lib, "latency")
        worker = None
        try:
            worker = self._worker(lib, workdir, log)
            s = self.sizes
            timeout = s.latency_budget_s + 180
            args = ("--n", s.trips, "--budget", s.latency_budget_s)
            figures = self._driver(lib, workdir, log, timeout, "latency", *args)
            figures["worker_stop"] = processes.stop(worker, lib.stop_signal, STOP_GRACE_S)
            return figures
        finally:
            if worker is not None:
                processes.stop(worker, lib.stop_signal, STOP_GRACE_S)
            self._done(lib, workdir, log)
