"""The dashboard's JSON API against a real server, real workers and both backends:
every route, keyset paging, previews, the token and the loopback rule, and the
OpenAPI file kept equal to the routes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import pytest
from taskito import Queue
from taskito.dashboard import make_server
from taskito.dashboard.routes import ROUTES
from taskito.errors import QueueError

from tests.backends import Backend
from tests.conftest import WorkerThread, run_taskito, wait_for
from tests.integration.dashboard_server import Dashboard, running_dashboard

pytestmark = pytest.mark.timeout(60)

StartWorker = Callable[..., WorkerThread]


@pytest.fixture
def dashboard(any_queue: Queue) -> Iterator[Dashboard]:
    with running_dashboard(any_queue) as running:
        yield running


def test_jobs_detail_errors_and_actions(
    any_queue: Queue, dashboard: Dashboard, start_worker: StartWorker
) -> None:
    @any_queue.task(max_retries=0)
    def explode(label: str) -> None:
        raise ValueError(f"exploded {label}")

    @any_queue.task()
    def double(x: int) -> int:
        return x * 2

    done = double.delay(21)
    failed = explode.delay("x" * 5000)
    waiting = double.apply_async(args=(1,), delay=3600)
    start_worker(any_queue)
    wait_for(
        lambda: failed.refresh().status == "dead" and done.refresh().status == "complete",
        what="jobs finish",
    )

    listed = dashboard.get("/api/jobs?limit=10")
    assert [j["id"] for j in listed] == [waiting.id, failed.id, done.id]
    assert set(listed[0]) >= {"id", "status", "task_name", "queue", "created_at", "metadata"}
    assert [j["id"] for j in dashboard.get("/api/jobs?status=dead")] == [failed.id]
    assert [j["id"] for j in dashboard.get("/api/jobs?status=completed")] == [done.id]
    assert [j["id"] for j in dashboard.get(f"/api/jobs?task={double.name}")] == [
        waiting.id,
        done.id,
    ]
    assert dashboard.get("/api/jobs?queue=nowhere") == []

    detail = dashboard.get(f"/api/jobs/{done.id}")
    assert (detail["status"], detail["result_preview"], detail["attempt"]) == ("complete", "42", 1)
    assert detail["args_preview"] == "((21,), {})"
    dead = dashboard.get(f"/api/jobs/{failed.id}")
    assert "exploded" in dead["error"] and dead["errors"][0]["attempt"] == 0
    assert dead["args_preview"].endswith("characters)") and len(dead["args_preview"]) < 2100
    assert dashboard.get(f"/api/jobs/{failed.id}/errors")[0]["job_id"] == failed.id
    errors = dashboard.get(f"/api/jobs/{failed.id}/errors")
    assert len(errors) == 1 and "exploded" in errors[0]["error"] and errors[0]["attempt"] == 0
    assert errors[0]["claim"] == 1
    status, body, _ = dashboard.call("/api/jobs/no-such-job")
    assert (status, body) == (404, {"error": "Job not found"})

    assert dashboard.post(f"/api/jobs/{waiting.id}/cancel") == {"cancelled": True}
    assert any_queue.get_job(waiting.id).status == "cancelled"  # type: ignore[union-attr]
    assert dashboard.post(f"/api/jobs/{waiting.id}/cancel") == {"cancelled": False}

    replay_id = dashboard.post(f"/api/jobs/{done.id}/replay")["replay_job_id"]
    wait_for(lambda: any_queue.get_job(replay_id).status == "complete")  # type: ignore[union-attr]
    [history] = dashboard.get(f"/api/jobs/{done.id}/replay-history")
    assert history["replay_job_id"] == replay_id
    assert dashboard.get(f"/api/jobs/{done.id}/logs") == (
        [] if not hasattr(any_queue, "task_logs") else any_queue.task_logs(done.id)
    )
    assert dashboard.get(f"/api/jobs/{done.id}/logs") == []  # the task logs nothing


def test_dead_letters_retry_and_purge(
    any_queue: Queue, dashboard: Dashboard, start_worker: StartWorker
) -> None:
    attempts: list[int] = []

    @any_queue.task(max_retries=0)
    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first time fails")
        return "fine"

    @any_queue.task(max_retries=0)
    def always() -> None:
        raise RuntimeError("never works")

    first = flaky.delay()
    second = always.delay()
    start_worker(any_queue)
    wait_for(lambda: len(dashboard.get("/api/dead-letters")) == 2, what="two dead letters")
    by_job = {d["original_job_id"]: d for d in dashboard.get("/api/dead-letters?limit=5")}
    assert set(by_job) == {first.id, second.id}
    assert "first time fails" in by_job[first.id]["error"]
    assert len(dashboard.get("/api/dead-letters?limit=1&offset=1")) == 1

    new_id = dashboard.post(f"/api/dead-letters/{by_job[first.id]['id']}/retry")["new_job_id"]
    assert any_queue.get_job(new_id).result(timeout=15) == "fine"  # type: ignore[union-attr]
    status, body, _ = dashboard.call("/api/dead-letters/nope/retry", "POST")
    assert (status, body) == (404, {"error": "Dead letter not found"})
    third = always.delay()
    wait_for(lambda: len(dashboard.get("/api/dead-letters")) == 2, what="a new dead letter")
    entries = dashboard.get("/api/dead-letters")
    doomed = next(d["id"] for d in entries if d["original_job_id"] == third.id)
    assert dashboard.call(f"/api/dead-letters/{doomed}", "DELETE")[:2] == (200, {"deleted": True})
    assert dashboard.call(f"/api/dead-letters/{doomed}", "DELETE")[:2] == (
        404,
        {"error": "Dead letter not found"},
    )
    assert [d["original_job_id"] for d in dashboard.get("/api/dead-letters")] == [second.id]
    assert dashboard.post("/api/dead-letters/purge") == {"purged": 1}
    assert dashboard.get("/api/dead-letters") == []


def test_keyset_pages_walk_every_job_once(any_queue: Queue, dashboard: Dashboard) -> None:
    @any_queue.task()
    def noop(i: int) -> None: ...

    ids = [job.id for job in noop.map([(i,) for i in range(23)])]  # one transaction
    seen: list[str] = []
    cursor = ""
    while True:
        page = dashboard.get(f"/api/jobs?limit=5&status=pending{cursor}")
        if not page:
            break
        seen += [job["id"] for job in page]
        cursor = f"&cursor={page[-1]['created_at']}:{page[-1]['id']}"
    assert sorted(seen) == sorted(ids) and len(seen) == 23
    assert seen == [job["id"] for job in dashboard.get("/api/jobs?limit=100")]
    for bad in ("cursor=12", "cursor=x:y", "limit=0", "limit=abc", "status=weird"):
        status, body, _ = dashboard.call(f"/api/jobs?{bad}")
        assert status == 400 and body["error"] and "Traceback" not in body["error"], bad


def test_overview_stats_and_workers(
    any_queue: Queue, dashboard: Dashboard, start_worker: StartWorker
) -> None:
    @any_queue.task(queue="mail")
    def send(n: int) -> int:
        return n

    send.map([(i,) for i in range(5)])
    # The overview's figures are at most about a second old (refreshed in the background).
    pending = [{"queue": "mail", "pending": 5, "running": 0}]
    before = wait_for(
        lambda: (
            (o := dashboard.get("/api/overview"))["queues"] == pending
            and o["counts"]["pending"] == 5
            and o
        ),
        what="the overview shows the pending jobs",
    )
    assert before["series"]["buckets"] == []
    worker = start_worker(any_queue, ["mail"])
    wait_for(lambda: any_queue.stats()["completed"] == 5)

    def caught_up() -> dict[str, Any]:
        o: dict[str, Any] = dashboard.get("/api/overview")
        done = sum(b["completed"] for b in o["series"]["buckets"])
        return o if o["counts"]["completed"] == 5 and done == 5 and not o["queues"] else {}

    after = wait_for(caught_up, what="the overview shows the completions")
    assert dashboard.get("/api/stats")["completed"] == 5
    assert after["series"]["since"] < after["series"]["now"]
    assert after["workers"] == {"active": 1, "stale": 0}
    [row] = dashboard.get("/api/workers")
    assert (row["status"], row["queues"]) == ("active", "mail")
    worker.stop()
    assert dashboard.get("/api/workers") == []


def test_args_preview_never_opens_a_refused_payload(any_backend: Backend) -> None:
    queue = any_backend.queue(signing_key=b"k1")

    @queue.task()
    def echo(x: Any) -> Any:
        return x

    job = echo.delay("hello")
    any_backend.set_job_blob(job.id, "payload", b"\x80\x05forged pickle")
    with running_dashboard(queue) as dashboard:
        preview = dashboard.get(f"/api/jobs/{job.id}")["args_preview"]
    assert preview.startswith("<refused by the signing key")


def test_feature_routes(
    any_queue: Queue, dashboard: Dashboard, start_worker: Callable[..., WorkerThread]
) -> None:
    """Logs, metrics and circuit breakers show the Queue's own data."""
    from taskito import current_job

    @any_queue.task(name="feat.talk", circuit_breaker={"threshold": 2})
    def talk() -> None:
        current_job.log("hi", extra={"n": 1})

    assert dashboard.get("/api/periodic") == []
    job = talk.delay()
    worker = start_worker(any_queue)
    job.result(timeout=15)
    wait_for(lambda: "feat.talk" in any_queue.metrics(since=60), 10, what="the metrics rollup")
    worker.stop()
    assert [row["message"] for row in dashboard.get(f"/api/jobs/{job.id}/logs")] == ["hi"]
    assert [row["message"] for row in dashboard.get("/api/logs?task=feat.talk")] == ["hi"]
    metrics = dashboard.get("/api/metrics?since=60")
    assert metrics["feat.talk"]["count"] == 1 and metrics["feat.talk"]["success_count"] == 1
    assert metrics == json.loads(json.dumps(any_queue.metrics(since=60), default=str))
    breakers = dashboard.get("/api/circuit-breakers")
    assert [b["task_name"] for b in breakers] == ["feat.talk"]
    assert breakers[0]["state"] == "closed" and breakers[0]["threshold"] == 2
    status, body, _ = dashboard.call("/api/metrics?since=soon")
    assert status == 400 and "since" in body["error"]


