"""The quickstart example runs as its README says: a worker, then enqueue.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import WorkerProcess, subprocess_env

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


@pytest.mark.timeout(90)
def test_quickstart(tmp_path: Path, worker_process: Callable[..., WorkerProcess]) -> None:
    for name in ("tasks.py", "enqueue.py"):
        shutil.copy(QUICKSTART / name, tmp_path / name)
    worker = worker_process(tmp_path, "--app", "tasks:queue")
    worker.wait_for_line("[taskito] Queues: default, emails")
    done = subprocess.run(
        [sys.executable, "enqueue.py"],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "word_count: {'the': 2, 'cat': 2, 'saw': 1, 'other': 1}"
    assert lines[1].startswith("fingerprint: https://example.com sha256:")
    assert lines[2].startswith("send_welcome_email: welcome email to Ada <ada@example.com>")
    assert lines[3].startswith("send_welcome_email: welcome email to Alan <alan@example.com>")
    # The last line of JobResult.result()'s message: "Job <id> dead-lettered: T: msg".
    assert re.fullmatch(
        r"send_welcome_email failed: Job \S+ dead-lettered: "
        r"ValueError: not an email address: 'grace'",
        lines[4],
    ), lines[4]
