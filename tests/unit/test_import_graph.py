"""The package's modules import each other without circles.

The graph is read from the sources with ``ast``: every ``import`` and ``from ... import``
naming a module of the package, at module level or inside a function (a lazy import
that only dodges a circle is still one). Type-only imports (under ``if TYPE_CHECKING:``)
never run, but a circle through them still ties modules together: they are checked
too, apart from the few edges listed in ``TYPE_ONLY_EXCEPTIONS``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import taskito

PACKAGE = Path(taskito.__file__).resolve().parent

#: Type-only edges allowed to close a circle, each with its reason. Remove an entry once
#: its module types the queue with a protocol (see ``taskito.task.TaskQueue``).
TYPE_ONLY_EXCEPTIONS = {
    # JobResult holds the Queue that made it, and the Queue returns JobResults.
    ("taskito.result", "taskito.queue"),
    ("taskito.result", "taskito.app"),
}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, type_only: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every import statement under ``node``, with whether it is type-only."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, type_only
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _imports_of(stmt, True)
            for stmt in child.orelse:
                yield from _imports_of(stmt, type_only)
        else:
            yield from _imports(child, type_only)


def _imports_of(stmt: ast.stmt, type_only: bool) -> Iterator[tuple[ast.stmt, bool]]:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        yield stmt, type_only
    else:
        yield from _imports(stmt, type_only)


def edges(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, bool]]:
    """``(imported module, type_only)`` for each package module ``name`` imports.

    ``from taskito import x`` names the submodule ``x`` when there is one; importing a
    submodule imports its parent packages first, which is not counted as an edge.
    """
    for stmt, type_only in _imports(ast.parse(path.read_text()), False):
        if isinstance(stmt, ast.Import):
            targets = [alias.name for alias in stmt.names]
        else:
            assert isinstance(stmt, ast.ImportFrom)
            base = stmt.module or ""
            if stmt.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                package = package[: len(package) - stmt.level + 1]
                base = ".".join([*package, *([stmt.module] if stmt.module else [])])
            subs = [f"{base}.{alias.name}" for alias in stmt.names]
            targets = [s for s in subs if s in known]
            if len(targets) < len(subs):
                targets.append(base)
        for target in targets:
            if target in known and target != name:
                yield target, type_only


def graph(include_type_only: bool) -> dict[str, set[str]]:
    known = modules()
    result: dict[str, set[str]] = {}
    for name, path in known.items():
        result[name] = set()
        for target, type_only in edges(name, path, known):
            if type_only and (not include_type_only or (name, target) in TYPE_ONLY_EXCEPTIONS):
                continue
            result[name].add(target)
    return result


def circles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_the_package() -> None:
    g = graph(include_type_only=True)
    assert {"taskito", "taskito.app", "taskito.runner", "taskito.dashboard.data"} <= set(g)
    assert "taskito.runner" in g["taskito.app"]
    assert "taskito.app" in g["taskito.queue"]
    # A lazy import inside a function is an edge too.
    assert "taskito.worker" in g["taskito.lifecycle"]


def test_no_circles_among_imports_that_run() -> None:
    assert circles(graph(include_type_only=False)) == []


def test_no_circles_even_counting_type_only_imports() -> None:
    assert circles(graph(include_type_only=True)) == []


def test_the_circle_detector_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
