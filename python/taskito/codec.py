"""How a queue's calls and results become stored bytes, and back: its serializer, and
its signing keys when it has some (see :mod:`taskito.signing`).

Enqueueing, running a job (in a worker or in test mode), reading a result and the
dashboard's previews all go through the one :class:`PayloadCodec` of the queue, so
they cannot disagree on the format.
"""

from __future__ import annotations

from typing import Any

from taskito.errors import QueueError, SerializationError
from taskito.serializers import Serializer, failure_reason
from taskito.signing import SignatureError, Signer

Call = tuple[tuple[Any, ...], dict[str, Any], Any]
"""A job's arguments: ``(args, kwargs, receive)``; ``receive`` is None unless the job
reads its dependencies' results (see :mod:`taskito.dependencies`)."""


class PayloadCodec:
    """The serializer and the optional :class:`~taskito.signing.Signer` of one queue."""

    __slots__ = ("_serializer", "_signer")

    def __init__(self, serializer: Serializer, signer: Signer | None = None) -> None:
        if not isinstance(serializer, Serializer):
            raise QueueError(
                f"serializer must have dumps() and loads() methods; "
                f"{type(serializer).__name__} does not"
            )
        self._serializer = serializer
        self._signer = signer

    @property
    def serializer(self) -> Serializer:
        """The queue's serializer."""
        return self._serializer

    @property
    def signer(self) -> Signer | None:
        """The queue's signing keys, or None when payloads and results are not signed."""
        return self._signer

    def loads(self, data: bytes) -> Any:
        """Deserialize bytes already opened (payload or result)."""
        return self._serializer.loads(data)

    # -- payloads -------------------------------------------------------------------------

    def encode_call(
        self,
        task_name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        receive: dict[str, Any] | None = None,
    ) -> bytes:
        """The stored payload of a call: serialized, then signed; a SerializationError
        naming the task when the arguments cannot be serialized."""
        call: tuple[Any, ...] = (args, kwargs)
        if receive is not None:
            call = (*call, receive)
        try:
            data = self._serializer.dumps(call)
            if type(data) is not bytes:
                data = bytes(data)
        except Exception as exc:
            raise SerializationError(
                f"cannot serialize the arguments of task '{task_name}': {failure_reason(exc)}"
            ) from exc
        return data if self._signer is None else self._signer.seal_payload(task_name, data)

    def open_payload(self, task_name: str, blob: bytes) -> bytes:
        """The serialized arguments of a stored payload, checked against the signing keys
        if there are any (:class:`~taskito.signing.SignatureError` when not genuine)."""
        if self._signer is None:
            return blob
        return self._signer.open_payload(task_name, blob)

    def decode_call(self, data: bytes) -> Call:
        """The arguments inside an opened payload; a ValueError when it is not a call."""
        value = self._serializer.loads(data)
        if not (isinstance(value, (tuple, list)) and len(value) in (2, 3)):
            raise ValueError(f"expected an (args, kwargs) pair, got {type(value).__name__}")
        args, kwargs = value[0], value[1]
        if not isinstance(args, (tuple, list)) or not isinstance(kwargs, dict):
            raise ValueError("expected an (args, kwargs) pair of a sequence and a dict")
        return tuple(args), kwargs, value[2] if len(value) == 3 else None

    # -- results --------------------------------------------------------------------------

    def encode_result(self, job_id: str, value: Any) -> bytes | None:
        """The stored result of a job (None stays None); raises what the serializer raises."""
        if value is None:
            return None
        data = bytes(self._serializer.dumps(value))
        return data if self._signer is None else self._signer.seal_result(job_id, data)

    def open_result(self, job_id: str, blob: bytes) -> bytes:
        """The serialized result of job ``job_id``, checked against the signing keys."""
        if self._signer is None:
            return blob
        return self._signer.open_result(job_id, blob)

    def decode_result(self, job_id: str, task_name: str, blob: bytes | None) -> Any:
        """The value of a stored result; a SerializationError when it is refused by the
        signing keys or cannot be deserialized."""
        if blob is None:
            return None
        try:
            data = self.open_result(job_id, blob)
        except SignatureError as exc:
            raise SerializationError(
                f"refused the result of job {job_id} (task '{task_name}'): {exc}"
            ) from None
        try:
            return self._serializer.loads(data)
        except Exception as exc:
            raise SerializationError(
                f"could not deserialize the result of job {job_id} "
                f"(task '{task_name}'): {failure_reason(exc)}"
            ) from exc

    def __repr__(self) -> str:
        return f"<PayloadCodec {self._serializer!r} signed={self._signer is not None}>"


__all__ = ["Call", "PayloadCodec"]
