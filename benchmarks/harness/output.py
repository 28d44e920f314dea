"""What a run leaves: the printed summary, and JSON, markdown and PNG files under
``benchmarks/results/``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness import report, venvs
from harness.libraries import Library
from harness.phases import Sizes
from harness.plan import Results

BENCH = Path(__file__).resolve().parent.parent
RESULTS = BENCH / "results"


def summary(
    libs: list[Library],
    results: Results,
    rows: tuple[report.Metric, ...],
    skipped: dict[str, str],
    details: dict[str, dict[str, Any]],
) -> str:
    """The table, its notes, what was skipped and each library's set-up."""
    text, notes = report.table(libs, results, rows)
    lines = [text, "", *(f"- [{i}] {note}" for i, note in enumerate(notes, 1))]
    lines += [f"- skipped {key}: {why}" for key, why in skipped.items()]
    for metric, flag in (
        ("process_finished", "scale_finished"),
        ("process_queued", "scale_queued"),
    ):
        left_out = [lib.label for lib in libs if not getattr(lib, flag)]
        if left_out:
            lines.append(f"- {metric} not run for {', '.join(left_out)} (kept to the time limit)")
    lines += [
        "",
        "| library | version | bulk enqueue API | default concurrency | store |",
        "|---|---|---|---|---|",
    ]
    for lib in libs:
        info = details.get(lib.key, {})
        cells = (lib.label, info.get("version", "?"), info.get("bulk_api", "?"))
        lines.append("| " + " | ".join((*cells, lib.concurrency, lib.store)) + " |")
    return "\n".join(lines)


def write(base: Path, data: dict[str, Any], text: str) -> list[str]:
    """Writes BASE.json, BASE.md and BASE.png; returns what was written or went wrong."""
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".json").write_text(json.dumps(data, indent=2))
    base.with_suffix(".md").write_text(text + "\n")
    where = base.relative_to(BENCH.parent)
    return [
        f"results: {where}.json and .md",
        draw(base.with_suffix(".json"), base.with_suffix(".png")),
    ]


def draw(json_path: Path, png_path: Path) -> str:
    """Draws the chart with matplotlib (the harness venv's when this interpreter lacks it)."""
    script = str(BENCH / "harness" / "chart.py")
    try:
        python = sys.executable
        if subprocess.run([python, "-c", "import matplotlib"], capture_output=True).returncode:
            python = str(venvs.ensure("harness", "harness.txt", venvs.base_python()))
        argv = [python, script, str(json_path), str(png_path)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return f"chart not drawn: {exc}"
    if done.returncode != 0:
        return f"chart not drawn: {' '.join(done.stderr.strip().splitlines()[-1:])}"
    return f"chart: {png_path.relative_to(BENCH.parent)}"


def document(
    started: str,
    command: str,
    quick: bool,
    duration: float,
    sizes: Sizes,
    libs: list[Library],
    details: dict[str, dict[str, Any]],
    skipped: dict[str, str],
    rows: tuple[report.Metric, ...],
    results: Results,
) -> dict[str, Any]:
    return {
        "started": started,
        "command": command,
        "mode": "quick" if quick else "full",
        "duration_s": round(duration, 1),
        "machine": report.machine(),
        "sizes": sizes.__dict__,
        "libraries": [
            {
                "key": lib.key,
                "label": lib.label,
                "store": lib.store,
                "concurrency": lib.concurrency,
                **details.get(lib.key, {}),
            }
            for lib in libs
        ],
        "skipped": skipped,
        "metrics": [row.__dict__ for row in rows],
        "results": results,
    }
