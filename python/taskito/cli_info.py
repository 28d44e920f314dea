"""``taskito info``: job counts, live work per queue and workers, once or live (``--watch``)."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from taskito.app import Queue

_TITLE = "taskito queue statistics"
# Cursor home, then the frame, then "clear to the end of the screen": each frame
# overwrites the previous one in place (no blank flash between frames).
_HOME = "\x1b[H"
_CLEAR_BELOW = "\x1b[J"
_CLEAR_LINE_END = "\x1b[K"
_HIDE_CURSOR = "\x1b[?25l"
_SHOW_CURSOR = "\x1b[?25h"


def _ago(ms: int, now_ms: int) -> str:
    seconds = max(0.0, (now_ms - ms) / 1000)
    return f"{seconds:.1f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


def stats_table(queue: Queue) -> list[str]:
    """The lines of the job counts table: a title, one line per status, the total."""
    stats = queue.stats()
    total = sum(stats.values())
    width = max(len(_TITLE), max(len(key) for key in stats) + 2 + len(str(total)))
    rule = "-" * width
    lines = [_TITLE, rule]
    for key, value in stats.items():
        lines.append(f"{key}{value:>{width - len(key)}}")
    return [*lines, rule, f"{'total'}{total:>{width - 5}}"]


def print_stats(queue: Queue) -> None:
    """Print :func:`stats_table`."""
    print("\n".join(stats_table(queue)))


def render(queue: Queue, throughput: float | None = None) -> str:
    """One frame: the stats table, then live work per queue and the workers."""
    lines = stats_table(queue)
    if throughput is not None:
        lines.append(f"throughput {throughput:.1f} jobs/s")

    depths = queue.queue_depths()
    lines += ["", "queue                     pending   running"]
    if not depths:
        lines.append("(no pending or running jobs)")
    for depth in depths:
        lines.append(f"{str(depth['queue'])[:24]:<24}{depth['pending']:>9}{depth['running']:>10}")

    workers = queue.workers()
    live = sum(1 for w in workers if w["status"] == "active")
    lines += ["", f"workers: {live} live, {len(workers) - live} stale"]
    now_ms = int(time.time() * 1000)
    for w in workers:
        where = f"{w.get('hostname')}:{w.get('pid')}"
        state = "live" if w["status"] == "active" else "stale"
        lines.append(
            f"  {where:<28} {state:<5}  beat {_ago(int(w['last_heartbeat']), now_ms):<12}"
            f"  threads {w.get('threads')}  queues {w.get('queues')}"
        )
    return "\n".join(lines)


def watch(queue: Queue, interval: float, out: TextIO | None = None) -> int:
    """Redraw :func:`render` every ``interval`` seconds until Ctrl+C; returns 0."""
    out = out or sys.stdout
    tty = out.isatty()
    previous: tuple[int, float] | None = None
    if tty:
        out.write(_HIDE_CURSOR + _HOME + "\x1b[2J")
    try:
        while True:
            completed = queue.stats()["completed"]
            now = time.monotonic()
            rate = 0.0
            if previous is not None and now > previous[1]:
                rate = max(0, completed - previous[0]) / (now - previous[1])
            previous = (completed, now)
            frame = render(queue, rate)
            if tty:
                body = frame.replace("\n", _CLEAR_LINE_END + "\n")
                out.write(f"{_HOME}{body}{_CLEAR_LINE_END}\n{_CLEAR_BELOW}")
                out.write(f"(every {interval:g} s; Ctrl+C to quit)")
            else:
                out.write(frame + "\n\n")
            out.flush()
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        if tty:
            out.write(_SHOW_CURSOR + "\n")
            out.flush()
    return 0


def run_info(queue: Queue, watching: bool, interval: float) -> int:
    if not watching:
        print(render(queue))
        return 0
    return watch(queue, interval)


__all__ = ["print_stats", "render", "run_info", "stats_table", "watch"]
