"""Enqueue a few jobs and print their results (a worker must be running)."""

from __future__ import annotations

from taskito import JobFailedError
from tasks import fingerprint, send_welcome_email, word_count


def main() -> None:
    counts = word_count.delay("the cat saw the other cat")
    emails = send_welcome_email.map(
        [("ada@example.com", "Ada"), ("alan@example.com", "Alan"), ("grace", "Grace")]
    )
    page = fingerprint.apply_async(args=("https://example.com", "<html>hello</html>"), priority=5)

    print("word_count:", counts.result(timeout=30))
    print("fingerprint:", page.result(timeout=30))
    for job in emails:
        try:
            print("send_welcome_email:", job.result(timeout=30))
        except JobFailedError as exc:
            print("send_welcome_email failed:", str(exc).splitlines()[-1])


if __name__ == "__main__":
    main()
