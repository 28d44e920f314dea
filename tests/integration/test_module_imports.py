"""Each module of the package imports on its own, first thing in a fresh interpreter.

An import circle shows up this way as an ImportError ("partially initialized module")
for whichever module of the circle is imported first; ``tests/unit/test_import_graph.py``
finds circles from the sources, this checks the interpreter agrees.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import subprocess_env
from tests.unit.test_import_graph import modules

pytestmark = pytest.mark.timeout(120)

# Modules behind an optional extra: absent extras are reported, not failed.
EXTRAS = {"taskito.contrib.fastapi", "taskito.contrib.otel", "taskito.contrib.prometheus"}


def import_alone(module: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return module, done


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    names = sorted(n for n in modules() if n != "taskito.__main__")  # __main__ runs the CLI
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(import_alone, names))
    failed = {
        module: done.stderr.strip().splitlines()[-1]
        for module, done in results
        if done.returncode != 0
        and not (module in EXTRAS and "pip install 'taskito[" in done.stderr)
    }
    assert failed == {}
    assert len(results) > 30
