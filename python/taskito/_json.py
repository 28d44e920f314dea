"""Turning Python values (task results, records) into JSON values."""

from __future__ import annotations

import dataclasses
from typing import Any


def json_safe(value: Any) -> Any:
    """Primitives as they are, containers recursively, dataclasses as dicts, else ``str``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe(dataclasses.asdict(value))
    if callable(value):
        return getattr(value, "__qualname__", repr(value))
    return str(value)


__all__ = ["json_safe"]
