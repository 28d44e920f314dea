"""The exceptions taskito raises, under this module's earlier name.

The classes live in :mod:`taskito.exceptions` (the name the original taskito 0.22
uses); this module is the same set of classes, so ``from taskito.errors import ...``
keeps working and catches the very same exceptions.
"""

from __future__ import annotations

from taskito.exceptions import *  # noqa: F403  (the same names, by design)
from taskito.exceptions import __all__ as __all__
