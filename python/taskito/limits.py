"""Rate limits and circuit breakers: checking the task options, and what the worker
and :meth:`taskito.Queue.circuit_breakers` need from them (pure functions: the task
registry keeps each task's parsed settings).

The limits themselves are enforced by the engine, through the database, so they hold
across every worker process and host: see ``docs/limits.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from taskito.errors import QueueError

_PERIODS_MS = {
    "s": 1_000,
    "sec": 1_000,
    "second": 1_000,
    "m": 60_000,
    "min": 60_000,
    "minute": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
    "hour": 3_600_000,
}
_RATE = re.compile(r"\s*(\d+)\s*/\s*([a-z]+)\s*")
_BREAKER_DEFAULTS = {"threshold": 5, "window": 60.0, "cooldown": 300.0}

RateLimit = tuple[int, int]
"""``(count, period_ms)``: at most ``count`` starts per ``period_ms``."""
BreakerSettings = tuple[int, int, int]
"""``(threshold, window_ms, cooldown_ms)``."""


def parse_rate_limit(task: str, value: object) -> RateLimit | None:
    """``"100/m"`` -> ``(100, 60000)``; ``None`` -> ``None``; anything else unusable
    raises :class:`QueueError` (a ``ValueError``) naming the problem."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise QueueError(
            f"task '{task}': rate_limit must be a string such as '100/m', "
            f"not {type(value).__name__}"
        )
    match = _RATE.fullmatch(value.lower())
    if match is None or match.group(2) not in _PERIODS_MS:
        raise QueueError(
            f"task '{task}': rate_limit {value!r} is not of the form 'N/s', 'N/m' or 'N/h' "
            "(also N/sec, N/second, N/min, N/minute, N/hr, N/hour)"
        )
    count = int(match.group(1))
    if count < 1 or count > 1_000_000:
        raise QueueError(
            f"task '{task}': rate_limit {value!r} must allow between 1 and 1000000 jobs"
        )
    return count, _PERIODS_MS[match.group(2)]


def parse_circuit_breaker(task: str, value: object) -> BreakerSettings | None:
    """``{"threshold": 5, "window": 60, "cooldown": 300}`` (every key optional, with
    those defaults; seconds) -> ``(5, 60000, 300000)``; ``None`` -> ``None``; anything
    else unusable raises :class:`QueueError` (a ``ValueError``) naming the problem."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise QueueError(
            f"task '{task}': circuit_breaker must be a dict with keys threshold, window "
            f"and cooldown, not {type(value).__name__}"
        )
    unknown = sorted(str(k) for k in value if k not in _BREAKER_DEFAULTS)
    if unknown:
        raise QueueError(
            f"task '{task}': circuit_breaker has unknown key(s) {', '.join(unknown)} "
            "(known: threshold, window, cooldown)"
        )
    settings: dict[str, Any] = {**_BREAKER_DEFAULTS, **value}
    threshold = settings["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise QueueError(
            f"task '{task}': circuit_breaker threshold must be a whole number of failures "
            f"of at least 1 (got {threshold!r})"
        )
    spans = []
    for key in ("window", "cooldown"):
        seconds = settings[key]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            raise QueueError(
                f"task '{task}': circuit_breaker {key} must be a number of seconds greater "
                f"than 0 (got {seconds!r})"
            )
        spans.append(max(1, round(seconds * 1000)))
    return threshold, spans[0], spans[1]


def check(task: str, rate_limit: object, circuit_breaker: object) -> None:
    """Raise :class:`QueueError` if the task's rate limit or circuit breaker is unusable."""
    parse_rate_limit(task, rate_limit)
    parse_circuit_breaker(task, circuit_breaker)


def circuit_breakers(
    stored: Iterable[Mapping[str, Any]], configured: Mapping[str, BreakerSettings]
) -> list[dict[str, Any]]:
    """The breakers ``stored`` in the database, plus a closed one for each task of
    ``configured`` (task name -> its settings) that never failed; sorted by task name."""
    breakers: dict[str, dict[str, Any]] = {str(b["task_name"]): dict(b) for b in stored}
    for name, (threshold, window_ms, cooldown_ms) in configured.items():
        breakers.setdefault(
            name,
            {
                "task_name": name,
                "state": "closed",
                "failure_count": 0,
                "last_failure_at": None,
                "opened_at": None,
                "threshold": threshold,
                "window_ms": window_ms,
                "cooldown_ms": cooldown_ms,
            },
        )
    return [breakers[name] for name in sorted(breakers)]


__all__ = [
    "BreakerSettings",
    "RateLimit",
    "check",
    "circuit_breakers",
    "parse_circuit_breaker",
    "parse_rate_limit",
]
