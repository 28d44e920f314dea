"""The dashboard's cross-origin rules against a real server and store: no CORS header
unless allow-listed, state-changing requests only from the dashboard's own origin (or
an allowed one) and only as JSON, the DNS-rebinding Host check, ``--allow-origin``
values, and the 0.2-style ``_make_handler`` mounted on a plain ThreadingHTTPServer."""

from __future__ import annotations

import argparse
import http.client
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from taskito import Queue
from taskito.dashboard import _make_handler, make_server, server_url
from taskito.dashboard.command import add_arguments, run
from taskito.errors import QueueError

from tests.conftest import run_taskito
from tests.integration.dashboard_server import (
    Dashboard,
    Scene,
    make_scene,
    running_dashboard,
    store_state,
)

pytestmark = pytest.mark.timeout(60)

EVIL = "http://evil.example"
ACAO = "Access-Control-Allow-Origin"


@pytest.fixture
def dashboard(queue: Queue) -> Iterator[Dashboard]:
    with running_dashboard(queue) as running:
        yield running


def _one_sentence(body: Any) -> str:
    error = body["error"]
    assert isinstance(error, str) and error and "\n" not in error and "Traceback" not in error
    return error


def test_no_cors_header_on_any_reply_by_default(dashboard: Dashboard) -> None:
    foreign = {"Origin": EVIL}
    replies = [
        dashboard.call("/api/stats"),
        dashboard.call("/api/stats", headers=foreign),
        dashboard.call("/api/jobs", headers=foreign),
        dashboard.call("/"),
        dashboard.call("/static/app.js", headers=foreign),
        dashboard.call("/api/nothing"),
        dashboard.call("/api/dead-letters/purge", "POST"),
        dashboard.call("/api/dead-letters/purge", "POST", headers=foreign),
        dashboard.call("/api/jobs", "OPTIONS", headers=foreign),
        dashboard.call("/api/jobs", "OPTIONS"),
    ]
    for status, _, headers in replies:
        assert ACAO not in headers and "Access-Control-Allow-Methods" not in headers, status
        assert headers["X-Frame-Options"] == "DENY"  # no clickjacking of the buttons
        assert headers["X-Content-Type-Options"] == "nosniff"
    # The server still answers a foreign GET (the browser, seeing no CORS header, keeps
    # the reply from the page); a preflight from it is refused.
    assert [status for status, _, _ in replies[1:3]] == [200, 200]
    assert replies[8][0] == 403 and "--allow-origin" in _one_sentence(replies[8][1])


def test_forged_origin_changes_nothing(any_queue: Queue, start_worker: Callable[..., Any]) -> None:
    scene = make_scene(any_queue, start_worker)
    before = store_state(any_queue)
    forgeries = [
        {"Origin": EVIL},
        {"Origin": "null"},  # sandboxed frames, data: URLs, no-referrer pages
        {"Origin": "http://127.0.0.1:1"},  # another port is another origin
        {"Referer": f"{EVIL}/page.html"},  # no Origin: the Referer decides
        {"Origin": EVIL, "Referer": "http://127.0.0.1/"},  # the Origin wins
    ]
    with running_dashboard(any_queue) as dashboard:
        for headers in forgeries:
            for method, path in scene.changes():
                status, body, reply = dashboard.call(path, method, headers=headers)
                assert status == 403, (method, path, headers, body)
                error = _one_sentence(body)
                assert "cross-site" in error and ACAO not in reply
        status, body, _ = dashboard.call(scene.changes()[0][1], "POST", headers=forgeries[0])
        assert "'http://evil.example'" in body["error"]
        assert store_state(any_queue) == before
        assert any_queue.get_job(scene.pending).status == "pending"  # type: ignore[union-attr]
        assert [d["id"] for d in any_queue.dead_letters(10)] == [scene.dead_letter]


