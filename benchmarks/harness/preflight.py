"""Before the run: find our taskito, check the local Redis, set up the peers' venvs."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from harness import venvs
from harness.libraries import Library

REPO = Path(__file__).resolve().parent.parent.parent


def ours_python() -> str | None:
    """The running interpreter if it has taskito's native module, else ./.venv's."""
    for python in (sys.executable, str(REPO / ".venv" / "bin" / "python")):
        probe = [python, "-c", "import taskito._native"]
        if Path(python).exists() and subprocess.run(probe, capture_output=True).returncode == 0:
            return python
    return None


def redis_problem(url: str, dbs: list[int]) -> str | None:
    """Why the Redis peers cannot run, or None. Refuses databases that already hold keys
    (Redis is shared: this run flushes only its own two databases)."""
    where = urlparse(url)
    commands = b"PING\r\n" + b"".join(f"SELECT {db}\r\nDBSIZE\r\n".encode() for db in dbs)
    try:
        with socket.create_connection((where.hostname, where.port or 6379), timeout=2) as conn:
            stream = conn.makefile("rwb")
            stream.write(commands)
            stream.flush()
            replies = [stream.readline().strip() for _ in range(1 + 2 * len(dbs))]
    except OSError as exc:
        return f"no Redis answers at {url} ({exc})"
    if replies[0] != b"+PONG":
        return f"Redis at {url} answered {replies[0]!r} to PING"
    for db, selected, size in zip(dbs, replies[1::2], replies[2::2]):
        if selected != b"+OK" or not size.startswith(b":"):
            return f"Redis database {db} cannot be selected ({selected.decode(errors='replace')})"
        if int(size[1:]) > 0:
            return (
                f"Redis database {db} holds {int(size[1:])} keys that this run did not write; "
                "pick empty ones with --redis-dbs"
            )
    return None


def peer_pythons(
    libs: list[Library], redis_trouble: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Each peer's interpreter (its venv, set up if needed) and why others are skipped."""
    pythons: dict[str, str] = {}
    skipped: dict[str, str] = {}
    base = venvs.base_python()
    for lib in libs:
        if lib.requirements is None:
            continue
        if lib.redis and redis_trouble is not None:
            skipped[lib.key] = redis_trouble
            continue
        try:
            pythons[lib.key] = str(venvs.ensure(lib.key, lib.requirements, base))
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            skipped[lib.key] = f"venv set-up failed: {exc}"
    return pythons, skipped
