"""``taskito.loader.load_queue`` and the names ``taskito.cli`` kept from taskito 0.2.1."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from taskito import Queue
from taskito.cli import CliError, _build_parser, _load_queue, _print_stats
from taskito.loader import AppError, load_queue


def test_load_queue_returns_the_named_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shop.py").write_text(
        f"from taskito import Queue\nqueue = Queue(db_path={str(tmp_path / 'q.db')!r})\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(__import__("sys").modules, "shop", raising=False)
    queue = load_queue("shop:queue")
    assert isinstance(queue, Queue)
    assert _load_queue("shop:queue") is queue


@pytest.mark.parametrize(
    "app_path, sentence",
    [
        ("no_colon_here", "--app must look like 'module:attribute'"),
        ("nonexistent.module:queue", "could not import module 'nonexistent.module'"),
    ],
)
def test_load_queue_alias_exits_with_one_sentence(
    app_path: str, sentence: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(AppError, match="module"):
        load_queue(app_path)
    with pytest.raises(SystemExit) as exited:
        _load_queue(app_path)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"taskito: {sentence}") and err.count("\n") == 1


def test_cli_error_is_an_app_error() -> None:
    assert issubclass(CliError, AppError)


def test_print_stats_prints_the_counts_table(
    queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    @queue.task()
    def noop() -> None:
        return None

    noop.delay()
    noop.delay()
    _print_stats(queue)
    out = capsys.readouterr().out
    assert out.startswith("taskito queue statistics\n")
    rows = dict(line.split() for line in out.splitlines()[1:] if not line.startswith("-"))
    assert rows["pending"] == "2" and rows["total"] == "2"


def test_build_parser_is_the_command_parser() -> None:
    parser = _build_parser()
    assert isinstance(parser, argparse.ArgumentParser) and parser.prog == "taskito"
    args = parser.parse_args(["info", "--app", "m:q"])
    assert args.command == "info" and args.app == "m:q"
