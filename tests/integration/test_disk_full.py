"""A database on a full disk (RELIABILITY D4): a size-limited tmpfs, as root.

Enqueue on a full disk raises ``StorageFullError`` with one plain sentence, nothing
already committed is lost, the file stays intact, and service returns as soon as
space is freed. Skipped (with the reason) where tmpfs cannot be mounted.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from taskito import Queue, StorageFullError

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 2 MB tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def integrity(db: Path) -> str:
    # From another process: two SQLite libraries in one process break each other's locks.
    code = (
        "import sqlite3, sys; "
        "print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True)
    return out.stdout.strip()


def test_enqueue_on_a_full_disk_raises_one_sentence_and_loses_nothing(small_disk: Path) -> None:
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (1024 * 1024))
    queue = Queue(db_path=str(small_disk / "q.db"))

    @queue.task(name="store")
    def store(blob: bytes) -> int:
        return len(blob)

    accepted = []
    with pytest.raises(StorageFullError) as caught:
        for _ in range(1000):  # bounded: 1000 x 8 KB is far more than the disk holds
            accepted.append(store.delay(b"x" * 8192).id)
    message = str(caught.value)
    assert "disk is full" in message
    assert "\n" not in message and "Traceback" not in message
    assert 0 < len(accepted) < 1000

    # Everything acknowledged before the error is there.
    stats = queue.stats()
    assert stats["pending"] == len(accepted)
    assert {j.id for j in queue.list_jobs(status="pending", limit=0)} == set(accepted)

    # Space comes back: so does service.
    filler.unlink()
    again = store.delay(b"y")
    assert queue.get_job(again.id) is not None
    assert queue.stats()["pending"] == len(accepted) + 1
    del queue
    assert integrity(small_disk / "q.db") == "ok"
