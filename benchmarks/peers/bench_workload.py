"""The bodies of the two benchmark tasks, shared by every library's app module.

Both return a value so that every library stores a result that can be counted (Huey
stores nothing for ``None``, Dramatiq only with its Results middleware).
"""

from __future__ import annotations


def noop(i: int) -> int:
    """The no-op job: returns its argument (the round trips check it)."""
    return i


def cpu(i: int) -> str:
    """The light CPU job: formats a 100-character string, one digit at a time."""
    return "".join(str((i * 31 + k) % 10) for k in range(100))
