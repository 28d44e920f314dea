"""Smallest end-to-end check of an installed taskito: enqueue, run a worker, read
the result, stop the worker. Run from any directory; it uses a temporary database.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from taskito import Queue

with tempfile.TemporaryDirectory() as tmp:
    queue = Queue(db_path=str(Path(tmp) / "smoke.db"), workers=2)

    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    job = add.delay(2, 3)
    worker = threading.Thread(target=queue.run_worker, daemon=True)
    worker.start()
    value = job.result(timeout=30)
    queue._inner.request_shutdown()
    worker.join(timeout=30)
    if value != 5 or worker.is_alive():
        sys.exit(f"smoke test failed: result={value!r}, worker alive={worker.is_alive()}")
    print(f"smoke ok: 2 + 3 = {value} on Python {sys.version.split()[0]}")
