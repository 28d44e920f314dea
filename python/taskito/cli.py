"""The ``taskito`` command: ``taskito worker`` and ``taskito info``."""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from collections.abc import Sequence

from taskito.errors import QueueError, StorageError
from taskito.queue import Queue

_APP_HELP = "your Queue instance as 'module:attribute', e.g. 'myapp.tasks:queue'"


class CliError(Exception):
    """A mistake in how taskito was called: printed as one sentence, exit status 1."""


def _describe(obj: object) -> str:
    if inspect.isclass(obj):
        return "a class"
    if inspect.ismodule(obj):
        return "a module"
    if inspect.isroutine(obj):
        return "a function"
    name = type(obj).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def load_queue(app: str) -> Queue:
    """Import ``module:attribute`` (from the current directory first) and return the Queue."""
    module_name, sep, attr = app.partition(":")
    module_name, attr = module_name.strip(), attr.strip()
    if not sep or not module_name or not attr:
        raise CliError(
            f"--app must look like 'module:attribute', e.g. 'myapp.tasks:queue' (got {app!r})"
        )
    cwd = os.getcwd()
    if not sys.path or sys.path[0] != cwd:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the module we were asked for (or a parent package) is the caller's mistake;
        # anything the module itself fails to import is a bug to show with its traceback.
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise CliError(
                f"could not import module {module_name!r}: no module named {missing!r} "
                f"in the current directory ({cwd}) or on the Python path"
            ) from exc
        raise
    except QueueError as exc:
        # taskito refused the app's Queue(...) options: a clear sentence already, about
        # the user's configuration, not a bug. (A database it cannot open is a
        # StorageError, reported by main() like any other.)
        raise CliError(f"{module_name!r} could not create its queue: {exc}") from exc
    target: object = module
    for part in attr.split("."):
        if not hasattr(target, part):
            owner = f"module {module_name!r}" if target is module else repr(target)
            raise CliError(f"{owner} has no attribute {part!r}")
        target = getattr(target, part)
    if not isinstance(target, Queue):
        raise CliError(f"'{module_name}:{attr}' is {_describe(target)}, not a taskito Queue")
    return target


def _queues(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise CliError(
            f"--queues must name at least one queue, e.g. 'default,emails' (got {text!r})"
        )
    return names


def _cmd_worker(args: argparse.Namespace) -> int:
    queue = load_queue(args.app)
    queue.run_worker(queues=_queues(args.queues))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    queue = load_queue(args.app)
    stats = queue.stats()
    title = "taskito queue statistics"
    total = sum(stats.values())
    width = max(len(title), max(len(key) for key in stats) + 2 + len(str(total)))
    rule = "-" * width
    print(title)
    print(rule)
    for key, value in [*stats.items(), ("total", total)]:
        if key == "total":
            print(rule)
        print(f"{key}{value:>{width - len(key)}}")
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from taskito.dashboard.command import run

    return run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="taskito",
        description="taskito: a task queue for Python with a Rust engine, on SQLite.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    worker = commands.add_parser(
        "worker",
        help="run a worker that executes jobs",
        description="Run a worker: it serves jobs until Ctrl+C or SIGTERM, "
        "waiting for running jobs before it exits (a second Ctrl+C exits at once).",
    )
    worker.add_argument("--app", required=True, help=_APP_HELP)
    worker.add_argument(
        "--queues",
        metavar="A,B",
        help="comma-separated queues to serve (default: every queue of a registered task)",
    )
    worker.set_defaults(handler=_cmd_worker)

    info = commands.add_parser(
        "info",
        help="print job counts by status",
        description="Print how many jobs are in each status, over all queues.",
    )
    info.add_argument("--app", required=True, help=_APP_HELP)
    info.set_defaults(handler=_cmd_info)

    dashboard = commands.add_parser(
        "dashboard",
        help="serve the web dashboard and its JSON API",
        description="Serve the web dashboard (jobs, dead letters, workers, charts) and its "
        "JSON API under /api/. Without a token it only listens on loopback.",
    )
    dashboard.add_argument("--app", required=True, help=_APP_HELP)
    dashboard.add_argument("--host", default="127.0.0.1", help="address to listen on")
    dashboard.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    dashboard.add_argument(
        "--token",
        help="require 'Authorization: Bearer TOKEN' on every API call "
        "(default: $TASKITO_DASHBOARD_TOKEN)",
    )
    dashboard.set_defaults(handler=_cmd_dashboard)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``taskito`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    try:
        status: int = args.handler(args)
    except CliError as exc:
        print(f"taskito: {exc}", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(f"taskito: the database cannot be used: {exc}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
