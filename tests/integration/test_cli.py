"""``python -m taskito`` commands and their error messages (``info`` on both backends)."""

from __future__ import annotations

import pytest

from tests.conftest import App, run_taskito

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    "app_arg, message",
    [
        (
            "app",
            "taskito: --app must look like 'module:attribute', "
            "e.g. 'myapp.tasks:queue' (got 'app')",
        ),
        ("nosuchmodule:queue", "taskito: could not import module 'nosuchmodule': "),
        ("app:queu", "taskito: module 'app' has no attribute 'queu'"),
        ("app:add", "taskito: 'app:add' is a TaskWrapper, not a taskito Queue"),
        ("app:helper", "taskito: 'app:helper' is a function, not a taskito Queue"),
        ("app:Queue", "taskito: 'app:Queue' is a class, not a taskito Queue"),
    ],
)
@pytest.mark.parametrize("command", ["worker", "info"])
def test_bad_app_is_one_sentence_and_exit_1(
    app: App, command: str, app_arg: str, message: str
) -> None:
    app.write("def helper():\n    pass\n")
    done = run_taskito(command, "--app", app_arg, cwd=app.dir)
    assert done.returncode == 1
    assert done.stderr.startswith(message), done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_a_broken_app_module_shows_its_traceback(app: App) -> None:
    (app.dir / "app.py").write_text("import not_installed_anywhere\n")
    done = run_taskito("worker", "--app", "app:queue", cwd=app.dir)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "No module named 'not_installed_anywhere'" in done.stderr


@pytest.mark.parametrize(
    "options, message",
    [
        (
            'backend="mysql"',
            "backend must be one of 'sqlite', 'postgres', 'postgresql' (any case), got 'mysql'",
        ),
        ("workers=-1", "workers must be an int >= 0"),
    ],
)
def test_bad_queue_options_in_the_app_are_one_sentence(
    app: App, options: str, message: str
) -> None:
    (app.dir / "app.py").write_text(f"from taskito import Queue\nqueue = Queue({options})\n")
    done = run_taskito("worker", "--app", "app:queue", cwd=app.dir)
    assert done.returncode == 1
    assert done.stderr.startswith("taskito: 'app' could not create its queue: "), done.stderr
    assert message in done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_no_subcommand_prints_help_and_exits_1(app: App) -> None:
    done = run_taskito(cwd=app.dir)
    assert done.returncode == 1
    assert "usage: taskito" in done.stdout
    assert "worker" in done.stdout and "info" in done.stdout


@pytest.mark.parametrize("command", ["worker", "info"])
def test_subcommand_help(app: App, command: str) -> None:
    done = run_taskito(command, "--help", cwd=app.dir)
    assert done.returncode == 0
    assert f"usage: taskito {command}" in done.stdout
    assert "module:attribute" in done.stdout


def test_info_prints_the_six_counts_and_a_total(any_app: App) -> None:
    any_app.write()
    module = any_app.load()
    module.add.delay(1, 2)
    module.add.delay(3, 4)
    cancelled = module.send_email.delay("x")
    assert any_app.queue.cancel_job(cancelled.id)
    done = run_taskito("info", "--app", "app:queue", cwd=any_app.dir)
    assert done.returncode == 0, done.stderr
    table = done.stdout.split("\n\n")[0].splitlines()[2:]
    rows = dict(line.split() for line in table if not line.startswith("-"))
    assert rows == {
        "pending": "2",
        "running": "0",
        "completed": "0",
        "failed": "0",
        "dead": "0",
        "cancelled": "1",
        "total": "3",
    }
    assert done.stdout.startswith("taskito queue statistics\n")


def test_dashboard_declares_the_options_its_handler_reads(app: App) -> None:
    done = run_taskito("dashboard", "--app", "app:queue", "--allow-origin", "nope", cwd=app.dir)
    assert done.returncode == 2
    assert done.stderr.startswith("taskito: --allow-origin 'nope' is not an origin")
    assert done.stderr.count("\n") == 1