def test_simple_content_types_are_refused(queue: Queue, start_worker: Callable[..., Any]) -> None:
    scene = make_scene(queue, start_worker)
    before = store_state(queue)
    simple = [
        "application/x-www-form-urlencoded",
        "text/plain;charset=UTF-8",
        "multipart/form-data; boundary=x",
        "application/jsonp",
    ]
    with running_dashboard(queue) as dashboard:
        own = {"Origin": dashboard.base}
        for kind in simple:
            for method, path in scene.changes():
                for extra in ({}, own):  # a script, or the dashboard's own page
                    status, body, _ = dashboard.call(
                        path, method, headers={"Content-Type": kind, **extra}, data=b"a=1"
                    )
                    assert status == 415, (kind, method, path, body)
                    assert "application/json" in _one_sentence(body)
        # No Content-Type at all, with a body (curl -X POST -d ...).
        connection = http.client.HTTPConnection(dashboard.base.removeprefix("http://"))
        connection.request("POST", "/api/dead-letters/purge", body=b"a=1")
        reply = connection.getresponse()
        assert reply.status == 415 and b"sent none" in reply.read()
        # A body-less POST carrying the dashboard's own Origin (a browser) still needs JSON.
        connection.request("POST", "/api/dead-letters/purge", headers={"Origin": dashboard.base})
        reply = connection.getresponse()
        assert reply.status == 415 and b"sent none" in reply.read()
        assert store_state(queue) == before
        # A body-less POST with no Origin or Referer is a script, never a page (browsers
        # send Origin on every POST): urllib's empty POST, as the original's clients send.
        connection.request(
            "POST",
            "/api/dead-letters/purge",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        reply = connection.getresponse()
        assert reply.status == 200, reply.read()
        reply.read()
        connection.close()
    assert queue.dead_letters(10) == []


def test_same_origin_json_requests_are_accepted(
    queue: Queue, start_worker: Callable[..., Any]
) -> None:
    scene = make_scene(queue, start_worker)
    with running_dashboard(queue) as dashboard:
        own = {"Origin": dashboard.base}
        path = f"/api/jobs/{scene.pending}/cancel"
        status, body, reply = dashboard.call(path, "POST", headers=own, data=b"{}")
        assert (status, body) == (200, {"cancelled": True}) and ACAO not in reply
        port = dashboard.base.rsplit(":", 1)[1]
        # Reached as localhost, the page's origin is http://localhost:<port>.
        at_localhost = {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}
        replay = f"/api/jobs/{scene.dead_job}/replay"
        status, body, _ = dashboard.call(replay, "POST", headers=at_localhost)
        assert status == 200 and body["replay_job_id"]
        # No Origin, a Referer of the dashboard's own page.
        referer = {"Referer": f"{dashboard.base}/#/dead", "Content-Type": "application/json"}
        status, body, _ = dashboard.call(
            f"/api/dead-letters/{scene.dead_letter}", "DELETE", headers=referer
        )
        assert (status, body) == (200, {"deleted": True})
        # No Origin or Referer (a script): JSON is enough.
        assert dashboard.post("/api/dead-letters/purge")["purged"] >= 0
    assert queue.get_job(scene.pending).status == "cancelled"  # type: ignore[union-attr]
    assert scene.dead_letter not in store_state(queue)[1]


def test_allow_listed_origins_get_cors_and_preflight(queue: Queue) -> None:
    @queue.task()
    def later() -> None: ...

    job = later.apply_async(delay=3600)
    allowed = ["HTTP://LocalHost:3000", "https://ops.example.com:443"]
    with running_dashboard(queue, allow_origins=allowed) as dashboard:
        for origin in ("http://localhost:3000", "https://ops.example.com"):
            status, _, headers = dashboard.call("/api/stats", headers={"Origin": origin})
            assert status == 200 and headers[ACAO] == origin and headers["Vary"] == "Origin"
            preflight = {
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            }
            status, _, headers = dashboard.call("/api/jobs/x/cancel", "OPTIONS", headers=preflight)
            assert status == 204 and headers[ACAO] == origin and headers["Vary"] == "Origin"
            assert "POST" in headers["Access-Control-Allow-Methods"]
            assert "DELETE" in headers["Access-Control-Allow-Methods"]
            allowed_headers = headers["Access-Control-Allow-Headers"].lower()
            assert "content-type" in allowed_headers and "authorization" in allowed_headers
        path = f"/api/jobs/{job.id}/cancel"
        status, body, headers = dashboard.call(path, "POST", headers={"Origin": EVIL})
        assert status == 403 and ACAO not in headers
        assert queue.get_job(job.id).status == "pending"  # type: ignore[union-attr]
        status, body, headers = dashboard.call(
            path, "POST", headers={"Origin": "http://localhost:3000"}
        )
        assert (status, body) == (200, {"cancelled": True})
        assert headers[ACAO] == "http://localhost:3000"
        for unlisted in (EVIL, "http://localhost:3001", "https://localhost:3000", "null"):
            status, _, headers = dashboard.call("/api/stats", headers={"Origin": unlisted})
            assert status == 200 and ACAO not in headers and "Vary" not in headers, unlisted
            status, body, headers = dashboard.call(
                "/api/stats", "OPTIONS", headers={"Origin": unlisted}
            )
            assert status == 403 and ACAO not in headers, unlisted
            assert unlisted in _one_sentence(body)


BAD_ORIGINS = [
    "ops.example.com",
    "https://ops.example.com/",
    "https://ops.example.com/admin",
    "https://ops.example.com?x=1",
    "https://ops.example.com#top",
    "ftp://ops.example.com",
    "https://user@ops.example.com",
    "http://localhost:99999",
    "http://localhost:0",
    "https://",
    "*",
    "null",
    "",
    "http://[::zz]:8080",
]


@pytest.mark.parametrize("bad", BAD_ORIGINS)
def test_bad_allow_origins_are_one_sentence(queue: Queue, bad: str) -> None:
    with pytest.raises(QueueError) as raised:
        make_server(queue, "127.0.0.1", 0, allow_origins=[bad])
    message = str(raised.value)
    assert "\n" not in message and repr(bad) in message and "https://ops.example.com" in message


def test_allow_origins_must_be_a_list(queue: Queue) -> None:
    with pytest.raises(QueueError, match="list of origins"):
        make_server(queue, "127.0.0.1", 0, allow_origins="https://ops.example.com")
    with pytest.raises(QueueError, match="is not an origin"):
        make_server(queue, "127.0.0.1", 0, allow_origins=[8080])  # type: ignore[list-item]
    good = ["https://ops.example.com", "http://localhost:3000", "http://[::1]:8080"]
    make_server(queue, "127.0.0.1", 0, allow_origins=good).server_close()


def test_the_command_refuses_a_bad_allow_origin_before_loading_the_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    given = parser.parse_args(["--allow-origin", "https://a.example", "--allow-origin", "x/y"])
    assert given.allow_origin == ["https://a.example", "x/y"]
    args = argparse.Namespace(
        app="not_a_module:queue", host="127.0.0.1", port=0, token=None, **vars(given)
    )
    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("taskito: --allow-origin 'x/y' is not an origin")
    assert len(err.strip().splitlines()) == 1


def test_cli_bad_allow_origin_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    done = run_taskito(
        "dashboard", "--app", "app:queue", "--allow-origin", "https://ops.example.com/admin",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("taskito: --allow-origin 'https://ops.example.com/admin'")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "--allow-origin" in run_taskito("dashboard", "--help", cwd=tmp_path).stdout


def test_dns_rebinding_hosts_are_refused(queue: Queue) -> None:
    with running_dashboard(queue, allow_origins=["https://ops.example.com"]) as dashboard:
        port = dashboard.base.rsplit(":", 1)[1]
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}"):
            for path in ("/api/jobs", "/", "/static/app.js"):
                status, body, _ = dashboard.call(path, headers={"Host": host})
                assert status == 403 and "DNS rebinding" in _one_sentence(body), (host, path)
            status, body, _ = dashboard.call(
                "/api/dead-letters/purge", "POST", headers={"Host": host}
            )
            assert status == 403 and "DNS rebinding" in body["error"]
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "127.0.0.5", "[::1]:8080"):
            assert dashboard.call("/api/stats", headers={"Host": host})[0] == 200, host
        # An allowed origin's host may reach it too (a proxy that keeps the Host).
        assert dashboard.call("/api/stats", headers={"Host": "ops.example.com"})[0] == 200


