"""Compares taskito with its peers on the same workload, interleaved, in one run.

``python benchmarks/compare.py [--quick] [--only NAME,...]``

Ours is the taskito of the running interpreter (or of ``./.venv``); every peer runs in
its own venv under ``benchmarks/.venvs/``, created on first use from the pinned
requirements in ``benchmarks/peers/*.txt``: taskito 0.22.0 from PyPI, Huey (SQLite),
RQ, Dramatiq and Celery (local Redis; skipped with a note when no Redis answers).
Each phase runs once per library, round-robin, so machine noise hits everyone alike.
Prints a markdown table with "taskito / peer" ratios and writes JSON, the table and a
PNG chart under ``benchmarks/results/``. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import sys
import time

from harness import output, phases, preflight, report
from harness.libraries import ALL, OURS
from harness.plan import Plan


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller scaling phases, shorter time boxes"
    )
    peers = ",".join(lib.key for lib in ALL[1:])
    parser.add_argument("--only", default="", help=f"peers to run, comma separated: {peers}")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument(
        "--redis-dbs", default="14,15", help="two empty Redis databases this run may flush"
    )
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - {lib.key for lib in ALL[1:]}
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))} (known: {peers})")
    args.wanted = wanted
    return args


def main() -> int:
    args = parse_args()
    for sig in (signal.SIGTERM, signal.SIGHUP):  # exit through atexit, which kills our workers
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    stamp = datetime.datetime.now().astimezone()
    load_before = os.getloadavg()[0]
    libs = [lib for lib in ALL if lib is OURS or not args.wanted or lib.key in args.wanted]

    ours = preflight.ours_python()
    if ours is None:
        print("taskito is not installed in this interpreter nor in ./.venv: see the README")
        return 2
    dbs = [int(db) for db in args.redis_dbs.split(",")]
    trouble = None
    if any(lib.redis for lib in libs):
        trouble = preflight.redis_problem(args.redis_url, dbs)
    if trouble:
        print(f"note: skipping the Redis peers: {trouble}")
    print("setting up the peers' venvs (reused when present) ...")
    pythons, skipped = preflight.peer_pythons(libs, trouble)
    pythons[OURS.key] = ours
    for key, why in skipped.items():
        print(f"note: skipping {key}: {why}")
    libs = [lib for lib in libs if lib.key in pythons]

    sizes = phases.QUICK if args.quick else phases.FULL
    runner = phases.Runner(
        pythons,
        sizes,
        args.redis_url,
        args.redis_dbs,
        output.BENCH / ".work",
        output.RESULTS / "logs",
    )

    def log(line: str) -> None:
        elapsed, load_now = time.monotonic() - started, os.getloadavg()[0]
        print(f"[{elapsed:6.1f} s, load {load_now:4.1f}] {line}", flush=True)

    mode = "quick" if args.quick else "full"
    log(f"{mode} mode; ours: {ours}; libraries: {', '.join(lib.label for lib in libs)}")
    results = Plan(runner).run(libs, log)

    rows = report.metrics(sizes)
    text = output.summary(libs, results, rows, skipped, runner.details)
    load_after = os.getloadavg()[0]
    load = f"{load_before:.1f} at the start, {load_after:.1f} at the end"
    text += f"\n\nmachine: {report.describe_machine()}; 1-minute load average {load}"
    print("\n" + text + "\n")
    duration = time.monotonic() - started
    command = " ".join(["python", "benchmarks/compare.py", *sys.argv[1:]])
    data = output.document(
        stamp.isoformat(timespec="seconds"),
        command,
        args.quick,
        duration,
        sizes,
        libs,
        runner.details,
        skipped,
        rows,
        results,
    )
    data["load_average_1min"] = {"start": load_before, "end": load_after}
    for line in output.write(output.RESULTS / f"compare-{stamp:%Y%m%d-%H%M%S}", data, text):
        print(line)
    print(f"took {(time.monotonic() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
