"""``@queue.periodic`` at decoration time: cron forms, timezones, and the errors."""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest
from taskito import Queue
from taskito._native import cron_next
from taskito.errors import QueueError


@pytest.fixture
def q(tmp_path: Path) -> Queue:
    return Queue(db_path=str(tmp_path / "taskito.db"))


def utc_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) * 1000


def test_periodic_registers_a_task_and_a_schedule(q: Queue) -> None:
    @q.periodic("*/5 * * * *", name="cleanup", args=(1,), kwargs={"deep": True}, queue="maint")
    def cleanup(level: int, deep: bool = False) -> str:
        return f"{level} {deep}"

    assert cleanup.name == "cleanup"
    assert cleanup(2) == "2 False", "the decorated function stays callable"
    assert "cleanup" in q._task_registry
    [config] = q._periodic_configs
    assert {k: v for k, v in config.items() if k != "payload"} == {
        "name": "cleanup",
        "task_name": "cleanup",
        "cron_expr": "*/5 * * * *",
        "queue": "maint",
        "timezone": "UTC",
    }
    assert q.codec.serializer.loads(config["payload"]) == ((1,), {"deep": True})


def test_default_name_and_re_registration_replace_the_schedule(q: Queue) -> None:
    def report() -> None: ...

    first = q.periodic("0 * * * * *")(report)
    again = q.periodic("0 0 * * * *", timezone="Europe/Paris")(report)
    assert (
        first.name
        == again.name
        == f"{__name__}.test_default_name_and_re_registration_replace_the_schedule.<locals>.report"
    )
    [config] = q._periodic_configs
    assert (config["cron_expr"], config["timezone"]) == ("0 0 * * * *", "Europe/Paris")


@pytest.mark.parametrize(
    "cron",
    ["* * * * *", "0 9 * * MON-FRI", "*/10 * * * * *", "0 30 12 1 6 * 2030", "@daily"],
)
def test_five_six_and_seven_field_forms_are_accepted(q: Queue, cron: str) -> None:
    q.periodic(cron, name="job")(lambda: None)
    assert q._periodic_configs[0]["cron_expr"] == cron


@pytest.mark.parametrize(
    ("cron", "needle"),
    [
        ("* * * *", "expected 5 fields"),
        ("61 * * * *", "invalid cron expression '61 * * * *'"),
        ("* * * * * * * *", "got 8"),
        ("every minute", "invalid cron expression"),
        ("", "invalid cron expression"),
    ],
)
def test_an_invalid_expression_raises_value_error_at_decoration(
    q: Queue, cron: str, needle: str
) -> None:
    with pytest.raises(ValueError, match="invalid cron expression") as info:
        q.periodic(cron)
    assert needle.replace("'", '"') in str(info.value).replace("'", '"')
    assert isinstance(info.value, QueueError)
    assert q._periodic_configs == [] and q._task_registry == {}, "nothing registered"


def test_an_unknown_timezone_raises_value_error_at_decoration(q: Queue) -> None:
    with pytest.raises(ValueError, match="unknown timezone") as info:
        q.periodic("* * * * *", timezone="Mars/Olympus")
    assert "Mars/Olympus" in str(info.value)
    assert q._periodic_configs == []


def test_wrong_types_are_one_sentence(q: Queue) -> None:
    with pytest.raises(QueueError, match="cron must be a string"):
        q.periodic(5)  # type: ignore[arg-type]
    with pytest.raises(QueueError, match="timezone must be an IANA name"):
        q.periodic("* * * * *", timezone=1)  # type: ignore[arg-type]
    with pytest.raises(QueueError, match="args of task 'bad' must be a tuple"):
        q.periodic("* * * * *", name="bad", args="oops")(lambda s: None)


def test_next_tick_follows_the_timezone() -> None:
    # 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer.
    assert cron_next("0 9 * * *", utc_ms(2026, 1, 5), "Europe/Paris") == utc_ms(2026, 1, 5, 8)
    assert cron_next("0 9 * * *", utc_ms(2026, 7, 5), "Europe/Paris") == utc_ms(2026, 7, 5, 7)
    assert cron_next("0 9 * * *", utc_ms(2026, 7, 5)) == utc_ms(2026, 7, 5, 9)
    assert cron_next("0 0 0 1 1 * 2020", utc_ms(2026, 7, 5)) is None
