"""Signed payloads and results against a real worker process and a real external writer
(RELIABILITY.md S1, S2, S6): the stdlib ``sqlite3`` module (another process) or ``psql``
rewrites stored rows. Both tests run on both backends (``any_app``)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Callable

import pytest
from taskito import JobFailedError, JobResult, SerializationError
from taskito.signing import MAGIC

from tests.conftest import App, WorkerProcess, wait_for

pytestmark = pytest.mark.timeout(60)

StartWorker = Callable[..., WorkerProcess]

APP = """
@queue.task(max_retries=0)
def double(n):
    side_effect()
    return n * 2
"""
KEYS = ', signing_key=[b"new-key", b"old-key"]'


class MarkerPickle:
    """Unpickling this creates a file: the proof that a payload was deserialized."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def rewrite(app: App, job_id: str, column: str, change: Callable[[bytes], bytes]) -> None:
    """Change one stored blob as an outside writer would: stdlib sqlite3 in another
    process, or psql."""
    record = app.queue._inner.get_job(job_id)
    assert record is not None
    value = record.payload if column == "payload" else record.result
    assert value is not None
    app.backend.set_job_blob(job_id, column, change(value))


def flip_one_byte(blob: bytes) -> bytes:
    data = bytearray(blob)
    data[len(data) // 2] ^= 0x01
    return bytes(data)


def test_tampered_unsigned_and_forged_payloads_are_refused(
    any_app: App, worker_process: StartWorker
) -> None:
    any_app.write(APP, queue_options=KEYS)
    module = any_app.load()
    marker = any_app.dir / "pwned"
    canary = pickle.dumps(MarkerPickle(marker))

    good = module.double.delay(1)
    tampered = module.double.delay(2)
    rewrite(any_app, tampered.id, "payload", flip_one_byte)
    unsigned_canary = module.double.delay(3)
    rewrite(any_app, unsigned_canary.id, "payload", lambda _: canary)
    forged_canary = module.double.delay(4)
    rewrite(any_app, forged_canary.id, "payload", lambda _: MAGIC + b"\x00" * 32 + canary)
    unsigned_client = any_app.backend.queue()  # a producer that does not sign
    unsigned = unsigned_client.enqueue(module.double.name, args=(5,))

    worker_process(any_app.dir, "--app", "app:queue")
    assert good.result(timeout=15) == 2
    refused = [tampered, unsigned_canary, forged_canary, unsigned]
    wait_for(
        lambda: all(job.refresh().status == "dead" for job in refused),
        15,
        what="the refused jobs to be dead-lettered",
    )
    mismatch = "its signature does not match; it was tampered with or signed with another key"
    not_signed = "it is not signed, and this queue accepts only signed data"
    expected = {tampered: mismatch, unsigned_canary: not_signed, forged_canary: mismatch}
    expected[unsigned] = not_signed
    for job, reason in expected.items():
        with pytest.raises(JobFailedError) as caught:
            job.result(timeout=1)
        sentence = f"refused the payload of job {job.id} (task 'app.double'): {reason}"
        assert str(caught.value) == f"Job {job.id} dead-lettered: {sentence}"
        assert len(job.errors) == 1  # failed for good on the first attempt, never retried
    assert not marker.exists()  # the canary was never unpickled
    assert [entry.job_id for entry in any_app.side_effects()] == [good.id]


def test_key_rotation_and_tampered_results(any_app: App, worker_process: StartWorker) -> None:
    any_app.write(APP, queue_options=KEYS)
    module = any_app.load()
    old_client = any_app.backend.queue(signing_key=b"old-key")  # not yet rotated
    from_old = old_client.enqueue(module.double.name, args=(10,))
    from_new = module.double.delay(20)
    worker_process(any_app.dir, "--app", "app:queue")

    assert from_new.result(timeout=15) == 40
    assert JobResult(any_app.queue, from_old.id).result(timeout=15) == 20
    # The worker signs results with the first key: a client that has only the old key
    # refuses them, one with both keys reads them.
    with pytest.raises(SerializationError, match="its signature does not match"):
        from_old.result(timeout=1)
    unsigned_client = any_app.backend.queue()
    with pytest.raises(SerializationError, match="could not deserialize the result"):
        unsigned_client.get_job(from_new.id).result(timeout=1)  # type: ignore[union-attr]

    rewrite(any_app, from_new.id, "result", flip_one_byte)
    with pytest.raises(SerializationError) as caught:
        from_new.result(timeout=1)
    assert str(caught.value) == (
        f"refused the result of job {from_new.id} (task 'app.double'): "
        "its signature does not match; it was tampered with or signed with another key"
    )
