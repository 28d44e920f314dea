"""delay() from 1 and from 8 producer threads: ours beside the original taskito 0.22.

    .venv/bin/python benchmarks/concurrent_enqueue.py [--jobs N] [--rounds R] [--postgres URL]

Each library runs in its own interpreter (both import as ``taskito``; 0.22 comes from
``benchmarks/.venvs/taskito022``, made from ``peers/taskito022.txt`` on first use) on
a fresh SQLite file, with no worker running. A round enqueues N jobs with ``delay()``
from one thread, then N jobs split over 8 threads; every call returns only once its
job is committed. Rounds alternate between the libraries so both see the same noise;
the best round of each is reported, and the ratios of ours to 0.22.

With ``--postgres URL`` both libraries store into that PostgreSQL database instead (each
round in a schema of its own, dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import venvs

ROOT = Path(__file__).resolve().parent.parent

# Run inside the library's interpreter: prints {"1": jobs/s, "8": jobs/s}.
PROBE = r"""
import json, sys, threading, time
from taskito import Queue

db, jobs = sys.argv[1], int(sys.argv[2])
if db.startswith("postgres"):
    url, schema = db.rsplit("#", 1)
    queue = Queue(backend="postgres", db_url=url, schema=schema)
else:
    queue = Queue(db_path=db)

@queue.task()
def noop(i):
    return i

def produce(n):
    for i in range(n):
        noop.delay(i)

produce(200)  # warm-up: statements prepared, file grown
rates = {}
for threads in (1, 8):
    share = jobs // threads
    workers = [threading.Thread(target=produce, args=(share,)) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    rates[str(threads)] = share * threads / (time.perf_counter() - started)
print(json.dumps(rates))
"""


def run(python: str, jobs: int, cwd: Path, postgres: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        schema = f"bench_enqueue_{Path(tmp).name.lower()}"
        target = f"{postgres}#{schema}" if postgres else str(Path(tmp) / "q.db")
        try:
            done = subprocess.run(
                [python, "-c", PROBE, target, str(jobs)],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=600,
            )
        finally:
            if postgres:
                drop_schema(postgres, schema)
    if done.returncode != 0:
        raise SystemExit(f"{python} failed: {done.stderr.strip().splitlines()[-1:]}")
    rates: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return rates


def drop_schema(url: str, schema: str) -> None:
    subprocess.run(
        ["psql", "-X", "-q", url, "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE"],
        capture_output=True,
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8_000, help="jobs per phase (default 8000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per library (default 3)")
    parser.add_argument(
        "--postgres", metavar="URL", help="store into this PostgreSQL database instead of SQLite"
    )
    args = parser.parse_args()
    peer = str(venvs.ensure("taskito022", "taskito022.txt", venvs.base_python()))
    ours = sys.executable
    best: dict[str, dict[str, float]] = {"ours": {}, "taskito 0.22": {}}
    for round_no in range(args.rounds):
        for name, python, cwd in (("ours", ours, ROOT), ("taskito 0.22", peer, Path("/"))):
            rates = run(python, args.jobs, cwd, args.postgres)
            for threads, rate in rates.items():
                best[name][threads] = max(best[name].get(threads, 0.0), rate)
            print(
                f"round {round_no + 1}: {name:>12}: 1 thread {rates['1']:>9,.0f}/s, "
                f"8 threads {rates['8']:>9,.0f}/s",
                flush=True,
            )
    print()
    print("| delay() producers | ours (jobs/s) | taskito 0.22 (jobs/s) | ours / 0.22 |")
    print("|---|---|---|---|")
    for threads in ("1", "8"):
        a, b = best["ours"][threads], best["taskito 0.22"][threads]
        print(
            f"| {threads} thread{'s' if threads != '1' else ''} | {a:,.0f} | {b:,.0f} | "
            f"{a / b:.2f}x |"
        )
    scaling = best["ours"]["8"] / best["ours"]["1"]
    print(f"\nours, 8 threads / 1 thread: {scaling:.2f}x (best of {args.rounds} rounds each)")


if __name__ == "__main__":
    main()
