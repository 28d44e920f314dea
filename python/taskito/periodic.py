"""``@queue.periodic``: tasks enqueued on a cron schedule by the workers.

Each schedule is registered in the database by every worker that starts with it;
the workers' engines enqueue each tick exactly once between them (a database
constraint on the schedule and tick time). After downtime, a schedule gets one job for
the whole missed window, not one per missed tick. See ``docs/periodic.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable

from taskito._native import JobSpec, validate_cron
from taskito.errors import QueueError
from taskito.submission import JobOptions

if TYPE_CHECKING:
    from taskito.enqueue import Enqueuer
    from taskito.registry import TaskRegistry
    from taskito.task import TaskWrapper

MakeTask = Callable[..., Callable[[Callable[..., Any]], "TaskWrapper"]]
"""``queue.task``: ``make_task(name=..., queue=...)`` returns the decorator."""

# What NativeQueue.start_worker takes per periodic task: name, cron, timezone, the job.
PeriodicTuple = tuple[str, str, "str | None", JobSpec]


def periodic_decorator(
    make_task: MakeTask,
    enqueuer: Enqueuer,
    registry: TaskRegistry,
    cron: str,
    name: str | None,
    args: Sequence[Any],
    kwargs: dict[str, Any] | None,
    queue_name: str,
    timezone: str | None,
) -> Callable[[Callable[..., Any]], TaskWrapper]:
    """Check the schedule now, then register the function as a task and its schedule."""
    if not isinstance(cron, str):
        raise QueueError(f"cron must be a string such as '*/5 * * * *', not {type(cron).__name__}")
    if timezone is not None and not isinstance(timezone, str):
        raise QueueError(
            f"timezone must be an IANA name such as 'Europe/Paris', not {type(timezone).__name__}"
        )
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise QueueError(f"the name of a periodic task must be a non-empty string, got {name!r}")
    tz_name = validate_cron(cron, timezone)

    def decorate(fn: Callable[..., Any]) -> TaskWrapper:
        if not callable(fn):
            raise QueueError(f"@queue.periodic decorates functions, not {type(fn).__name__}")
        task_name = name if name is not None else f"{fn.__module__}.{fn.__qualname__}"
        payload = enqueuer.payload(task_name, args, kwargs)  # before registering anything
        wrapper = make_task(name=task_name, queue=queue_name)(fn)
        config = {
            "name": wrapper.name,
            "task_name": wrapper.name,
            "cron_expr": cron,
            "payload": payload,
            "queue": queue_name,
            "timezone": tz_name,
        }
        registry.add_periodic(config)
        return wrapper

    return decorate


def worker_periodic_tasks(registry: TaskRegistry, enqueuer: Enqueuer) -> list[PeriodicTuple]:
    """The queue's schedules as the engine takes them, with each task's job options."""
    tasks: list[PeriodicTuple] = []
    for config in registry.periodic:
        template = enqueuer.template(config["task_name"], JobOptions(queue=config["queue"]))
        job = template.replace(payload=config["payload"])
        tasks.append((config["name"], config["cron_expr"], config["timezone"], job))
    return tasks


__all__ = ["PeriodicTuple", "periodic_decorator", "worker_periodic_tasks"]
