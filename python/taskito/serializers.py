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

_PROTOCOL: int = cloudpickle.DEFAULT_PROTOCOL
_SCALARS = frozenset({int, float, str, bytes, bool, type(None)})


def _plain(obj: Any, depth: int) -> bool:
    """Whether ``obj`` holds only builtin scalars, within ``depth`` levels of exact
    tuples, lists and dicts (subclasses may pickle themselves by reference)."""
    kind = type(obj)
    if kind in _SCALARS:
        return True
    if depth == 0:
        return False
    if kind is tuple or kind is list:
        for item in obj:
            if type(item) not in _SCALARS and not _plain(item, depth - 1):
                return False
        return True
    if kind is dict:
        for key, value in obj.items():
            if type(key) not in _SCALARS:
                return False
            if type(value) not in _SCALARS and not _plain(value, depth - 1):
                return False
        return True
    return False


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
        """Pickle ``obj`` with cloudpickle.

        Values made only of builtin scalars (and tuples, lists and dicts of them, up
        to three levels deep: ``(args, kwargs)`` and one level of containers inside
        an argument) go through the C pickler directly: cloudpickle would
        write the very same bytes, about six times slower.
        """
        if _plain(obj, 3):
            return pickle.dumps(obj, protocol=_PROTOCOL)
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
