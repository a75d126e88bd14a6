"""One migrated database per test session; every test starts from empty tables.

SQLite by default (a file under pytest's temporary directory); PostgreSQL when
``TEST_DATABASE_URL`` names a server: a fresh database is created for the session.
The ``sql`` fixture counts the statements sent while a test runs.

Tests never touch the project's ``var/`` (the development database and mailbox): everything a
test writes goes under its own temporary directory. The session fails if ``var/`` changed.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from tortoise import Tortoise

from domain.db import connection, is_postgres, tortoise_config
from domain.migrate import migrate
from domain.promises.slip_histories import forget_recent_slips
from settings import VAR_DIR

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
VAR_BEFORE = pytest.StashKey[dict[str, tuple[int, int]]]()


def var_snapshot(var_dir: Path = VAR_DIR) -> dict[str, tuple[int, int]]:
    """Every file under ``var/`` (hidden ones too) with its size and modification time."""
    if not var_dir.is_dir():
        return {}
    return {
        str(path.relative_to(var_dir)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in var_dir.rglob("*")
        if path.is_file()
    }


def var_changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    created = [f"created {name}" for name in sorted(after.keys() - before.keys())]
    removed = [f"removed {name}" for name in sorted(before.keys() - after.keys())]
    changed = [
        f"changed {name}"
        for name in sorted(after.keys() & before.keys())
        if after[name] != before[name]
    ]
    return created + removed + changed


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[VAR_BEFORE] = var_snapshot()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any test wrote into the project's var/ (see the module docstring)."""
    before = session.config.stash.get(VAR_BEFORE, None)
    if before is None:
        return
    changes = var_changes(before, var_snapshot())
    if not changes:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line(f"the test suite wrote into {VAR_DIR}:", red=True, bold=True)
        for change in changes[:20]:
            reporter.write_line(f"  {change}", red=True)
        if len(changes) > 20:
            reporter.write_line(f"  and {len(changes) - 20} more", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def on_postgres() -> bool:
    return TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))


async def _create_pg_database(server_url: str) -> str:
    name = f"preorder_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server_url.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


async def _drop_pg_database(server_url: str, url: str) -> None:
    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(server_url.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if on_postgres():
        url = await _create_pg_database(TEST_DATABASE_URL)
    else:
        url = f"sqlite://{tmp_path_factory.mktemp('db') / 'test.db'}"
    await migrate(url)
    await Tortoise.init(config=tortoise_config(url, pool_size=60), _enable_global_fallback=True)
    yield url
    await Tortoise.close_connections()
    if on_postgres():
        await _drop_pg_database(TEST_DATABASE_URL, url)


async def _tables() -> list[str]:
    conn = connection()
    if is_postgres(conn):
        rows = await conn.execute_query_dict(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'tortoise_migrations'"
        )
    else:
        rows = await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT IN ('tortoise_migrations', 'sqlite_sequence')"
        )
    return [row["name"] for row in rows]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """Empty tables for each test."""
    conn = connection()
    tables = await _tables()
    if is_postgres(conn):
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    else:
        await conn.execute_script(
            "PRAGMA foreign_keys = OFF;"
            + "".join(f'DELETE FROM "{t}";' for t in tables)
            + "DELETE FROM sqlite_sequence; PRAGMA foreign_keys = ON;"
        )
    forget_recent_slips()  # receipt ids start again: no version can tell the kept slips apart
    yield database_url


class QueryCounter(logging.Handler):
    """Counts the statements Tortoise sends (its client logs each one at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.lstrip().upper().startswith(("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")):
            self.statements.append(text)


@pytest.fixture
def sql() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
