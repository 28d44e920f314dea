"""The HTTP server: a stdlib ``ThreadingHTTPServer`` serving the static page and the JSON API.

With a token, every ``/api/`` request must carry ``Authorization: Bearer <token>``
(compared in constant time); without one, the server binds only to loopback. Every
request also passes the cross-origin rules of :mod:`taskito.dashboard.origin` first."""

from __future__ import annotations

import hmac
import json
import os
import socket
import sys
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from taskito.dashboard.data import DashboardData
from taskito.dashboard.origin import (
    UNSAFE_METHODS,
    OriginPolicy,
    content_type_refusal,
    is_loopback,
)
from taskito.dashboard.routes import dispatch
from taskito.errors import QueueError, StorageError

if TYPE_CHECKING:
    from taskito.queue import Queue

TOKEN_ENV = "TASKITO_DASHBOARD_TOKEN"
MAX_BODY = 1 << 20  # the routes take no body; anything bigger is refused unread
# On every reply: never framed (no clickjacking of the buttons), never content-sniffed.
_SAFETY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
)
_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}


def _asset(name: str) -> bytes:
    return resources.files("taskito.dashboard").joinpath(name).read_bytes()


def _static_names() -> frozenset[str]:
    folder = resources.files("taskito.dashboard").joinpath("static")
    return frozenset(entry.name for entry in folder.iterdir() if entry.is_file())


def _make_handler(
    queue: Queue, token: str | None = None, *, allow_origins: Iterable[str] = ()
) -> type[BaseHTTPRequestHandler]:
    """The request handler class serving ``queue``; with ``token``, the API requires it.

    ``allow_origins`` lists the other web origins (``https://ops.example.com``) whose
    pages may call the API (CORS); a bad one raises :class:`~taskito.errors.QueueError`.
    The class also works mounted on a plain ``ThreadingHTTPServer``.
    """
    policy = OriginPolicy(allow_origins)
    data = DashboardData(queue)
    threading.Thread(target=data.warm_up, name="taskito-dashboard-warm-up", daemon=True).start()
    expected = f"Bearer {token}".encode() if token else None
    static = _static_names()
    openapi = _asset("openapi.json")

    class DashboardHandler(BaseHTTPRequestHandler):
        server_version = "taskito-dashboard"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """The access log is suppressed."""

        def _send(
            self, status: int, body: bytes, content_type: str, extra: Iterable[tuple[str, str]] = ()
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (*_SAFETY_HEADERS, *extra):
                self.send_header(name, value)
            for name, value in policy.cors_headers(self.headers.get("Origin")):
                self.send_header(name, value)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Bearer realm="taskito"')
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, value: Any) -> None:
            body = json.dumps(value, default=str).encode()
            self._send(status, body, "application/json")

        def _authorized(self) -> bool:
            if expected is None:
                return True
            given = self.headers.get("Authorization", "").encode()
            return hmac.compare_digest(given, expected)

        def _admitted(self) -> bool:
            """Applies the Host, cross-origin and content-type rules; False once refused."""
            address = self.server.server_address
            bound = str(address[0]) if isinstance(address, tuple) else ""
            status, refusal = 403, policy.host_refusal(self.headers.get("Host"), bound)
            if refusal is None and self.command in UNSAFE_METHODS:
                refusal = policy.cross_site_refusal(self.headers)
                if refusal is None:
                    status, refusal = 415, content_type_refusal(self.headers)
            if refusal is None:
                return True
            self._json(status, {"error": refusal})
            return False

        def _api(self, method: str) -> None:
            url = urlsplit(self.path)
            if not self._authorized():
                self._json(
                    401, {"error": "missing or wrong token: send Authorization: Bearer <token>"}
                )
                return
            if method == "GET" and url.path == "/api/openapi.json":
                self._send(200, openapi, "application/json")
                return
            params = dict(parse_qsl(url.query))
            try:
                status, body = dispatch(data, method, url.path, params)
            except StorageError as exc:
                status, body = 503, {"error": f"the database cannot be used: {exc}"}
            except Exception as exc:  # a bug: say so in the reply, keep serving
                status, body = 500, {"error": f"internal error: {type(exc).__name__}: {exc}"}
            self._json(status, body)

        def _drained(self) -> bool:
            """Reads the request body (the routes ignore it); False when it was refused."""
            raw = self.headers.get("Content-Length") or "0"
            length = int(raw) if raw.strip().isdigit() else -1
            if 0 <= length <= MAX_BODY:
                if length:
                    self.rfile.read(length)
                return True
            self.close_connection = True  # the unread body must not be taken for a request
            if length < 0:
                self._json(400, {"error": f"Content-Length must be a byte count (got {raw!r})"})
            else:
                self._json(413, {"error": f"the request body is over {MAX_BODY} bytes"})
            return False

        def do_GET(self) -> None:
            if not self._admitted():
                return
            path = urlsplit(self.path).path
            if path.startswith("/api/"):
                self._api("GET")
                return
            name = path.rsplit("/", 1)[-1]
            if path.startswith("/static/") and name in static:
                kind = _STATIC_TYPES.get(os.path.splitext(name)[1], "application/octet-stream")
                self._send(200, _asset(f"static/{name}"), kind)
                return
            self._send(200, _asset("static/index.html"), _STATIC_TYPES[".html"])

        do_HEAD = do_GET

        def do_POST(self) -> None:
            if not self._drained() or not self._admitted():
                return
            path = urlsplit(self.path).path
            if path.startswith("/api/"):
                self._api(self.command)
            else:
                self._json(
                    404, {"error": f"no page {path} takes {self.command}: the API is under /api/"}
                )

        do_DELETE = do_PUT = do_PATCH = do_POST

        def do_OPTIONS(self) -> None:
            if not self._drained() or not self._admitted():
                return
            origin = self.headers.get("Origin")
            answer = policy.preflight_headers(origin)
            if answer is not None:
                self._send(204, b"", "text/plain", answer)
            elif origin is None:
                refusal = "OPTIONS answers only the CORS preflights of --allow-origin origins"
                self._json(403, {"error": refusal})
            else:
                refusal = (
                    f"cross-origin requests from {origin!r} are not allowed: start the "
                    f"dashboard with --allow-origin {origin} to allow that site"
                )
                self._json(403, {"error": refusal})

    return DashboardHandler


