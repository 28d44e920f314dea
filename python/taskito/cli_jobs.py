"""``taskito dlq ...`` and ``taskito job ...``: look at and act on jobs from the shell."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from taskito.errors import JobNotFoundError

if TYPE_CHECKING:
    from taskito.app import Queue


class NotFound(Exception):
    """An id the user gave that the database does not know: one sentence, exit 1."""


def _when(ms: Any) -> str:
    if ms is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(ms) / 1000))


def _first_line(text: Any, width: int = 60) -> str:
    if not text:
        return ""
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""  # a traceback's last line names the error
    return last if len(last) <= width else last[: width - 3] + "..."


def dlq_list(queue: Queue, limit: int, offset: int, as_json: bool) -> int:
    entries = queue.dead_letters(limit=limit, offset=offset)
    if as_json:
        print(json.dumps(entries, indent=2, default=str))
        return 0
    if not entries:
        print("the dead-letter queue is empty" if offset == 0 else "no more dead letters")
        return 0
    header = f"{'dead-letter id':<38} {'task':<28} {'queue':<10} {'retries':>7}"
    print(f"{header}  {'failed at':<19}  error")
    for e in entries:
        print(
            f"{e['id']:<38} {str(e['task_name'])[:28]:<28} {str(e['queue'])[:10]:<10} "
            f"{e['retry_count']:>7}  {_when(e['failed_at']):<19}  {_first_line(e['error'])}"
        )
    return 0


def dlq_retry(queue: Queue, ids: list[str]) -> int:
    for dead_id in ids:
        try:
            new_id = queue.retry_dead(dead_id)
        except JobNotFoundError as exc:
            raise NotFound(f"no dead letter with id {dead_id!r}") from exc
        print(f"{dead_id} -> new job {new_id}")
    return 0


def dlq_purge(queue: Queue, older_than: float) -> int:
    purged = queue.purge_dead(older_than=older_than)
    print(f"purged {purged} dead letter{'s' if purged != 1 else ''}")
    return 0


def job_show(queue: Queue, job_id: str, as_json: bool) -> int:
    job = queue.get_job(job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id!r}")
    data = job.to_dict()
    errors = queue.job_errors(job_id)
    if as_json:
        print(json.dumps({**data, "errors": errors}, indent=2, default=str))
        return 0
    for key in ("id", "task_name", "queue", "status", "priority", "progress"):
        print(f"{key + ':':<14}{data[key] if data[key] is not None else '-'}")
    print(f"{'retries:':<14}{data['retry_count']} of {data['max_retries']}")
    for key in ("created_at", "scheduled_at", "started_at", "completed_at"):
        print(f"{key + ':':<14}{_when(data[key])}")
    if data.get("unique_key"):
        print(f"{'unique_key:':<14}{data['unique_key']}")
    if data.get("metadata"):
        print(f"{'metadata:':<14}{data['metadata']}")
    if errors:
        print(f"attempts that failed ({len(errors)}):")
        for e in errors:
            when = _when(e["failed_at"])
            print(f"  attempt {e['claim']} at {when}: {_first_line(e['error'], 100)}")
    if data.get("error"):
        print("last error:")
        print("  " + str(data["error"]).rstrip().replace("\n", "\n  "))
    return 0


def job_cancel(queue: Queue, job_id: str) -> int:
    job = queue.get_job(job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id!r}")
    status = job.status
    if status == "pending" and queue.cancel_job(job_id):
        print(f"cancelled job {job_id}")
    elif status == "running" and queue.cancel_running_job(job_id):
        print(
            f"asked running job {job_id} to stop: it ends 'cancelled' when the task next "
            "calls current_job.check_cancelled()"
        )
    else:
        print(f"job {job_id} is {job.refresh().status}: nothing to cancel")
        return 1
    return 0


__all__ = ["NotFound", "dlq_list", "dlq_purge", "dlq_retry", "job_cancel", "job_show"]
