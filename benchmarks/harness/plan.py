"""The order of the run: each phase for every library, round-robin (the starting library
rotates from phase to phase), and the figures recorded per metric and library."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.libraries import Library
from harness.phases import Runner

Results = dict[str, dict[str, dict[str, Any]]]
Log = Callable[[str], None]


def _record(results: Results, metric: str, lib: Library, value: float | None, **extra: Any) -> None:
    results.setdefault(metric, {})[lib.key] = {"value": value, **extra}


def _processing_note(figures: dict[str, Any], budget: float) -> str | None:
    notes = []
    if not figures["complete"]:
        notes.append(
            f"partial: {figures['done']:,} of {figures['n']:,} jobs done in the {budget:.0f} s "
            "time box; rate over that window"
        )
        if (figures.get("idle_s") or 0) >= 2:
            notes.append(f"no job finished in its last {figures['idle_s']:.0f} s")
    if figures.get("worker_stop", "stopped") != "stopped":
        notes.append(f"the worker did not stop on its graceful signal: {figures['worker_stop']}")
    if figures.get("failed"):
        notes.append(f"{figures['failed']:,} jobs failed")
    return "; ".join(notes) or None


Step = tuple[str, tuple[str, ...], Callable[[Library], str], Callable[[Library], bool]]


def _everyone(lib: Library) -> bool:
    return True


def _scale_finished(lib: Library) -> bool:
    return lib.scale_finished


def _scale_queued(lib: Library) -> bool:
    return lib.scale_queued


class Plan:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.sizes = runner.sizes
        self.results: Results = {}

    def enqueue(self, lib: Library) -> str:
        f = self.runner.enqueue(lib)
        _record(self.results, "batch_enqueue", lib, f["batch_per_s"], bulk_api=f.get("bulk_api"))
        _record(self.results, "single_enqueue", lib, f["single_per_s"])
        self.runner.details.setdefault(lib.key, {}).update(
            version=f["version"], bulk_api=f["bulk_api"]
        )
        return f"batch {f['batch_per_s']:,}/s, single {f['single_per_s']:,}/s"

    def processing(
        self, metric: str, n: int, task: str, finished: int = 0
    ) -> Callable[[Library], str]:
        def run(lib: Library) -> str:
            f = self.runner.processing(lib, metric, n, task, finished)
            note = _processing_note(f, self.sizes.budget_s)
            _record(self.results, metric, lib, f["rate"], note=note, run=f)
            if metric == "process_noop":
                processes = f["worker_processes"]
                _record(self.results, "rss_peak", lib, f["rss_mb"], processes=processes)
            return f"{f['rate'] or 0:,.0f} jobs/s ({f['done']:,} of {n:,} in {f['elapsed_s']} s)"

        return run

    def latency(self, lib: Library) -> str:
        f = self.runner.latency(lib)
        wanted, budget = self.sizes.trips, self.sizes.latency_budget_s
        note = None
        if f["trips"] < wanted:
            note = f"{f['trips']} of {wanted} trips within the {budget:.0f} s budget"
        _record(self.results, "rtt_p50", lib, f["p50_ms"], note=note, trips=f["trips"])
        _record(self.results, "rtt_p99", lib, f["p99_ms"], note=note, trips=f["trips"])
        return f"p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms"

    def steps(self) -> list[Step]:
        """(phase, the metrics it fills, how to run it for a library, which libraries)."""
        s = self.sizes
        return [
            ("enqueue", ("batch_enqueue", "single_enqueue"), self.enqueue, _everyone),
            (
                "process_noop",
                ("process_noop", "rss_peak"),
                self.processing("process_noop", s.process, "noop"),
                _everyone,
            ),
            (
                "process_cpu",
                ("process_cpu",),
                self.processing("process_cpu", s.process, "cpu"),
                _everyone,
            ),
            ("latency", ("rtt_p50", "rtt_p99"), self.latency, _everyone),
            (
                "process_queued",
                ("process_queued",),
                self.processing("process_queued", s.queued, "noop"),
                _scale_queued,
            ),
            (
                "process_finished",
                ("process_finished",),
                self.processing("process_finished", s.queued, "noop", s.finished),
                _scale_finished,
            ),
        ]

    def run(self, libs: list[Library], log: Log) -> Results:
        for index, (name, metrics, run, applies) in enumerate(self.steps()):
            order = libs[index % len(libs) :] + libs[: index % len(libs)]
            for lib in filter(applies, order):
                t0 = time.monotonic()
                try:
                    summary = run(lib)
                except Exception as exc:  # a failing peer gets a note; the run goes on
                    for metric in metrics:
                        _record(self.results, metric, lib, None, note=f"failed: {exc}")
                    summary = f"FAILED: {exc}"
                log(f"{name:<17} {lib.label:<15} {summary}  [{time.monotonic() - t0:.1f} s]")
        for lib in libs:
            empty = self.results.get("process_queued", {}).get(lib.key, {}).get("value")
            loaded = self.results.get("process_finished", {}).get(lib.key, {}).get("value")
            if empty and loaded:
                _record(self.results, "finished_vs_empty", lib, round(100 * loaded / empty, 1))
        return self.results