def make_server(
    queue: Queue,
    host: str = "127.0.0.1",
    port: int = 8080,
    token: str | None = None,
    *,
    allow_origins: Iterable[str] = (),
) -> ThreadingHTTPServer:
    """A bound, not yet serving, dashboard server (``port=0`` picks a free port).

    Without a token (argument or ``TASKITO_DASHBOARD_TOKEN``) it refuses any host but
    loopback, with a :class:`~taskito.errors.QueueError` saying why. Pages of other
    origins can neither read it nor change state through it, except the origins in
    ``allow_origins`` (e.g. ``["https://ops.example.com"]``; a bad one is a QueueError).
    """
    token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    if not token and not is_loopback(host):
        raise QueueError(
            f"refusing to serve the dashboard on {host} without a token: anyone who can "
            f"reach it could cancel, retry and replay jobs; set --token or {TOKEN_ENV}, "
            "or bind to 127.0.0.1"
        )

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    try:
        handler = _make_handler(queue, token, allow_origins=allow_origins)
        return Server((host.strip("[]"), port), handler)
    except OSError as exc:
        raise QueueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def server_url(server: ThreadingHTTPServer) -> str:
    """``http://host:port`` of a bound server."""
    host, port = server.server_address[:2]
    shown = host.decode() if isinstance(host, bytes) else str(host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def serve_dashboard(
    queue: Queue,
    host: str = "127.0.0.1",
    port: int = 8080,
    token: str | None = None,
    *,
    allow_origins: Iterable[str] = (),
) -> None:
    """Serve the dashboard until Ctrl+C. See :func:`make_server` for the token and
    cross-origin rules."""
    server = make_server(queue, host, port, token, allow_origins=allow_origins)
    print(f"taskito dashboard: {server_url(server)}/", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
