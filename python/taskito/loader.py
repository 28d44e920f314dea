"""Finding an application's :class:`~taskito.Queue` from a ``module:attribute`` string.

The ``taskito`` command (``--app``), the dashboard command and anything else that runs
a user's queue by name share :func:`load_queue`; each problem with the name becomes an
:class:`AppError` holding one sentence for the user.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys

from taskito.app import Queue
from taskito.errors import QueueError


class AppError(Exception):
    """The named app cannot be used (bad name, missing module, not a Queue, options the
    Queue refused): one sentence, meant to be printed as is."""


def _describe(obj: object) -> str:
    if inspect.isclass(obj):
        return "a class"
    if inspect.ismodule(obj):
        return "a module"
    if inspect.isroutine(obj):
        return "a function"
    name = type(obj).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def load_queue(app: str) -> Queue:
    """Import ``module:attribute`` (from the current directory first) and return the Queue.

    Raises :class:`AppError` for a name that is malformed, a module that does not exist,
    a missing attribute, an object that is not a Queue, or Queue options the module's
    own ``Queue(...)`` call was refused for. An import error raised from inside the
    module (a bug in the app) propagates with its traceback.
    """
    module_name, sep, attr = app.partition(":")
    module_name, attr = module_name.strip(), attr.strip()
    if not sep or not module_name or not attr:
        raise AppError(
            f"--app must look like 'module:attribute', e.g. 'myapp.tasks:queue' (got {app!r})"
        )
    cwd = os.getcwd()
    if not sys.path or sys.path[0] != cwd:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the module we were asked for (or a parent package) is the caller's mistake;
        # anything the module itself fails to import is a bug to show with its traceback.
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise AppError(
                f"could not import module {module_name!r}: no module named {missing!r} "
                f"in the current directory ({cwd}) or on the Python path"
            ) from exc
        raise
    except QueueError as exc:
        # taskito refused the app's Queue(...) options: a clear sentence already, about
        # the user's configuration, not a bug. (A database it cannot open is a
        # StorageError, reported by the caller like any other.)
        raise AppError(f"{module_name!r} could not create its queue: {exc}") from exc
    target: object = module
    for part in attr.split("."):
        if not hasattr(target, part):
            owner = f"module {module_name!r}" if target is module else repr(target)
            raise AppError(f"{owner} has no attribute {part!r}")
        target = getattr(target, part)
    if not isinstance(target, Queue):
        raise AppError(f"'{module_name}:{attr}' is {_describe(target)}, not a taskito Queue")
    return target


__all__ = ["AppError", "load_queue"]
