"""The built-in web dashboard: a static page and a JSON API served by the stdlib.

``serve_dashboard(queue, host, port, token=None, *, allow_origins=())`` blocks;
``make_server`` returns the bound server (tests use ``port=0``).
The API is described by ``openapi.json`` (served at ``/api/openapi.json``).
Pages of other web origins can neither read it nor change state through it, except
the origins listed in ``allow_origins`` (see :mod:`taskito.dashboard.origin`).

``_make_handler(queue)`` is the request handler class the servers use, kept importable
from here for code written against taskito 0.2, which mounted it on its own
``ThreadingHTTPServer``.
"""

from taskito.dashboard.server import _make_handler as _make_handler
from taskito.dashboard.server import make_server, serve_dashboard, server_url

__all__ = ["make_server", "serve_dashboard", "server_url"]
