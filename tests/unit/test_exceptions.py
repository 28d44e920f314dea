"""The exception classes: the original taskito 0.22's names, our fix of its tree, the
builtins our classes keep, the alias module, and how a stored error is read back."""

from __future__ import annotations

import asyncio
import copy
import pickle
import traceback
from pathlib import Path

import pytest
import taskito
from taskito import errors, exceptions
from taskito.result import ErrorDetails, error_details, job_error_dicts

# A3 of the 0.22 layout: every exception class `taskito.exceptions` defines there.
NAMES_022 = [
    "TaskitoError",
    "TaskTimeoutError",
    "SoftTimeoutError",
    "TaskCancelledError",
    "TaskFailedError",
    "MaxRetriesExceededError",
    "SerializationError",
    "CryptoError",
    "CircuitBreakerOpenError",
    "RateLimitExceededError",
    "JobNotFoundError",
    "QueueError",
    "QueueFullError",
    "ResourceError",
    "ResourceInitError",
    "ResourceUnavailableError",
    "CircularDependencyError",
    "ResourceNotFoundError",
    "ProxyReconstructionError",
    "ProxyCleanupError",
    "NotesValidationError",
    "PredicateRejectedError",
]

# Ours, kept beside them.
NAMES_OURS = [
    "JobFailedError",
    "ResultTimeoutError",
    "DependencyError",
    "StorageError",
    "StorageFullError",
    "StorageBusyError",
    "StorageUnavailableError",
]


def test_every_022_name_imports_from_taskito_exceptions() -> None:
    from taskito.exceptions import (  # noqa: F401  (the import itself is the test)
        CircuitBreakerOpenError,
        CircularDependencyError,
        CryptoError,
        JobErrorDetails,
        JobNotFoundError,
        MaxRetriesExceededError,
        NotesValidationError,
        PredicateRejectedError,
        ProxyCleanupError,
        ProxyReconstructionError,
        QueueError,
        QueueFullError,
        RateLimitExceededError,
        ResourceError,
        ResourceInitError,
        ResourceNotFoundError,
        ResourceUnavailableError,
        SerializationError,
        SoftTimeoutError,
        TaskCancelledError,
        TaskFailedError,
        TaskitoError,
        TaskTimeoutError,
    )

    assert len(NAMES_022) == 22
    assert set(exceptions.__all__) == {*NAMES_022, *NAMES_OURS, "JobErrorDetails"}
    for name in NAMES_022 + NAMES_OURS:
        cls = getattr(exceptions, name)
        assert issubclass(cls, exceptions.TaskitoError), name
        assert cls.__module__ == "taskito.exceptions", name


def test_taskito_errors_is_the_same_set_of_classes() -> None:
    assert errors.__all__ == exceptions.__all__
    for name in exceptions.__all__:
        assert getattr(errors, name) is getattr(exceptions, name), name
    # What the package exports today is these very classes, not copies.
    for name in taskito.__all__:
        if name in exceptions.__all__:
            assert getattr(taskito, name) is getattr(exceptions, name), name


def test_the_job_outcome_tree_is_one_tree_under_job_failed_error() -> None:
    e = exceptions
    assert issubclass(e.TaskFailedError, e.JobFailedError)
    # The fix of the original: a dead job is a failed job, so `except TaskFailedError`
    # catches it (at 0.22 it did not).
    assert issubclass(e.MaxRetriesExceededError, e.TaskFailedError)
    assert issubclass(e.TaskCancelledError, e.JobFailedError)
    assert not issubclass(e.TaskCancelledError, e.TaskFailedError)
    for cls in (e.JobFailedError, e.TaskFailedError, e.MaxRetriesExceededError):
        assert issubclass(cls, RuntimeError) and issubclass(cls, e.JobErrorDetails)
    assert issubclass(e.TaskCancelledError, e.JobErrorDetails)


def test_the_builtins_users_catch_are_kept() -> None:
    e = exceptions
    kept: list[tuple[type[BaseException], type[BaseException]]] = [
        (e.JobFailedError, RuntimeError),
        (e.TaskCancelledError, RuntimeError),
        (e.StorageError, RuntimeError),
        (e.StorageFullError, RuntimeError),
        (e.DependencyError, RuntimeError),
        (e.ResultTimeoutError, TimeoutError),
        (e.TaskTimeoutError, TimeoutError),
        (e.JobNotFoundError, KeyError),
        (e.ResourceNotFoundError, KeyError),
        (e.QueueError, ValueError),
        (e.QueueFullError, ValueError),
        (e.NotesValidationError, ValueError),
        (e.SerializationError, TypeError),
        (e.CryptoError, TypeError),
    ]
    for cls, builtin in kept:
        assert issubclass(cls, builtin), (cls, builtin)
    assert issubclass(e.QueueFullError, e.QueueError)
    assert issubclass(e.CryptoError, e.SerializationError)
    for name in (
        "ResourceInitError",
        "ResourceUnavailableError",
        "CircularDependencyError",
        "ResourceNotFoundError",
        "ProxyReconstructionError",
        "ProxyCleanupError",
    ):
        assert issubclass(getattr(e, name), e.ResourceError), name


