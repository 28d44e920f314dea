"""The module ``Queue`` lived in before :mod:`taskito.app` (the original taskito's name).

``from taskito.queue import Queue`` keeps working; it is the same class.
"""

from __future__ import annotations

from taskito.app import DEFAULT_MAX_PAYLOAD_BYTES, Queue

__all__ = ["DEFAULT_MAX_PAYLOAD_BYTES", "Queue"]
