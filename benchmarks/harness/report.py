"""The comparison table (markdown, ratios "taskito / peer") and the machine's details."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.libraries import Library
from harness.phases import Sizes


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    higher_is_better: bool


def metrics(sizes: Sizes) -> tuple[Metric, ...]:
    processed, queued = f"{sizes.process:,} queued", f"{sizes.queued:,} queued"
    return (
        Metric("batch_enqueue", f"batch enqueue, {sizes.enqueue:,} jobs", "jobs/s", True),
        Metric("single_enqueue", f"single enqueue, {sizes.singles:,} jobs", "jobs/s", True),
        Metric("process_noop", f"no-op processing, {processed}", "jobs/s", True),
        Metric("process_cpu", f"light CPU task, {processed}", "jobs/s", True),
        Metric("rtt_p50", "round trip p50", "ms", False),
        Metric("rtt_p99", "round trip p99", "ms", False),
        Metric("rss_peak", "worker peak RSS (no-op run)", "MB", False),
        Metric("process_queued", f"no-op processing, {queued}", "jobs/s", True),
        Metric(
            "process_finished",
            f"no-op processing, {queued}, {sizes.finished:,} finished in store",
            "jobs/s",
            True,
        ),
        Metric("finished_vs_empty", "  same, as % of the empty-store rate above", "%", True),
    )


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("jobs/s", "MB") or value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value >= 1 else f"{value:.2g}"


def _ratio(ours: float | None, peer: float | None) -> str:
    if ours is None or peer is None or peer == 0:
        return "-"
    ratio = ours / peer
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def table(
    libs: list[Library], results: dict[str, dict[str, dict[str, Any]]], rows: tuple[Metric, ...]
) -> tuple[str, list[str]]:
    """Markdown table and its numbered notes (partial runs, failures)."""
    ours, peers = libs[0], libs[1:]
    header = [
        "phase",
        *(lib.label for lib in libs),
        *(f"{ours.label.split()[0]} / {p.label}" for p in peers),
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes: list[str] = []
    for metric in rows:
        better = "higher" if metric.higher_is_better else "lower"
        cells = [f"{metric.label} ({metric.unit}, {better} is better)"]
        for lib in libs:
            entry = results.get(metric.key, {}).get(lib.key)
            if entry is None:
                cells.append("-")
                continue
            text = _fmt(entry.get("value"), metric.unit)
            if entry.get("note"):
                notes.append(f"{lib.label}, {metric.label.strip()}: {entry['note']}")
                text += f" [{len(notes)}]"
            cells.append(text)
        base = results.get(metric.key, {}).get(ours.key, {}).get("value")
        for peer in peers:
            peer_value = results.get(metric.key, {}).get(peer.key, {}).get("value")
            cells.append("-" if metric.unit == "%" else _ratio(base, peer_value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), notes


def machine() -> dict[str, Any]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def describe_machine() -> str:
    m = machine()
    return (
        f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"Linux {m['kernel']}"
    )
