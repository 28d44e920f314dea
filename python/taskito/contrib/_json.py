"""Turning task results into JSON values."""

from __future__ import annotations

from typing import Any


def json_safe(value: Any) -> Any:
    """Primitives as they are, lists/tuples/dicts recursively, anything else as ``str()``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)
