"""Draws the PNG bar chart of a compare.py JSON file: one panel per metric.

Run by compare.py with an interpreter that has matplotlib:
``python benchmarks/harness/chart.py RESULTS.json OUT.png``
"""

from __future__ import annotations

import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main(source: str, target: str) -> None:
    data = json.loads(open(source).read())
    libs = data["libraries"]
    rows = [m for m in data["metrics"] if m["key"] != "finished_vs_empty"]
    cols = 3
    fig, axes = plt.subplots(math.ceil(len(rows) / cols), cols, figsize=(15, 11))
    colors = plt.get_cmap("tab10").colors
    for ax, metric in zip(axes.flat, rows):
        figures = data["results"].get(metric["key"], {})
        labels, values, shades, partial = [], [], [], []
        for index, lib in enumerate(libs):
            entry = figures.get(lib["key"], {})
            if entry.get("value") is not None:
                labels.append(lib["label"])
                values.append(entry["value"])
                shades.append(colors[index % len(colors)])
                partial.append(bool(entry.get("note")))
        better = "higher" if metric["higher_is_better"] else "lower"
        ax.set_title(
            f"{metric['label'].strip()}\n({metric['unit']}, {better} is better)", fontsize=9
        )
        if not values:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        bars = ax.bar(range(len(values)), values, color=shades)
        for bar, noted in zip(bars, partial):
            if noted:  # partial run or other caveat: see the table's notes
                bar.set_hatch("//")
        if metric["unit"] == "jobs/s" and max(values) / max(min(values), 1e-9) > 50:
            ax.set_yscale("log")
        ax.set_xticks(range(len(values)), labels, rotation=30, ha="right", fontsize=8)
        ax.bar_label(
            bars, labels=[f"{v:,.0f}" if v >= 10 else f"{v:.2g}" for v in values], fontsize=7
        )
    for ax in list(axes.flat)[len(rows) :]:
        ax.set_axis_off()
    fig.suptitle(
        f"compare.py ({data['mode']}) {data['started']}: one interleaved run on a shared machine;"
        " hatched bars have a note in the table (e.g. partial: rate within the time box)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(target, dpi=90)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
