"""taskito.contrib: the FastAPI router (with SSE progress), OpenTelemetry spans and the
Prometheus exporter, against real queues and a real worker."""

from __future__ import annotations

import json
import signal
import socket
import urllib.request
from typing import Any, Callable

import pytest
from taskito import Queue, current_job

from tests.conftest import App, WorkerProcess, wait_for

fastapi = pytest.importorskip("fastapi", reason="the fastapi extra is not installed")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from taskito.contrib.fastapi import TaskitoRouter  # noqa: E402

StartWorker = Callable[..., WorkerProcess]


def _client(queue: Queue) -> TestClient:
    app = FastAPI()
    app.include_router(TaskitoRouter(queue), prefix="/tasks")
    return TestClient(app)


def test_fastapi_routes(any_queue: Queue, start_worker: Callable[..., Any]) -> None:
    @any_queue.task(name="api.add")
    def add(a: int, b: int) -> dict[str, Any]:
        return {"sum": a + b, "obj": object.__name__}

    @any_queue.task(name="api.fail", max_retries=0)
    def fail() -> None:
        raise ValueError("nope")

    client = _client(any_queue)
    pending = add.delay(1, 2)
    assert client.get("/tasks/stats").json()["pending"] == 1
    job = client.get(f"/tasks/jobs/{pending.id}").json()
    assert job["id"] == pending.id and job["status"] == "pending" and len(job) == 16
    assert client.get("/tasks/jobs/nope").status_code == 404
    assert client.get(f"/tasks/jobs/{pending.id}/result").json() == {
        "id": pending.id,
        "status": "pending",
        "result": None,
        "error": None,
    }

    worker = start_worker(any_queue)
    done = client.get(f"/tasks/jobs/{pending.id}/result", params={"timeout": 15}).json()
    assert done["status"] == "complete" and done["result"] == {"sum": 3, "obj": "object"}
    assert client.get("/tasks/jobs/x/result", params={"timeout": 301}).status_code == 422

    failed = fail.delay()
    wait_for(lambda: failed.refresh().status == "dead", 15, what="the failing job dies")
    errors = client.get(f"/tasks/jobs/{failed.id}/errors").json()
    assert len(errors) == 1 and "ValueError: nope" in errors[0]["error"]
    dead = client.get("/tasks/dead-letters", params={"limit": 5}).json()
    assert [d["original_job_id"] for d in dead] == [failed.id]
    assert client.get("/tasks/dead-letters", params={"limit": 0}).status_code == 422
    retried = client.post(f"/tasks/dead-letters/{dead[0]['id']}/retry").json()
    assert any_queue.get_job(retried["new_job_id"]) is not None
    assert client.post("/tasks/dead-letters/nope/retry").status_code == 404
    worker.stop()

    later = add.apply_async(args=(1, 1), delay=3600)
    assert client.post(f"/tasks/jobs/{later.id}/cancel").json() == {"cancelled": True}
    assert later.refresh().status == "cancelled"
    assert client.post(f"/tasks/jobs/{later.id}/cancel").json() == {"cancelled": False}


@pytest.mark.timeout(60)
def test_fastapi_progress_is_server_sent_events(
    queue: Queue, start_worker: Callable[..., Any], tmp_path: Any
) -> None:
    gate = tmp_path / "go"

    @queue.task(name="api.slow")
    def slow() -> str:
        current_job.update_progress(40)
        wait_for(gate.exists, 30, what="the gate")
        current_job.update_progress(100)
        return "ok"

    client = _client(queue)
    assert client.get("/tasks/jobs/nope/progress").status_code == 404
    job = slow.delay()
    worker = start_worker(queue)
    wait_for(lambda: job.refresh().progress == 40, 15, what="progress 40")
    events: list[dict[str, Any]] = []
    with client.stream("GET", f"/tasks/jobs/{job.id}/progress") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
                if len(events) == 1:
                    gate.touch()
    assert events[0] == {"status": "running", "progress": 40}
    assert events[-1]["status"] == "complete" and events[-1]["progress"] == 100
    worker.stop()


def test_opentelemetry_spans_per_attempt_with_retry_events(
    queue: Queue, start_worker: Callable[..., Any]
) -> None:
    sdk = pytest.importorskip("opentelemetry.sdk.trace", reason="the otel extra is missing")
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import StatusCode
    from taskito.contrib.otel import OpenTelemetryMiddleware

    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    queue.registry.add_middleware(OpenTelemetryMiddleware(tracer_provider=provider))

    @queue.task(name="otel.flaky", max_retries=1, retry_backoff=0.01)
    def flaky() -> str:
        if current_job.retry_count == 0:
            raise RuntimeError("first try fails")
        return "ok"

    worker = start_worker(queue)
    job = flaky.delay()
    assert job.result(timeout=15) == "ok"
    wait_for(lambda: len(exporter.get_finished_spans()) == 2, 10, what="two spans")
    worker.stop()
    first, second = exporter.get_finished_spans()
    assert first.name == second.name == "taskito.execute.otel.flaky"
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["taskito.job_id"] == job.id
    assert first.attributes["taskito.queue"] == "default"
    assert (first.attributes["taskito.retry_count"], second.attributes["taskito.retry_count"]) == (
        0,
        1,
    )
    assert first.status.status_code == StatusCode.ERROR
    # The retry is announced (on_retry) before the attempt ends (after).
    assert [e.name for e in first.events] == ["retry", "exception"]
    assert second.status.status_code == StatusCode.OK and not second.events


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_worker_metrics_port_exports_prometheus_metrics(
    app: App, worker_process: StartWorker
) -> None:
    pytest.importorskip("prometheus_client", reason="the prometheus extra is missing")
    app.write()
    module = app.load()
    port = _free_port()
    worker = worker_process(app.dir, "--app", "app:queue", "--metrics-port", str(port))
    worker.wait_for_line("[taskito] Queues:")
    assert module.add.delay(2, 2).result(timeout=15) == 4
    module.send_email.apply_async(args=("x",), delay=3600)

    def scrape() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return str(r.read().decode())

    text = scrape()
    assert 'taskito_jobs{status="completed"} 1.0' in text
    assert 'taskito_queue_depth{queue="emails",state="pending"} 1.0' in text
    wait_for(lambda: 'taskito_workers{state="live"} 1.0' in scrape(), 10, what="a live worker")
    assert 'taskito_workers{state="stale"} 0.0' in scrape()
    assert (
        'taskito_task_duration_seconds_count{outcome="success",queue="default",task="app.add"} 1.0'
        in text
    )
    worker.signal(signal.SIGTERM)
    assert worker.finish() == 0
    assert any("serving Prometheus metrics" in e for e in worker.errors)
