"""The dashboard's count cache: the first read waits for one query, later reads get
the last value at once while a background thread refreshes it."""

from __future__ import annotations

import threading

from taskito.dashboard.data import _Cache

from tests.conftest import wait_for


def test_stale_values_are_served_while_one_refresh_runs() -> None:
    cache = _Cache(ttl=0.0)
    calls: list[int] = []
    release = threading.Event()

    def compute() -> int:
        calls.append(1)
        if len(calls) > 1:
            release.wait(10)
        return len(calls)

    assert cache.get("k", compute) == 1
    baseline = threading.active_count()
    assert cache.get("k", compute) == 1  # stale: served at once, refresh started
    wait_for(lambda: len(calls) == 2, what="the refresh started")
    assert cache.get("k", compute) == 1  # the refresh still runs: not started twice
    assert cache.get("k", compute) == 1
    assert len(calls) == 2
    # The refresh thread is blocked in compute: a second one would show here.
    assert threading.active_count() == baseline + 1
    release.set()
    wait_for(lambda: cache.get("k", compute) == 2, what="the refreshed value")


def test_a_failed_refresh_makes_the_next_read_query_again() -> None:
    cache = _Cache(ttl=0.0)
    outcomes: list[object] = [1, RuntimeError("db down"), 3]

    def compute() -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert cache.get("k", compute) == 1
    assert cache.get("k", compute) == 1  # its background refresh fails
    wait_for(lambda: not cache._refreshing, what="the failed refresh ended")
    assert cache.get("k", compute) == 3  # the very next read queries, in this thread
    wait_for(lambda: cache.get("k", compute) == 3, what="a fresh query after the failure")


def test_concurrent_first_reads_run_one_query() -> None:
    cache = _Cache(ttl=60.0)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        started.set()
        release.wait(10)
        return "value"

    results: list[str] = []
    readers = [threading.Thread(target=lambda: results.append(cache.get("k", compute)))]
    readers[0].start()
    started.wait(10)
    readers.append(threading.Thread(target=lambda: results.append(cache.get("k", compute))))
    readers[1].start()
    readers[1].join(0.2)  # it must be waiting for the first read's query
    assert readers[1].is_alive() and len(calls) == 1
    release.set()
    for reader in readers:
        reader.join(10)
    assert not any(reader.is_alive() for reader in readers)
    assert results == ["value", "value"] and len(calls) == 1
