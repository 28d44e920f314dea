"""One virtual environment per peer under ``benchmarks/.venvs/``, created on first use
from its pinned requirements file and reused while that file is unchanged."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
VENVS = BENCH / ".venvs"
PEERS = BENCH / "peers"
STAMP = "requirements.sha256"


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure(name: str, requirements: str, base_python: str) -> Path:
    """Returns the venv's python, installing the pinned requirements if needed.

    Raises ``RuntimeError`` with pip's last lines when the install fails.
    """
    req = PEERS / requirements
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    venv = VENVS / name
    stamp = venv / STAMP
    if stamp.exists() and stamp.read_text() == digest and python_of(venv).exists():
        return python_of(venv)
    if venv.exists():
        shutil.rmtree(venv)
    print(f"  setting up {venv.relative_to(BENCH.parent)} from peers/{requirements} ...")
    steps = (
        [base_python, "-m", "venv", str(venv)],
        [str(python_of(venv)), "-m", "pip", "install", "-q", "-r", str(req)],
    )
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise RuntimeError(f"{' '.join(step[:4])} failed: {' | '.join(tail)}")
    stamp.write_text(digest)
    return python_of(venv)


def base_python() -> str:
    """A python with the venv module for new venvs: the interpreter's base installation."""
    candidate = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return str(candidate) if candidate.exists() else sys.executable
