"""Every ```python sample in README.md and docs/*.md runs, page by page.

A page's samples run in order in one namespace, in a fresh directory, in a subprocess
(like a reader pasting them into one interpreter). Markdown comments, invisible on the
rendered page, let a page prepare what its samples assume without changing them:

- ``<!-- test: CODE -->`` (one or more lines) runs CODE at that point, e.g. to start
  a worker thread before a sample waits on a result, or to define the application
  objects (``db``, ``payments``) a sample talks to;
- ``<!-- test-sub: OLD => NEW -->`` replaces OLD by NEW in the page's later samples,
  for hosts that do not exist here (NEW may say ``{pg_url}``, the test server);
- a sample whose first line is ``# name.py`` (optionally followed by a colon and a
  comment) is written to ``name.py`` instead of being run, as the reader would save it.

A page that substitutes ``{pg_url}`` needs the PostgreSQL test server; it runs with
a fresh schema of its own (``{pg_schema}``), dropped afterwards.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.backends import Backend, postgres_unavailable, require_postgres
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_FILE_LINE = re.compile(r"^#\s*([\w./-]+\.py)\b")


@dataclass
class Step:
    line: int
    kind: str  # "run" or "file"
    code: str
    name: str = ""


def _steps(page: Path) -> list[Step]:
    lines = page.read_text(encoding="utf-8").splitlines()
    steps: list[Step] = []
    subs: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("<!-- test"):
            start = i
            text = stripped[len("<!--") :]
            while not text.rstrip().endswith("-->"):
                i += 1
                text += "\n" + lines[i]
            body = text.rstrip()[: -len("-->")]
            head, _, rest = body.partition(":")
            if head.strip() == "test-sub":
                old, _, new = rest.strip().partition(" => ")
                subs.append((old.strip(), new.strip()))
            else:
                steps.append(Step(start + 1, "run", _dedent(rest.lstrip("\n").rstrip())))
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence and fence.group(2):
            indent, lang = fence.group(1), fence.group(2)
            body_lines = []
            i += 1
            while not _FENCE.match(lines[i]) or lines[i].strip() != "```":
                body_lines.append(lines[i][len(indent) :])
                i += 1
            if lang == "python":
                code = "\n".join(body_lines)
                for old, new in subs:
                    code = code.replace(old, new)
                named = _FILE_LINE.match(body_lines[0]) if body_lines else None
                if named:
                    steps.append(Step(i - len(body_lines), "file", code, named.group(1)))
                else:
                    steps.append(Step(i - len(body_lines), "run", code))
        i += 1
    return steps


def _dedent(code: str) -> str:
    import textwrap

    return textwrap.dedent(code)


_DRIVER = r"""
import json, sys, traceback
steps = json.loads(sys.stdin.read())
sys.path.insert(0, ".")
namespace = {"__name__": "__main__"}
for step in steps:
    if step["kind"] == "file":
        with open(step["name"], "w", encoding="utf-8") as f:
            f.write(step["code"] + "\n")
        continue
    try:
        exec(compile(step["code"], f"{sys.argv[1]}:{step['line']}", "exec"), namespace)
    except BaseException:
        print(f"the sample at {sys.argv[1]}:{step['line']} failed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
print("ok", len(steps))
"""


def _needs_postgres(steps: list[Step]) -> bool:
    return any("{pg_url}" in step.code for step in steps)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_samples_run(page: Path, tmp_path: Path) -> None:
    steps = _steps(page)
    runnable = [s for s in steps if s.kind == "run"]
    if not runnable:
        pytest.skip(f"{page.name} has no Python samples")
    backend = None
    if _needs_postgres(steps):
        if postgres_unavailable():
            require_postgres()
        backend = Backend("postgres", tmp_path)
        for step in steps:
            step.code = step.code.replace("{pg_url}", backend.url("docs")).replace(
                "{pg_schema}", backend.schema
            )
    try:
        done = subprocess.run(
            [sys.executable, "-c", _DRIVER, str(page.relative_to(ROOT))],
            input=json.dumps([step.__dict__ for step in steps]),
            cwd=tmp_path,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=150,
        )
    finally:
        if backend is not None:
            backend.close()
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip().endswith(f"ok {len(steps)}"), done.stdout


def test_every_page_is_checked() -> None:
    """The runner finds the samples it should: the README's quickstart among them."""
    steps = _steps(ROOT / "README.md")
    assert any(s.kind == "file" and s.name == "tasks.py" for s in steps)
    assert any("resize.delay" in s.code for s in steps if s.kind == "run")