def test_no_host_check_off_loopback_where_the_token_guards(queue: Queue) -> None:
    server = make_server(queue, "0.0.0.0", 0, token="t")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        dashboard = Dashboard(f"http://127.0.0.1:{port}", "t")
        assert dashboard.call("/api/stats", headers={"Host": "ops.example.com"})[0] == 200
        assert dashboard.call("/api/stats", token=None)[0] == 401
        status, _, _ = dashboard.call(
            "/api/dead-letters/purge", "POST", headers={"Origin": "https://elsewhere.example"}
        )
        assert status == 403
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_bad_or_huge_bodies(dashboard: Dashboard) -> None:
    address = dashboard.base.removeprefix("http://")
    for length, status in (("abc", 400), (str(2 << 20), 413)):
        connection = http.client.HTTPConnection(address)
        connection.putrequest("POST", "/api/dead-letters/purge")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", length)
        connection.endheaders()
        reply = connection.getresponse()
        assert reply.status == status and b"error" in reply.read()
        connection.close()


def test_0_2_handler_on_a_plain_server_keeps_the_rules(
    queue: Queue, start_worker: Callable[..., Any]
) -> None:
    scene: Scene = make_scene(queue, start_worker)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(queue))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dashboard = Dashboard(server_url(server), None)
        assert dashboard.get("/api/stats")["pending"] == 1
        path = f"/api/jobs/{scene.pending}/cancel"
        assert dashboard.call(path, "POST", headers={"Origin": EVIL})[0] == 403
        assert dashboard.call(path, "POST", headers={"Content-Type": "text/plain"})[0] == 415
        assert dashboard.call("/api/stats", headers={"Host": "evil.example"})[0] == 403
        assert ACAO not in dashboard.call("/api/stats", headers={"Origin": EVIL})[2]
        assert queue.get_job(scene.pending).status == "pending"  # type: ignore[union-attr]
        assert dashboard.post(path) == {"cancelled": True}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
