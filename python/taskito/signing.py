"""Signed envelopes for payloads and results (``Queue(signing_key=...)``).

Anyone who can write to the database can otherwise make a worker unpickle bytes of
their choosing, which runs code. With a signing key, every payload written at enqueue
and every result written by a worker is wrapped as::

    MAGIC (4 bytes) | HMAC-SHA256 (32 bytes) | serialized bytes

and is checked, in constant time, before the serializer ever sees it. The MAC also
covers what the bytes are for (a payload of task X, the result of job Y), so a signed
blob cannot be moved to another task or another job's result.

Several keys may be given: the first signs, all of them verify (key rotation).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Union

from taskito.errors import QueueError

MAGIC = b"TKS1"
_MAC_SIZE = hashlib.sha256().digest_size
_HEADER = len(MAGIC) + _MAC_SIZE

SigningKey = Union[bytes, str]
SigningKeys = Union[SigningKey, Sequence[SigningKey]]


class SignatureError(Exception):
    """A blob that is not signed, or not signed with any of our keys."""


def _key_bytes(key: object) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise QueueError(
            f"signing_key must be bytes or str, or a list of them, not {type(key).__name__}"
        )
    if not key:
        raise QueueError("signing_key must not be empty")
    return bytes(key)


def _payload_context(task_name: str) -> bytes:
    return b"payload\x00" + task_name.encode("utf-8") + b"\x00"


def _result_context(job_id: str) -> bytes:
    return b"result\x00" + job_id.encode("utf-8") + b"\x00"


class Signer:
    """Signs with the first key and verifies with any of them."""

    __slots__ = ("_keys",)

    def __init__(self, keys: SigningKeys) -> None:
        if isinstance(keys, (bytes, bytearray, str)):
            items: list[object] = [keys]
        elif isinstance(keys, (list, tuple)):
            items = list(keys)
        else:
            raise QueueError(
                f"signing_key must be bytes or str, or a list of them, not {type(keys).__name__}"
            )
        if not items:
            raise QueueError("signing_key must be a key or a non-empty list of keys")
        self._keys = [_key_bytes(key) for key in items]

    def _mac(self, key: bytes, context: bytes, data: bytes) -> bytes:
        return hmac.new(key, context + data, hashlib.sha256).digest()

    def _seal(self, context: bytes, data: bytes) -> bytes:
        return MAGIC + self._mac(self._keys[0], context, data) + data

    def _open(self, context: bytes, blob: bytes) -> bytes:
        blob = bytes(blob)
        if len(blob) < _HEADER or not blob.startswith(MAGIC):
            raise SignatureError("it is not signed, and this queue accepts only signed data")
        mac, data = blob[len(MAGIC) : _HEADER], blob[_HEADER:]
        matched = False
        for key in self._keys:  # every key is tried, so timing does not tell which matched
            matched |= hmac.compare_digest(mac, self._mac(key, context, data))
        if not matched:
            raise SignatureError(
                "its signature does not match; it was tampered with or signed with another key"
            )
        return data

    def seal_payload(self, task_name: str, data: bytes) -> bytes:
        """Wrap the serialized arguments of a job of ``task_name``."""
        return self._seal(_payload_context(task_name), data)

    def open_payload(self, task_name: str, blob: bytes) -> bytes:
        """The serialized arguments inside ``blob``; :class:`SignatureError` if not genuine."""
        return self._open(_payload_context(task_name), blob)

    def seal_result(self, job_id: str, data: bytes) -> bytes:
        """Wrap the serialized result of job ``job_id``."""
        return self._seal(_result_context(job_id), data)

    def open_result(self, job_id: str, blob: bytes) -> bytes:
        """The serialized result inside ``blob``; :class:`SignatureError` if not genuine."""
        return self._open(_result_context(job_id), blob)

    def __repr__(self) -> str:  # never show the keys
        return f"<Signer keys={len(self._keys)}>"


__all__ = ["MAGIC", "SignatureError", "Signer", "SigningKeys"]
