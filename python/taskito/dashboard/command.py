"""``taskito dashboard``: the subcommand's handler (cli.py declares its arguments)."""

from __future__ import annotations

import argparse

from taskito.errors import QueueError


def run(args: argparse.Namespace) -> int:
    """Load the app's Queue and serve the dashboard until Ctrl+C."""
    from taskito.dashboard.server import serve_dashboard
    from taskito.loader import AppError as CliError
    from taskito.loader import load_queue

    queue = load_queue(args.app)
    try:
        serve_dashboard(queue, args.host, args.port, args.token)
    except QueueError as exc:
        raise CliError(str(exc)) from None
    return 0
