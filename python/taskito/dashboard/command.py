"""``taskito dashboard``: the subcommand's handler (cli.py declares --app, --host, --port
and --token; ``add_arguments`` declares the options only this module reads)."""

from __future__ import annotations

import argparse
import sys

from taskito.errors import QueueError

ALLOW_ORIGIN_HELP = (
    "let pages of this other web origin, e.g. https://ops.example.com, read the API and "
    "change jobs from a browser (repeatable); pages of any other site can do neither"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declares the options this handler reads beyond --app, --host, --port and --token."""
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="URL",
        help=ALLOW_ORIGIN_HELP,
    )


def run(args: argparse.Namespace) -> int:
    """Load the app's Queue and serve the dashboard until Ctrl+C.

    A bad ``--allow-origin`` is one sentence on stderr and exit status 2, before the
    app is imported.
    """
    from taskito.dashboard.origin import parse_origin
    from taskito.dashboard.server import serve_dashboard
    from taskito.loader import AppError as CliError
    from taskito.loader import load_queue

    # getattr: until cli.py declares --allow-origin (with add_arguments), it is absent.
    given: list[str] = getattr(args, "allow_origin", None) or []
    try:
        origins = [parse_origin(text) for text in given]
    except QueueError as exc:
        print(f"taskito: --allow-origin {exc}", file=sys.stderr)
        return 2
    queue = load_queue(args.app)
    try:
        serve_dashboard(queue, args.host, args.port, args.token, allow_origins=origins)
    except QueueError as exc:
        raise CliError(str(exc)) from None
    return 0
