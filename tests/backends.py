"""Where a test's queue lives: a SQLite file, or a fresh schema on a PostgreSQL server.

PostgreSQL tests use the server at ``TASKITO_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), each in a schema of its own
(``t_<random hex>``) that is dropped at teardown, so they are independent of each other
and of anyone else's tests on the same server. Every connection a test makes is named
``<schema>_<who>`` in ``pg_stat_activity.application_name`` (``<who>`` is ``test`` for
this process and the process id for app modules), so a test can find (and cut) the
connections of one worker. SQL from the tests goes through ``psql``: the test
environment has no Python driver, and none is needed.

Without a server (or without ``psql``) the PostgreSQL tests skip with the reason, unless
``TASKITO_REQUIRE_PG=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import ast
import functools
import gc
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from taskito import Queue

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("TASKITO_TEST_PG_URL", DEFAULT_PG_URL)


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    extra = "&".join(f"{key}={value}" for key, value in params.items())
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", "@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@functools.cache
def _psql_binary() -> str | None:
    # Debian's /usr/bin/psql is a Perl wrapper that costs ~0.15 s a call; the binary
    # behind it does not.
    behind = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"), key=_version)
    return str(behind[-1]) if behind else shutil.which("psql")


def _version(path: Path) -> tuple[int, ...]:
    major = path.parent.parent.name
    return tuple(int(part) for part in major.split(".") if part.isdigit())


def psql(sql: str, timeout: float = 30) -> list[list[str]]:
    """Run ``sql`` on the test server; the rows of its last statement, as strings."""
    binary = _psql_binary()
    assert binary is not None, "no psql"
    url = _with_query(PG_URL, application_name="taskito-tests")
    done = subprocess.run(
        [binary, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"psql failed ({done.returncode}): {done.stderr.strip()}\n{sql}")
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def literal(value: str | bytes | int) -> str:
    """``value`` as an SQL literal (tests pass their own values only)."""
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'::bytea"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


@functools.cache
def postgres_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    if _psql_binary() is None:
        return "psql (the PostgreSQL client) is not installed"
    try:
        psql("SELECT 1", timeout=15)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        first = str(exc).splitlines()[0]
        return f"no PostgreSQL server answers at {_shown(PG_URL)} ({first})"
    return None


def require_postgres() -> None:
    reason = postgres_unavailable()
    if reason is None:
        return
    if os.environ.get("TASKITO_REQUIRE_PG") == "1":
        pytest.fail(f"TASKITO_REQUIRE_PG=1 but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}; TASKITO_TEST_PG_URL names the server")


_SQLITE_SCRIPT = """
import ast, sqlite3, sys
db, sql, params = sys.argv[1], sys.argv[2], ast.literal_eval(sys.argv[3])
conn = sqlite3.connect(db)
with conn:
    rows = conn.execute(sql, params).fetchall()
conn.close()
print(repr(rows))
"""


def sqlite_elsewhere(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Run one statement with Python's stdlib ``sqlite3``, in another process.

    Never in this process: it has taskito's own (bundled) SQLite open on the same file,
    and POSIX locks are per process, so closing a second library's connection would
    silently drop taskito's locks (SQLite's "how to corrupt" guide, section 2.2.1).
    """
    done = subprocess.run(
        [sys.executable, "-c", _SQLITE_SCRIPT, str(db), sql, repr(params)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    rows: list[tuple[Any, ...]] = ast.literal_eval(done.stdout)
    return rows


class Backend:
    """One test's storage: ``taskito.db`` in the test's directory, or a fresh schema."""

    def __init__(self, name: str, directory: Path) -> None:
        assert name in ("sqlite", "postgres"), name
        self.name = name
        self.dir = directory
        self.schema = f"t_{secrets.token_hex(6)}" if name == "postgres" else ""
        self._schemas = [self.schema]
        self.app_port: int | None = None

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    def url(self, who: str = "test", port: int | None = None) -> str:
        """The server's URL (or 127.0.0.1:``port``, e.g. a proxy's), naming the
        connections ``<schema>_<who>``."""
        url = PG_URL
        if port is not None:
            parts = urlsplit(url)
            user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
            url = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))
        return _with_query(url, application_name=f"{self.schema}_{who}")

    def queue(self, database: str = "", **options: Any) -> Queue:
        """A Queue on this storage, as a producer or an in-process worker; a
        ``database`` name other than the default one gives a separate queue (another
        SQLite file, another schema)."""
        if self.is_postgres:
            schema = f"{self.schema}_{database}" if database else self.schema
            if schema not in self._schemas:
                self._schemas.append(schema)
            return Queue(backend="postgres", db_url=self.url(), schema=schema, **options)
        return Queue(db_path=str(self.dir / f"{database or 'taskito'}.db"), **options)

    def app_location(self) -> str:
        """The ``Queue(...)`` arguments that put an app module's queue here.

        The app module defines ``HERE`` (its directory) and imports ``os``. With
        ``app_port`` set, apps reach PostgreSQL at 127.0.0.1 on that port.
        """
        if self.is_postgres:
            url = self.url("", port=self.app_port)
            return f'backend="postgres", db_url={url!r} + str(os.getpid()), schema={self.schema!r}'
        return 'db_path=str(HERE / "taskito.db")'

    # -- PostgreSQL only ---------------------------------------------------------------

    def sql(self, statement: str) -> list[list[str]]:
        """Run ``statement`` with this schema on the search path."""
        assert self.is_postgres
        return psql(f'SET search_path TO "{self.schema}"; {statement}')

    def connections(self, who: str) -> list[str]:
        """Application names of the open connections of ``who`` (e.g. a worker's pid)."""
        rows = psql(
            "SELECT application_name FROM pg_stat_activity "
            f"WHERE starts_with(application_name, {literal(f'{self.schema}_{who}')})"
        )
        return [row[0] for row in rows]

    def cut_connections(self, who: str = "") -> int:
        """``pg_terminate_backend`` on every connection of ``who`` (all of this test's
        when empty); how many were cut."""
        prefix = literal(f"{self.schema}_{who}")
        rows = psql(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE starts_with(application_name, {prefix}) AND pid <> pg_backend_pid()"
        )
        return int(rows[0][0])

    # -- both --------------------------------------------------------------------------

    def set_job_blob(self, job_id: str, column: str, value: bytes) -> None:
        """Overwrite ``payload`` or ``result`` of a job as an outside writer would."""
        assert column in ("payload", "result"), column
        if self.is_postgres:
            self.sql(f"UPDATE jobs SET {column} = {literal(value)} WHERE id = {literal(job_id)}")
            return
        sql = f"UPDATE jobs SET {column} = ? WHERE id = ?"
        sqlite_elsewhere(self.dir / "taskito.db", sql, value, job_id)

    def close(self) -> None:
        """Drop the schema (after closing what this process left open)."""
        if not self.is_postgres:
            return
        gc.collect()  # queues nobody holds close their connections when collected
        self.cut_connections()  # anything still open: held by a failed test's traceback
        schemas = ", ".join(f'"{schema}"' for schema in self._schemas)
        psql(f"DROP SCHEMA IF EXISTS {schemas} CASCADE")
