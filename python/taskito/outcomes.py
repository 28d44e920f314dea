"""What one attempt of a job ends with, and what the engine makes of it.

A run of a job (:mod:`taskito.runner`) ends with an outcome code and a value: the
result bytes for ``OUTCOME_SUCCESS``, the error text otherwise. ``OUTCOME_RETRY`` means
"failed, and may run again", ``OUTCOME_FAIL`` "failed for good", ``OUTCOME_CANCELLED``
"stopped on request". Whether a retryable failure does run again is the engine's
decision (``decide_outcome`` in ``crates/taskito-engine/src/results.rs``);
:func:`next_state` asks that same function, through the extension, for the places that
must know it in Python: test mode, which has no engine, and the ``on_retry`` middleware
call made within the attempt.
"""

from __future__ import annotations

from typing import Literal, Optional, cast

from taskito._native import OUTCOME_CANCELLED, OUTCOME_FAIL, OUTCOME_RETRY, OUTCOME_SUCCESS
from taskito._native import next_state as engine_next_state

Outcome = tuple[int, Optional[object]]
"""What the engine's ``run_job`` callback returns: ``(OUTCOME_*, value)``."""

State = Literal["complete", "retry", "dead", "cancelled"]


def next_state(code: int, retry_count: int, max_retries: int) -> State:
    """What becomes of a job whose attempt ended with ``code``, ``retry_count`` being
    the retries it already had and ``max_retries`` its budget: the engine's rule.

    A retryable failure runs again (``"retry"``: back to pending, later) while
    ``retry_count < max_retries``, and is dead-lettered after; a failure for good is
    dead-lettered at once.
    """
    state, _delay_ms = engine_next_state(code, retry_count, max_retries)
    return cast(State, state)


__all__ = [
    "OUTCOME_CANCELLED",
    "OUTCOME_FAIL",
    "OUTCOME_RETRY",
    "OUTCOME_SUCCESS",
    "Outcome",
    "State",
    "next_state",
]
