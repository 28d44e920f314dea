"""The ``taskito`` command: ``worker``, ``info``, ``dlq`` and ``job``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from taskito import cli_jobs, log_setup
from taskito.app import Queue
from taskito.cli_info import print_stats, run_info
from taskito.errors import StorageError
from taskito.loader import AppError, load_queue

_APP_HELP = "your Queue instance as 'module:attribute', e.g. 'myapp.tasks:queue'"


class CliError(AppError):
    """A mistake in how taskito was called: printed as one sentence, exit status 1."""


def _port(text: str) -> int:
    """An argparse type: a TCP port number."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not between 0 and 65535")
    return port


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def _queues(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise CliError(
            f"--queues must name at least one queue, e.g. 'default,emails' (got {text!r})"
        )
    return names


def _reachable(queue: Queue, app: str, command: str, instead: str) -> Queue:
    """``queue``, unless its database is in another process's memory (CliError)."""
    if queue.settings.in_memory:
        raise CliError(
            f"the queue {app!r} uses db_path=':memory:', but an in-memory database lives "
            f"inside one process; give the queue a file path to run `taskito {command}` "
            f"({instead})"
        )
    return queue


def _cmd_worker(args: argparse.Namespace) -> int:
    log_setup.configure(args.log_level, args.log_format)
    queue = _reachable(
        load_queue(args.app),
        args.app,
        "worker",
        "or run queue.run_worker in a thread of the process that enqueues",
    )
    if args.metrics_port is not None:
        _export_metrics(queue, args.metrics_host, args.metrics_port)
    queue.run_worker(queues=_queues(args.queues))
    return 0


def _export_metrics(queue: Queue, host: str, port: int) -> None:
    try:
        from taskito.contrib import prometheus
    except ImportError as exc:
        raise CliError(
            "--metrics-port needs prometheus-client: pip install 'taskito[prometheus]'"
        ) from exc
    registry = queue.registry
    if not any(isinstance(m, prometheus.PrometheusMiddleware) for m in registry.global_middleware):
        registry.add_middleware(prometheus.PrometheusMiddleware())
    try:
        prometheus.start_exporter(queue, port=port, addr=host)
    except OSError as exc:
        raise CliError(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from exc
    logging.getLogger("taskito").info(
        "serving Prometheus metrics at http://%s:%d/metrics", host, port
    )


def _cmd_info(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise CliError(f"--interval must be a number of seconds > 0 (got {args.interval:g})")
    queue = _reachable(
        load_queue(args.app), args.app, "info", "from here it would show an empty database"
    )
    return run_info(queue, args.watch, args.interval)


def _cmd_dlq(args: argparse.Namespace) -> int:
    queue = load_queue(args.app)
    if args.action == "list":
        return cli_jobs.dlq_list(queue, args.limit, args.offset, args.json)
    if args.action == "retry":
        return cli_jobs.dlq_retry(queue, args.ids)
    return cli_jobs.dlq_purge(queue, args.older_than)


def _cmd_job(args: argparse.Namespace) -> int:
    queue = load_queue(args.app)
    if args.action == "show":
        return cli_jobs.job_show(queue, args.id, args.json)
    return cli_jobs.job_cancel(queue, args.id)


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
    worker.add_argument(
        "--log-level",
        choices=log_setup.LEVELS,
        default="info",
        help="least severe log records shown (default: info; debug shows every job's "
        "start and finish)",
    )
    worker.add_argument(
        "--log-format",
        choices=log_setup.FORMATS,
        default="text",
        help="text lines, or one JSON object per line for log collectors (default: text)",
    )
    worker.add_argument(
        "--metrics-port",
        type=_port,
        metavar="PORT",
        help="serve Prometheus metrics on this port (needs taskito[prometheus])",
    )
    worker.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        metavar="HOST",
        help="address for --metrics-port (default 127.0.0.1)",
    )
    worker.set_defaults(handler=_cmd_worker)

    info = commands.add_parser(
        "info",
        help="print job counts, live work per queue and the workers",
        description="Print how many jobs are in each status (over all queues), the pending "
        "and running jobs of each queue, and the workers with their last heartbeat.",
    )
    info.add_argument("--app", required=True, help=_APP_HELP)
    info.add_argument(
        "--watch",
        action="store_true",
        help="redraw every --interval seconds, with throughput, until Ctrl+C",
    )
    info.add_argument(
        "--interval", type=float, default=2.0, metavar="S", help="seconds between redraws (2)"
    )
    info.set_defaults(handler=_cmd_info)

    _add_dlq(commands)
    _add_job(commands)
    dashboard = commands.add_parser(
        "dashboard",
        help="serve the web dashboard and its JSON API",
        description="Serve the web dashboard (jobs, dead letters, workers, charts) and its "
        "JSON API under /api/. Without a token it only listens on loopback.",
    )
    dashboard.add_argument("--app", required=True, help=_APP_HELP)
    dashboard.add_argument("--host", default="127.0.0.1", help="address to listen on")
    dashboard.add_argument("--port", type=_port, default=8080, help="port (default: 8080)")
    dashboard.add_argument(
        "--token",
        help="require 'Authorization: Bearer TOKEN' on every API call "
        "(default: $TASKITO_DASHBOARD_TOKEN)",
    )
    from taskito.dashboard.command import add_arguments  # the options only it reads

    add_arguments(dashboard)
    dashboard.set_defaults(handler=_cmd_dashboard)
    return parser


def _add_dlq(commands: Any) -> None:
    dlq = commands.add_parser(
        "dlq",
        help="list, retry or purge dead-lettered jobs",
        description="The dead-letter queue: jobs that ran out of retries or failed for good.",
    )
    actions = dlq.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list dead letters, newest first")
    listing.add_argument("--app", required=True, help=_APP_HELP)
    listing.add_argument("--limit", type=_at_least(1), default=20, help="how many (20)")
    listing.add_argument("--offset", type=_at_least(0), default=0, help="how many to skip (0)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    retry = actions.add_parser(
        "retry", help="enqueue fresh copies of dead letters (and remove the entries)"
    )
    retry.add_argument("--app", required=True, help=_APP_HELP)
    retry.add_argument("ids", nargs="+", metavar="ID", help="dead-letter ids (see 'dlq list')")
    purge = actions.add_parser("purge", help="delete dead letters")
    purge.add_argument("--app", required=True, help=_APP_HELP)
    purge.add_argument(
        "--older-than",
        type=float,
        default=0,
        metavar="S",
        help="only those that failed at least S seconds ago (default 0: all)",
    )
    dlq.set_defaults(handler=_cmd_dlq)


def _add_job(commands: Any) -> None:
    job = commands.add_parser(
        "job", help="show or cancel one job", description="Look at or cancel one job by id."
    )
    actions = job.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="status, times, attempts and errors of a job")
    show.add_argument("--app", required=True, help=_APP_HELP)
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    cancel = actions.add_parser("cancel", help="cancel a pending job, or ask a running one to stop")
    cancel.add_argument("--app", required=True, help=_APP_HELP)
    cancel.add_argument("id", metavar="ID")
    job.set_defaults(handler=_cmd_job)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``taskito`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    try:
        status: int = args.handler(args)
    except (AppError, cli_jobs.NotFound) as exc:
        print(f"taskito: {exc}", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(f"taskito: the database cannot be used: {exc}", file=sys.stderr)
        return 1
    return status


# -- the names the original taskito 0.2.1 had here ----------------------------------------


def _load_queue(app_path: str) -> Queue:
    """:func:`taskito.loader.load_queue`, printing the problem and exiting with status 1."""
    try:
        return load_queue(app_path)
    except AppError as exc:
        print(f"taskito: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def _print_stats(queue: Queue) -> None:
    """Print the job counts table of ``taskito info``."""
    print_stats(queue)


def _build_parser() -> argparse.ArgumentParser:
    """The ``taskito`` argument parser."""
    return _parser()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
