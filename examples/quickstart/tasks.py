"""Quickstart tasks: two queues, "default" and "emails".

Run a worker from this directory with::

    taskito worker --app tasks:queue

then, in another terminal, ``python enqueue.py``.
"""

from __future__ import annotations

import hashlib
import time

from taskito import Queue, current_job

queue = Queue(db_path=".taskito/quickstart.db")


@queue.task()
def word_count(text: str) -> dict[str, int]:
    """Count the words of a text (a stand-in for real CPU work)."""
    counts: dict[str, int] = {}
    for word in text.lower().split():
        word = word.strip(".,;:!?\"'")
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


@queue.task(max_retries=5, retry_backoff=0.5)
def fingerprint(url: str, body: str) -> str:
    """Hash a downloaded page so duplicates can be spotted."""
    return f"{url} sha256:{hashlib.sha256(body.encode()).hexdigest()[:16]}"


@queue.task(queue="emails", max_retries=3, retry_on=[ConnectionError])
def send_welcome_email(address: str, name: str) -> str:
    """Pretend to send an email; a real one would talk to an SMTP server here."""
    if "@" not in address:
        raise ValueError(f"not an email address: {address!r}")  # not retried: retry_on
    time.sleep(0.05)
    return f"welcome email to {name} <{address}> sent by job {current_job.id}"
