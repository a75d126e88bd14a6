"""Migrations: one history for both databases, safe on populated SQLite files.

Each check runs in a fresh interpreter (tests/migration_probe.py) so that it cannot disturb
the test session's ORM connections.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import TEST_DATABASE_URL, on_postgres

ROOT = Path(__file__).resolve().parent.parent


def probe(*args: str) -> object:
    done = subprocess.run(
        [sys.executable, "-m", "tests.migration_probe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
async def empty_database_url(tmp_path: Path) -> object:
    """An empty database of the kind this run tests: SQLite, or PostgreSQL when configured."""
    if not on_postgres():
        yield f"sqlite://{tmp_path / 'empty.db'}"
        return
    name = f"preorder_migrations_{uuid.uuid4().hex[:10]}"
    server = TEST_DATABASE_URL.replace("postgresql://", "postgres://", 1)
    conn = await asyncpg.connect(server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield f"{server.rpartition('/')[0]}/{name}"
    conn = await asyncpg.connect(server)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def test_migrations_describe_the_models_exactly(tmp_path: Path) -> None:
    assert probe("pending", f"sqlite://{tmp_path / 'unused.db'}") == []


def test_migrated_empty_database_has_the_models_tables_and_columns(empty_database_url: str) -> None:
    assert probe("migrate", empty_database_url) == "ok"
    assert probe("drift", empty_database_url) == {}


def test_migrating_a_populated_sqlite_database_keeps_every_row_and_index(tmp_path: Path) -> None:
    # The seed writes with today's models, which have columns the first migration lacks (the
    # receipt's slip, 0006): seed the full schema, go back down to the first, then up again.
    # Going down drops indexes on SQLite (its rebuilds); going up must restore every one.
    url = f"sqlite://{tmp_path / 'populated.db'}"
    probe("migrate", url)
    probe("seed", url)
    seeded = probe("counts", url)
    probe("migrate", url, "models.0001_initial")
    before = probe("counts", url)
    probe("migrate", url)
    after = probe("counts", url)
    assert isinstance(seeded, dict) and isinstance(before, dict) and isinstance(after, dict)
    for state in (seeded, before, after):
        state["rows"].pop("tortoise_migrations")
    assert after["rows"] == seeded["rows"]
    assert after["indexes"] == seeded["indexes"]
    created = set(after["rows"]) - set(before["rows"])  # tables of later migrations
    assert {t: n for t, n in after["rows"].items() if t not in created} == before["rows"]
    assert sum(before["rows"].values()) > 50
    assert after["foreign_key_violations"] == 0