def test_periodic_schedules_are_listed(any_queue: Queue, dashboard: Dashboard) -> None:
    @any_queue.periodic(cron="0 0 * * * *", name="hourly")
    def hourly() -> None: ...

    [row] = dashboard.get("/api/periodic")
    assert (row["name"], row["cron_expr"], row["task_name"]) == (
        "hourly",
        "0 0 * * * *",
        hourly.name,
    )


def test_periodic_configs_are_shown_with_an_args_preview(
    any_queue: Queue, dashboard: Dashboard
) -> None:
    # The registry holds the schedules the periodic decorator registers.
    payload = any_queue.codec.serializer.dumps(((1,), {"region": "eu"}))
    config = {"name": "nightly", "task_name": "app.report", "cron_expr": "0 0 3 * * *"}
    any_queue.registry.add_periodic({**config, "payload": payload, "queue": "reports"})
    [row] = dashboard.get("/api/periodic")
    assert row == {**config, "queue": "reports", "args_preview": "((1,), {'region': 'eu'})"}


def test_unknown_routes_and_page(dashboard: Dashboard) -> None:
    assert dashboard.call("/api/nothing")[0] == 404
    assert dashboard.call("/api/stats", "POST")[0] == 405
    assert dashboard.call("/api/jobs/x/unknown", "POST")[0] == 404
    status, page, headers = dashboard.call("/jobs/anything")
    assert status == 200 and "<title>taskito dashboard</title>" in page
    status, _, headers = dashboard.call("/static/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert dashboard.call("/static/../server.py")[1] == page  # no files outside static/
    # No CORS header by default: a page of another origin cannot read the replies.
    assert "Access-Control-Allow-Origin" not in dashboard.call("/api/stats")[2]


def test_token_is_required_on_every_api_call(any_queue: Queue) -> None:
    with running_dashboard(any_queue, token="s3cret") as dashboard:
        for route in ROUTES:
            path = route.template.replace("{id}", "some-id")
            status, body, headers = dashboard.call(path, route.method, token=None)
            assert status == 401 and "token" in body["error"], path
            assert headers["WWW-Authenticate"].startswith("Bearer")
            assert dashboard.call(path, route.method, token="wrong")[0] == 401, path
        assert dashboard.call("/api/openapi.json", token=None)[0] == 401
        assert dashboard.get("/api/stats")["pending"] == 0
        assert dashboard.call("/", token=None)[0] == 200  # the page itself asks for it


def test_token_from_the_environment(any_queue: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKITO_DASHBOARD_TOKEN", "from-env")
    with running_dashboard(any_queue) as dashboard:
        assert dashboard.call("/api/stats", token=None)[0] == 401
        assert dashboard.call("/api/stats", token="from-env")[0] == 200


def test_refuses_non_loopback_without_token(queue: Queue, tmp_path: Any) -> None:
    with pytest.raises(QueueError, match="without a token"):
        make_server(queue, "0.0.0.0", 0)
    server = make_server(queue, "0.0.0.0", 0, token="t")  # with a token it binds
    server.server_close()
    (tmp_path / "app.py").write_text(
        f"from taskito import Queue\nqueue = Queue(db_path={str(tmp_path / 'q.db')!r})\n"
    )
    done = run_taskito("dashboard", "--app", "app:queue", "--host", "0.0.0.0", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("taskito: refusing to serve the dashboard on 0.0.0.0")
    assert "TASKITO_DASHBOARD_TOKEN" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    help_text = run_taskito("dashboard", "--help", cwd=tmp_path).stdout
    assert "--token" in help_text and "--host" in help_text


def test_openapi_describes_exactly_the_routes(dashboard: Dashboard) -> None:
    served = dashboard.get("/api/openapi.json")
    shipped = json.loads(resources.files("taskito.dashboard").joinpath("openapi.json").read_text())
    assert served == shipped and served["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, ops in served["paths"].items() for method in ops}
    implemented = {(r.method, r.template) for r in ROUTES} | {("GET", "/api/openapi.json")}
    assert documented == implemented
