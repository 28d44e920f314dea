"""``queue.max_payload_bytes``: the original taskito's 1 MiB cap on stored payloads."""

from __future__ import annotations

import pytest
from taskito import Queue
from taskito.app import DEFAULT_MAX_PAYLOAD_BYTES
from taskito.errors import QueueError


def test_oversized_payloads_are_refused_at_enqueue_and_nothing_is_stored(queue: Queue) -> None:
    @queue.task()
    def take(blob: bytes) -> int:
        return len(blob)

    assert queue.max_payload_bytes == DEFAULT_MAX_PAYLOAD_BYTES == 1024 * 1024
    big = b"x" * (DEFAULT_MAX_PAYLOAD_BYTES + 1)
    with pytest.raises(ValueError, match="max_payload_bytes") as caught:
        take.delay(big)
    assert isinstance(caught.value, QueueError)
    assert "\n" not in str(caught.value)
    # A batch with one oversized item writes nothing, not even the small ones.
    with pytest.raises(QueueError, match="max_payload_bytes"):
        take.map([(b"small",), (big,)])
    with queue.test_mode(), pytest.raises(QueueError, match="max_payload_bytes"):
        take.delay(big)
    assert queue.stats()["pending"] == 0

    take.delay(b"x" * 1000)
    queue.max_payload_bytes = 500
    with pytest.raises(QueueError, match="more than the queue's max_payload_bytes \\(500\\)"):
        take.delay(b"x" * 1000)
    queue.max_payload_bytes = 0  # no limit
    take.delay(big)
    assert queue.stats()["pending"] == 2


@pytest.mark.parametrize("bad", [-1, 1.5, "1MB", True, None])
def test_a_bad_cap_is_refused_when_set(queue: Queue, bad: object) -> None:
    with pytest.raises(QueueError, match="max_payload_bytes must be a whole number"):
        queue.max_payload_bytes = bad
    assert queue.max_payload_bytes == DEFAULT_MAX_PAYLOAD_BYTES
