"""The built-in web dashboard: a static page and a JSON API served by the stdlib.

``serve_dashboard(queue, host, port, token=None)`` blocks; ``make_server`` returns the
bound server (tests use ``port=0``).
The API is described by ``openapi.json`` (served at ``/api/openapi.json``).
"""

from taskito.dashboard.server import make_server, serve_dashboard, server_url

__all__ = ["make_server", "serve_dashboard", "server_url"]