def test_outcome_errors_carry_details_and_survive_pickling() -> None:
    plain = exceptions.TaskCancelledError("stopped")  # as check_cancelled() raises it
    assert (plain.job_id, plain.errtype, plain.traceback, plain.raw_error) == (None,) * 4

    dead = exceptions.MaxRetriesExceededError(
        "Job j1 dead-lettered: ValueError: no",
        job_id="j1",
        errtype="ValueError",
        traceback=["Traceback (most recent call last):", "ValueError: no"],
        raw_error="Traceback (most recent call last):\nValueError: no\n",
    )
    for again in (pickle.loads(pickle.dumps(dead)), copy.copy(dead)):
        assert type(again) is exceptions.MaxRetriesExceededError
        assert str(again) == str(dead)
        assert (again.job_id, again.errtype, again.traceback, again.raw_error) == (
            dead.job_id,
            dead.errtype,
            dead.traceback,
            dead.raw_error,
        )


def test_predicate_rejected_error_keeps_its_fields() -> None:
    error = exceptions.PredicateRejectedError("app.send", "quiet hours")
    assert (error.task_name, error.reason) == ("app.send", "quiet hours")
    assert "'app.send'" in str(error) and str(error).endswith(": quiet hours")
    bare = exceptions.PredicateRejectedError("app.send")
    assert bare.reason == "" and not str(bare).endswith(":")
    again = pickle.loads(pickle.dumps(error))
    assert (again.task_name, again.reason, str(again)) == ("app.send", "quiet hours", str(error))


def test_key_errors_print_their_message_unquoted() -> None:
    assert str(exceptions.JobNotFoundError("no job has the id 'x'")) == "no job has the id 'x'"
    assert str(exceptions.JobNotFoundError()) == "job not found"
    assert str(exceptions.ResourceNotFoundError("no resource 'db'")) == "no resource 'db'"


def formatted(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_a_stored_traceback_is_read_back_as_type_message_and_lines() -> None:
    text = formatted(raised(ValueError("the input was bad")))
    details = error_details(text)
    assert details.summary == "ValueError: the input was bad"
    assert details.errtype == "ValueError"
    assert details.traceback == text.splitlines()
    assert details.traceback[0] == "Traceback (most recent call last):"

    # A chain: the exception that ended the task is the last one.
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise RuntimeError("outer\n  second line") from inner
    except RuntimeError as outer:
        chained = formatted(outer)
    assert error_details(chained).summary == "RuntimeError: outer\n  second line"

    class Quiet(Exception):  # no message; printed with its module and <locals>
        pass

    quiet = error_details(formatted(raised(Quiet())))
    name = f"{__name__}.{Quiet.__qualname__}"
    assert name.endswith(".<locals>.Quiet")
    assert (quiet.summary, quiet.errtype) == (name, name)


def test_sentences_and_the_original_json_form() -> None:
    sentence = "quarantined: the worker died 3 times while running it"
    assert error_details(sentence) == ErrorDetails(sentence, None, None)
    stored = '{"errtype": "KeyError", "message": "k", "traceback": ["Traceback...", "KeyError: k"]}'
    assert error_details(stored) == ErrorDetails(
        "KeyError: k", "KeyError", ["Traceback...", "KeyError: k"]
    )
    assert error_details("{not json").errtype is None


def test_error_rows_are_numbered_from_zero_with_the_claim_kept() -> None:
    rows = [
        {"id": 7, "job_id": "j", "attempt": 1, "error": "a", "failed_at": 10},
        {"id": 9, "job_id": "j", "attempt": 3, "error": "b", "failed_at": 20},  # a crash between
    ]
    assert job_error_dicts(rows) == [
        {"id": 7, "job_id": "j", "attempt": 0, "claim": 1, "error": "a", "failed_at": 10},
        {"id": 9, "job_id": "j", "attempt": 1, "claim": 3, "error": "b", "failed_at": 20},
    ]
    assert list(job_error_dicts(rows)[0]) == [
        "id",
        "job_id",
        "attempt",
        "claim",
        "error",
        "failed_at",
    ]


@pytest.mark.parametrize("timeout", [0, 0.0, -1, float("nan")])
def test_result_wants_a_positive_timeout(tmp_path: Path, timeout: float) -> None:
    queue = taskito.Queue(db_path=str(tmp_path / "q.db"))

    @queue.task()
    def noop() -> None:
        pass

    job = noop.delay()
    with pytest.raises(ValueError, match="timeout must be a positive"):
        job.result(timeout=timeout)
    with pytest.raises(ValueError, match="timeout must be a positive"):
        asyncio.run(job.aresult(timeout=timeout))
    with pytest.raises(exceptions.ResultTimeoutError) as caught:
        job.result(timeout=0.05)  # no worker: it times out, as a TimeoutError
    assert isinstance(caught.value, TimeoutError)


def test_the_extension_raises_the_classes_by_type(tmp_path: Path) -> None:
    queue = taskito.Queue(db_path=str(tmp_path / "q.db"))
    with pytest.raises(exceptions.JobNotFoundError):
        queue.retry_dead("no-such-dead-letter")

    @queue.task()
    def step() -> None:
        pass

    with pytest.raises(exceptions.DependencyError):
        step.apply_async(depends_on=["no-such-job"])
