"""Another site attacks a token-less dashboard in real headless Chromium, and fails.

The attacker's page is served by its own http.server on another port under another
name (``evil.example``, mapped to 127.0.0.1 by Chromium's resolver): it fetches the job
list, then tries to purge the dead letters and cancel a job with ``no-cors`` fetches,
a CORS ``DELETE`` and auto-submitted HTML forms. The page must read nothing and the
store must be unchanged. Then the same browser comes back to the dashboard's own port
under the attacker's name, as after a DNS rebinding, and gets a refusal, not the jobs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from taskito import Queue

from tests.conftest import wait_for
from tests.integration.dashboard_server import (
    Scene,
    chromium,
    make_scene,
    running_dashboard,
    store_state,
)

pytestmark = pytest.mark.timeout(120)

EVIL_HOST = "evil.example"
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>cute cats</title></head><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="purge" method="POST" action="DASH/api/dead-letters/purge" target="sink1">
  <input name="all" value="yes"></form>
<form id="cancel" method="POST" enctype="text/plain" action="DASH/api/jobs/PENDING/cancel"
  target="sink2"><input name='{"a":"' value='"}'></form>
<script>
"use strict";
window.outcome = {};
const note = (key, value) => { window.outcome[key] = String(value); };
async function attack() {
  try {
    const r = await fetch("DASH/api/jobs");
    note("cors read", "read " + await r.text());
  } catch (e) { note("cors read", "rejected " + e.name); }
  try {
    const r = await fetch("DASH/api/jobs", { mode: "no-cors" });
    note("opaque read", r.type + " " + r.status + " [" + await r.text() + "]");
  } catch (e) { note("opaque read", "rejected " + e.name); }
  for (const path of ["/api/dead-letters/purge", "/api/jobs/PENDING/cancel"]) {
    try {
      const r = await fetch("DASH" + path, { method: "POST", mode: "no-cors", body: "{}",
        headers: { "Content-Type": "application/json" } });  // dropped in no-cors mode
      note("no-cors " + path, r.type + " [" + await r.text() + "]");
    } catch (e) { note("no-cors " + path, "rejected " + e.name); }
  }
  try {
    const r = await fetch("DASH/api/dead-letters/LETTER", { method: "DELETE",
      headers: { "Content-Type": "application/json" } });
    note("cors delete", "status " + r.status + " " + await r.text());
  } catch (e) { note("cors delete", "rejected " + e.name); }
  document.getElementById("purge").submit();
  document.getElementById("cancel").submit();
  note("done", true);
}
attack();
</script></body></html>
"""


@pytest.fixture
def browser() -> Iterator[Any]:
    flags = (
        f"--host-resolver-rules=MAP {EVIL_HOST} 127.0.0.1",
        "--no-proxy-server",
        "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
    )
    with chromium(*flags) as driver:
        yield driver


@contextmanager
def attacker_site(page: str) -> Iterator[str]:
    """Serves ``page`` at ``http://evil.example:<port>/`` (another origin and site)."""
    body = page.encode()

    class Attacker(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{EVIL_HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def record_replies(server: ThreadingHTTPServer) -> list[tuple[str, str, int]]:
    """(method, path, status) of every reply ``server`` sends from now on."""
    seen: list[tuple[str, str, int]] = []
    handler: type[BaseHTTPRequestHandler] = server.RequestHandlerClass  # type: ignore[assignment]

    def send_response(self: BaseHTTPRequestHandler, code: int, message: str | None = None) -> None:
        if getattr(self, "command", None):
            seen.append((self.command, urlsplit(self.path).path, code))
        handler.send_response(self, code, message)

    server.RequestHandlerClass = type("Recorded", (handler,), {"send_response": send_response})
    return seen


def test_another_site_can_neither_read_nor_change_the_dashboard(
    queue: Queue, browser: Any, start_worker: Callable[..., Any]
) -> None:
    scene: Scene = make_scene(queue, start_worker)
    before = store_state(queue)
    with running_dashboard(queue) as dashboard:
        assert dashboard.server is not None
        replies = record_replies(dashboard.server)
        page = PAGE.replace("DASH", dashboard.base).replace("PENDING", scene.pending)
        with attacker_site(page.replace("LETTER", scene.dead_letter)) as url:
            browser.get(url)
            outcome: dict[str, str] = wait_for(
                lambda: browser.execute_script("return window.outcome.done && window.outcome"),
                20,
                what="the attacker's page to finish its fetches",
            )

            def changes() -> list[tuple[str, str, int]]:
                return [r for r in replies if r[0] not in ("GET", "HEAD", "OPTIONS")]

            # Two no-cors fetches and two forms reach the server; the DELETE never does.
            wait_for(lambda: len(changes()) >= 4, 20, what="the forged POSTs reach the server")
        assert outcome["cors read"] == "rejected TypeError"  # no CORS header: not readable
        assert outcome["opaque read"] == "opaque 0 []"
        for path in ("/api/dead-letters/purge", f"/api/jobs/{scene.pending}/cancel"):
            assert outcome[f"no-cors {path}"] == "opaque []"
            assert sorted(status for m, p, status in changes() if p == path) == [403, 403]
        assert outcome["cors delete"] == "rejected TypeError"  # its preflight was refused
        assert ("OPTIONS", f"/api/dead-letters/{scene.dead_letter}", 403) in replies
        assert [r for r in changes() if r[0] == "DELETE"] == []
        # The job list names the dead job, whose id the page was never told: it never saw it.
        assert scene.dead_job not in json.dumps(outcome) and "task_name" not in json.dumps(outcome)
        assert ("GET", "/api/jobs", 200) in replies  # it answered; the browser hid it

        # The store is as it was: the dead letter and the pending job are still there.
        assert store_state(queue) == before
        assert [d["id"] for d in queue.dead_letters(10)] == [scene.dead_letter]
        assert queue.get_job(scene.pending).status == "pending"  # type: ignore[union-attr]

        # DNS rebinding: evil.example now resolves to the dashboard's own address, so its
        # pages are "same-origin" with it; the Host check still refuses them.
        port = urlsplit(dashboard.base).port
        for path in ("/api/jobs", "/"):
            browser.get(f"http://{EVIL_HOST}:{port}{path}")
            text = wait_for(
                lambda: browser.execute_script("return document.body.innerText"),
                what="the refusal page",
            )
            assert "DNS rebinding" in text and scene.dead_job not in text, text
        # The dashboard's own page, at its own address, still works.
        browser.get(f"{dashboard.base}/#/dead")
        wait_for(
            lambda: "card declined" in browser.execute_script("return document.body.innerText"),
            what="the dead letter on the dashboard's own page",
        )
