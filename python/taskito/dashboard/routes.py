"""The JSON API: one table of routes, each a method, a path template and a function.

``openapi.json`` describes the same routes; a test keeps the two equal."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from taskito.dashboard.data import DashboardData
from taskito.errors import JobNotFoundError, QueueError
from taskito.result import record_dict

Params = Mapping[str, str]
Reply = tuple[int, Any]


class BadRequest(Exception):
    """A query parameter the API cannot use: 400 with this message."""


def _int(params: Params, name: str, default: int, low: int = 0, high: int = 10**9) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number (got {raw!r})") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high} (got {value})")
    return value


def _text(params: Params, name: str) -> str | None:
    value = params.get(name)
    return value if value else None


def _not_found(what: str = "Job") -> Reply:
    return 404, {"error": f"{what} not found"}


# -- GET ------------------------------------------------------------------------------------


def stats(d: DashboardData, p: Params) -> Reply:
    return 200, d.stats()


def overview(d: DashboardData, p: Params) -> Reply:
    return 200, d.overview()


def list_jobs(d: DashboardData, p: Params) -> Reply:
    status, queue, task = _text(p, "status"), _text(p, "queue"), _text(p, "task")
    limit = _int(p, "limit", 20, 1, 1000)
    cursor = _text(p, "cursor")
    after = None
    if cursor is not None:
        created, sep, last_id = cursor.partition(":")
        if not sep or not created.isdigit() or not last_id:
            raise BadRequest(
                f"cursor must be '<created_at>:<job id>' of the last row (got {cursor!r})"
            )
        after = (int(created), last_id)
    jobs = d.queue.list_jobs(status, queue, task, limit, _int(p, "offset", 0), after=after)
    # The list already read each row: no second read per job.
    return 200, [record_dict(job._snapshot()) for job in jobs]


def job(d: DashboardData, p: Params, job_id: str) -> Reply:
    detail = d.job_detail(job_id)
    return (200, detail) if detail is not None else _not_found()


def job_errors(d: DashboardData, p: Params, job_id: str) -> Reply:
    if d.queue.get_job(job_id) is None:
        return _not_found()
    return 200, d.queue.job_errors(job_id)


def job_logs(d: DashboardData, p: Params, job_id: str) -> Reply:
    return 200, d.queue.task_logs(job_id)


def job_replay_history(d: DashboardData, p: Params, job_id: str) -> Reply:
    return 200, d.queue.replay_history(job_id)


def dead_letters(d: DashboardData, p: Params) -> Reply:
    limit, offset = _int(p, "limit", 20, 1, 1000), _int(p, "offset", 0)
    return 200, d.queue.dead_letters(limit, offset)


def metrics(d: DashboardData, p: Params) -> Reply:
    since = _int(p, "since", 3600, 1)
    return 200, d.queue.metrics(_text(p, "task"), since)


def logs(d: DashboardData, p: Params) -> Reply:
    return 200, d.queue.query_logs(
        _text(p, "task"),
        _text(p, "level"),
        _int(p, "since", 3600, 1),
        _int(p, "limit", 100, 1, 10_000),
    )


def circuit_breakers(d: DashboardData, p: Params) -> Reply:
    return 200, d.queue.circuit_breakers()


def workers(d: DashboardData, p: Params) -> Reply:
    return 200, d.queue.workers()


def periodic(d: DashboardData, p: Params) -> Reply:
    return 200, d.periodic()


# -- POST -----------------------------------------------------------------------------------


def cancel(d: DashboardData, p: Params, job_id: str) -> Reply:
    found = d.queue.get_job(job_id)
    if found is None:
        return _not_found()
    if found.status == "running":
        return 200, {"cancelled": d.queue.cancel_running_job(job_id)}
    return 200, {"cancelled": d.queue.cancel_job(job_id)}


def retry_dead(d: DashboardData, p: Params, dead_id: str) -> Reply:
    try:
        return 200, {"new_job_id": d.queue.retry_dead(dead_id)}
    except JobNotFoundError:
        return _not_found("Dead letter")


def delete_dead(d: DashboardData, p: Params, dead_id: str) -> Reply:
    if not d.queue.delete_dead(dead_id):
        return _not_found("Dead letter")
    return 200, {"deleted": True}


def purge_dead(d: DashboardData, p: Params) -> Reply:
    return 200, {"purged": d.queue.purge_dead(0)}


def replay(d: DashboardData, p: Params, job_id: str) -> Reply:
    if d.queue.get_job(job_id) is None:
        return _not_found()
    return 200, {"replay_job_id": d.queue.replay(job_id).id}


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # OpenAPI path, e.g. /api/jobs/{id}
    fn: Callable[..., Reply]

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[a-z_]+\}", "([^/]+)", self.template) + "$")


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/stats", stats),
    Route("GET", "/api/overview", overview),
    Route("GET", "/api/jobs", list_jobs),
    Route("GET", "/api/jobs/{id}", job),
    Route("GET", "/api/jobs/{id}/errors", job_errors),
    Route("GET", "/api/jobs/{id}/logs", job_logs),
    Route("GET", "/api/jobs/{id}/replay-history", job_replay_history),
    Route("GET", "/api/dead-letters", dead_letters),
    Route("GET", "/api/metrics", metrics),
    Route("GET", "/api/logs", logs),
    Route("GET", "/api/circuit-breakers", circuit_breakers),
    Route("GET", "/api/workers", workers),
    Route("GET", "/api/periodic", periodic),
    Route("POST", "/api/jobs/{id}/cancel", cancel),
    Route("POST", "/api/jobs/{id}/replay", replay),
    Route("POST", "/api/dead-letters/{id}/retry", retry_dead),
    Route("POST", "/api/dead-letters/purge", purge_dead),
    Route("DELETE", "/api/dead-letters/{id}", delete_dead),
)
_COMPILED = [(route, route.pattern) for route in ROUTES]


def dispatch(data: DashboardData, method: str, path: str, params: Params) -> Reply:
    """Runs the route for ``method path``: (status, JSON body). Unknown routes are 404."""
    known_path = False
    for route, pattern in _COMPILED:
        match = pattern.match(path)
        if match is None:
            continue
        known_path = True
        if route.method != method:
            continue
        try:
            return route.fn(data, params, *match.groups())
        except (BadRequest, QueueError) as exc:  # ours and the Queue's one-sentence refusals
            return 400, {"error": str(exc)}
    if known_path:
        return 405, {"error": f"{method} is not allowed on {path}"}
    return 404, {"error": f"no API route {method} {path}"}
