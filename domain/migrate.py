"""Applying the migrations safely on both databases.

SQLite rebuilds a table for many schema changes; with foreign keys on, dropping the parent
table cascades into its children (STACK.md). So SQLite is migrated with foreign keys off, then
checked with ``PRAGMA foreign_key_check``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.api import migrate as run_migrations
from tortoise.utils import get_schema_sql

from domain.db import connection, fetch, tortoise_config

_CREATE_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS [^;]+;", re.IGNORECASE)


def migration_url(database_url: str) -> str:
    if not database_url.startswith("sqlite://"):
        return database_url
    joiner = "&" if urlsplit(database_url).query else "?"
    return f"{database_url}{joiner}foreign_keys=OFF"


async def migrate(database_url: str) -> None:
    await run_migrations(config=tortoise_config(migration_url(database_url)))
    try:
        if database_url.startswith("sqlite://"):
            conn = connection()
            await restore_indexes(conn)
            problems = await fetch(conn, "PRAGMA foreign_key_check")
            if problems:
                raise RuntimeError(f"foreign key violations after migrating: {problems[:5]}")
    finally:
        await Tortoise.close_connections()


async def restore_indexes(conn: BaseDBAsyncClient) -> None:
    """A SQLite table rebuild drops the table's indexes: create again any the models declare."""
    for statement in _CREATE_INDEX.findall(get_schema_sql(conn, safe=True)):
        await conn.execute_script(statement)
