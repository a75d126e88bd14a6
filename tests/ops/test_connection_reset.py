"""Pooled PostgreSQL connections are handed back without asyncpg's reset round trip
(``domain.db.keep_session``), which is safe only while the rules below hold: each is a test.

On SQLite there is no pool (one connection per process), so there is nothing to reset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tortoise.transactions import in_transaction

from domain.db import connection, fetch, keep_session, tortoise_config
from tests.conftest import on_postgres

postgres_only = pytest.mark.skipif(
    not on_postgres(), reason="asyncpg's pool is PostgreSQL's; SQLite has one connection"
)
ROOT = Path(__file__).resolve().parents[2]


def test_the_pool_hands_connections_back_without_a_reset_query() -> None:
    credentials = tortoise_config("postgres://u@h/d")["connections"]["default"]["credentials"]
    assert credentials["reset"] is keep_session


@postgres_only
@pytest.mark.usefixtures("db")
async def test_a_transaction_left_open_is_rolled_back_when_its_connection_is_handed_back() -> None:
    async with connection().acquire_connection() as raw:
        await raw.execute("BEGIN")
        await raw.execute("CREATE TEMP TABLE left_open (n int) ON COMMIT DROP")
        pid = await raw.fetchval("SELECT pg_backend_pid()")
    for _ in range(20):  # whichever connection comes next, none is inside that transaction
        async with connection().acquire_connection() as raw:
            assert not raw.is_in_transaction()
            if await raw.fetchval("SELECT pg_backend_pid()") == pid:
                assert await raw.fetchval("SELECT to_regclass('pg_temp.left_open')") is None


@postgres_only
@pytest.mark.usefixtures("db")
async def test_the_clock_s_advisory_lock_ends_with_its_transaction() -> None:
    async with in_transaction() as conn:
        taken = await fetch(
            conn, "SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS ok", ["job:day"]
        )
        assert taken[0]["ok"]
    held = await fetch(
        connection(), "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory'"
    )
    assert held[0]["n"] == 0


@postgres_only
@pytest.mark.usefixtures("db")
async def test_the_timeouts_hold_on_every_connection_whatever_ran_before() -> None:
    for _ in range(10):
        rows = await fetch(connection(), "SHOW statement_timeout")
        assert rows[0]["statement_timeout"] != "0"


def test_nothing_keeps_session_state_on_a_pooled_connection() -> None:
    """No session advisory lock, LISTEN, WITH HOLD cursor or session SET anywhere in the
    service's code: each would outlive its user on a connection the pool does not reset."""
    session_state = re.compile(
        r"pg_(try_)?advisory_lock(_shared)?\s*\(|\bLISTEN\s+\w|WITH\s+HOLD"
        r"|[\"']\s*SET\s+(SESSION\b|ROLE\b|TIME\s+ZONE\b|\w+\s+TO\b)"
        r"|SET\s+(statement_timeout|lock_timeout|idle_\w+|search_path|work_mem)\b"
        r"|set_config\s*\(",
        re.IGNORECASE,
    )
    found = []
    for folder in ("domain", "api", "portal", "ops"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if session_state.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for name in ("app.py", "cli.py", "settings.py"):
        for number, line in enumerate((ROOT / name).read_text().splitlines(), start=1):
            if session_state.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []
