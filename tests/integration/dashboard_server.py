"""A real dashboard server on a free port, in a thread of the test process, and a
small JSON client for it (shared by the API and browser tests)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from taskito import Queue
from taskito.dashboard import make_server, server_url


class Dashboard:
    def __init__(self, base: str, token: str | None) -> None:
        self.base = base
        self.token = token

    def call(
        self, path: str, method: str = "GET", token: str | None = "default"
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, decoded JSON body, headers); ``token=None`` sends no Authorization."""
        sent = self.token if token == "default" else token
        request = urllib.request.Request(self.base + path, method=method)
        if sent:
            request.add_header("Authorization", f"Bearer {sent}")
        if method == "POST":
            request.data = b""
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw, status, headers = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            raw, status, headers = exc.read(), exc.code, dict(exc.headers)
        kind = headers.get("Content-Type", "")
        body = json.loads(raw) if kind.startswith("application/json") else raw.decode()
        return status, body, headers

    def get(self, path: str) -> Any:
        status, body, _ = self.call(path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str) -> Any:
        status, body, _ = self.call(path, "POST")
        assert status == 200, (path, status, body)
        return body


@contextmanager
def running_dashboard(queue: Queue, token: str | None = None) -> Iterator[Dashboard]:
    server = make_server(queue, "127.0.0.1", 0, token)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Dashboard(server_url(server), token)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
