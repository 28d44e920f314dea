"""How task arguments and results become bytes.

The queue's serializer is used on every path: the payload written at enqueue, the
payload read by the worker, the result written by the worker and the result read by
:meth:`taskito.JobResult.result`. A worker and its clients must therefore agree on it.
"""

from __future__ import annotations

import json
import pickle
from typing import Any, Protocol, runtime_checkable

import cloudpickle  # type: ignore[import-untyped]


@runtime_checkable
class Serializer(Protocol):
    """Anything with ``dumps(obj) -> bytes`` and ``loads(bytes) -> obj``."""

    def dumps(self, obj: Any) -> bytes:
        """Turn ``obj`` into bytes."""
        ...

    def loads(self, data: bytes) -> Any:
        """Turn bytes made by :meth:`dumps` back into an object."""
        ...


class CloudpickleSerializer:
    """The default: cloudpickle, which also handles lambdas and local functions.

    Only unpickle payloads written by processes you trust.
    """

    def dumps(self, obj: Any) -> bytes:
        """Pickle ``obj`` with cloudpickle."""
        data: bytes = cloudpickle.dumps(obj)
        return data

    def loads(self, data: bytes) -> Any:
        """Unpickle ``data``."""
        return pickle.loads(data)

    def __repr__(self) -> str:
        return "CloudpickleSerializer()"


class JsonSerializer:
    """UTF-8 JSON. Arguments and results must be JSON types; tuples come back as lists."""

    def dumps(self, obj: Any) -> bytes:
        """Encode ``obj`` as compact UTF-8 JSON."""
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def loads(self, data: bytes) -> Any:
        """Decode UTF-8 JSON."""
        return json.loads(bytes(data).decode("utf-8"))

    def __repr__(self) -> str:
        return "JsonSerializer()"


def failure_reason(exc: BaseException) -> str:
    """The message of a serialization error, for one plain sentence."""
    text = str(exc)
    return text if text else type(exc).__name__


__all__ = ["CloudpickleSerializer", "JsonSerializer", "Serializer"]
