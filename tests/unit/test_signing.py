"""Signed envelopes (RELIABILITY S1): every change to a signed blob is refused."""

from __future__ import annotations

import hmac
from pathlib import Path

import pytest
from taskito import Queue, QueueError
from taskito.signing import MAGIC, SignatureError, Signer

MESSAGE = bytes(range(256)) * 4  # 1 KB


def test_round_trip_and_key_rotation() -> None:
    old, new = Signer(b"old-key"), Signer([b"new-key", "old-key"])
    blob = old.seal_payload("t.send", MESSAGE)
    assert blob.startswith(MAGIC) and blob.endswith(MESSAGE)
    assert old.open_payload("t.send", blob) == MESSAGE
    assert new.open_payload("t.send", blob) == MESSAGE  # old signatures still verify
    rotated = new.seal_payload("t.send", MESSAGE)  # the first key signs
    assert new.open_payload("t.send", rotated) == MESSAGE
    with pytest.raises(SignatureError, match="signature does not match"):
        old.open_payload("t.send", rotated)
    assert Signer("old-key").open_payload("t.send", blob) == MESSAGE  # str keys are UTF-8


def test_every_flipped_byte_and_every_truncation_is_refused() -> None:
    signer = Signer(b"k")
    blob = signer.seal_payload("t.send", MESSAGE)
    refused = 0
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(SignatureError):
            signer.open_payload("t.send", bytes(tampered))
        refused += 1
    for size in range(len(blob)):
        with pytest.raises(SignatureError):
            signer.open_payload("t.send", blob[:size])
    assert refused == len(MESSAGE) + len(MAGIC) + 32


def test_unsigned_and_foreign_blobs_are_refused() -> None:
    signer = Signer(b"k")
    with pytest.raises(SignatureError, match="not signed"):
        signer.open_payload("t.send", MESSAGE)
    with pytest.raises(SignatureError, match="not signed"):
        signer.open_payload("t.send", b"")
    with pytest.raises(SignatureError, match="signature does not match"):
        signer.open_payload("t.send", Signer(b"other").seal_payload("t.send", MESSAGE))


def test_a_signature_is_bound_to_its_task_and_its_job() -> None:
    signer = Signer(b"k")
    payload = signer.seal_payload("t.send", MESSAGE)
    with pytest.raises(SignatureError):
        signer.open_payload("t.delete_everything", payload)
    result = signer.seal_result("job-1", MESSAGE)
    assert signer.open_result("job-1", result) == MESSAGE
    with pytest.raises(SignatureError):
        signer.open_result("job-2", result)
    with pytest.raises(SignatureError):  # a payload is not a result, and back
        signer.open_result("t.send", payload)


def test_the_compare_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    signer = Signer([b"a", b"b", b"c"])
    signer.open_payload("t", Signer(b"a").seal_payload("t", MESSAGE))
    assert len(calls) == 3  # every key is compared, even after a match


@pytest.mark.parametrize("key", [b"", "", [], [b"ok", 3], 42])
def test_bad_keys_are_refused_when_the_queue_is_made(tmp_path: Path, key: object) -> None:
    with pytest.raises(QueueError, match="signing_key"):
        Queue(db_path=str(tmp_path / "q.db"), signing_key=key)  # type: ignore[arg-type]


def test_the_signer_never_shows_its_keys() -> None:
    assert "secret" not in repr(Signer(b"secret"))
