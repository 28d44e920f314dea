"""A real dashboard server on a free port, in a thread of the test process, a small
JSON client for it, and headless Chromium (shared by the API, origin and browser tests)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from taskito import Queue
from taskito.dashboard import make_server, server_url

from tests.conftest import wait_for

JSON_TYPE = {"Content-Type": "application/json"}


class Dashboard:
    def __init__(
        self, base: str, token: str | None, server: ThreadingHTTPServer | None = None
    ) -> None:
        self.base = base
        self.token = token
        self.server = server  # the running server, when this process serves it

    def call(
        self,
        path: str,
        method: str = "GET",
        token: str | None = "default",
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, decoded JSON body, headers); ``token=None`` sends no Authorization.

        POST and DELETE send ``Content-Type: application/json`` (as the page does)
        unless ``headers`` says otherwise; ``headers`` may also set Origin, Host...
        """
        sent = self.token if token == "default" else token
        request = urllib.request.Request(self.base + path, method=method)
        if sent:
            request.add_header("Authorization", f"Bearer {sent}")
        if method in ("POST", "DELETE", "PUT", "PATCH"):
            request.data = b"" if data is None else data
            for name, value in JSON_TYPE.items():
                request.add_header(name, value)
        elif data is not None:
            request.data = data
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw, status, got = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            raw, status, got = exc.read(), exc.code, dict(exc.headers)
        kind = got.get("Content-Type", "")
        body = json.loads(raw) if kind.startswith("application/json") else raw.decode()
        return status, body, got

    def get(self, path: str) -> Any:
        status, body, _ = self.call(path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str) -> Any:
        status, body, _ = self.call(path, "POST")
        assert status == 200, (path, status, body)
        return body


@contextmanager
def running_dashboard(
    queue: Queue, token: str | None = None, allow_origins: Iterable[str] = ()
) -> Iterator[Dashboard]:
    server = make_server(queue, "127.0.0.1", 0, token, allow_origins=allow_origins)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Dashboard(server_url(server), token, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def chromium(*flags: str) -> Iterator[Any]:
    """A selenium driver of headless Chromium (Debian's ``chromium`` + ``chromium-driver``,
    see ``scripts/ensure-chromium``); skips without them unless TASKITO_REQUIRE_BROWSER
    (set by .ci/run) says to fail."""
    required = bool(os.environ.get("TASKITO_REQUIRE_BROWSER"))
    try:
        from selenium import webdriver
    except ImportError:
        if required:
            pytest.fail("selenium is not installed, and TASKITO_REQUIRE_BROWSER is set")
        pytest.skip("selenium is not installed")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        if required:
            pytest.fail("chromium or chromedriver is missing, and TASKITO_REQUIRE_BROWSER is set")
        pytest.skip("chromium and chromedriver are not installed (run scripts/ensure-chromium)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    for flag in flags:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))
    try:
        yield driver
    finally:
        driver.quit()


@dataclass(frozen=True)
class Scene:
    """A pending job (due in an hour) and a dead letter, for requests that would change them."""

    pending: str
    dead_job: str
    dead_letter: str

    def changes(self) -> list[tuple[str, str]]:
        """Every state-changing route, aimed at this scene's job and dead letter."""
        return [
            ("POST", f"/api/jobs/{self.pending}/cancel"),
            ("POST", f"/api/jobs/{self.dead_job}/replay"),
            ("POST", f"/api/dead-letters/{self.dead_letter}/retry"),
            ("POST", "/api/dead-letters/purge"),
            ("DELETE", f"/api/dead-letters/{self.dead_letter}"),
        ]


def make_scene(queue: Queue, start_worker: Callable[..., Any]) -> Scene:
    """Runs a real worker until one job is dead; another job stays pending."""

    @queue.task(max_retries=0)
    def doomed() -> None:
        raise RuntimeError("card declined")

    @queue.task()
    def later() -> None: ...

    pending = later.apply_async(delay=3600)
    dead = doomed.delay()
    start_worker(queue)
    wait_for(lambda: dead.refresh().status == "dead", what="the job dies")
    [letter] = queue.dead_letters(100)
    return Scene(pending.id, dead.id, letter["id"])


def store_state(queue: Queue) -> tuple[list[tuple[str, str]], list[str]]:
    """Every job's (id, status) and every dead letter's id, read from the store."""
    jobs = sorted((job.id, job.status) for job in queue.list_jobs(limit=1000))
    return jobs, sorted(letter["id"] for letter in queue.dead_letters(1000))
