"""Applying the migrations safely on both databases.

SQLite rebuilds a table for many schema changes; with foreign keys on, dropping the parent
table cascades into its children (STACK.md). So SQLite is migrated with foreign keys off, then
checked with ``PRAGMA foreign_key_check``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from domain.db import connection, fetch, tortoise_config


def migration_url(database_url: str) -> str:
    if not database_url.startswith("sqlite://"):
        return database_url
    joiner = "&" if urlsplit(database_url).query else "?"
    return f"{database_url}{joiner}foreign_keys=OFF"


async def migrate(database_url: str) -> None:
    await run_migrations(config=tortoise_config(migration_url(database_url)))
    try:
        if database_url.startswith("sqlite://"):
            problems = await fetch(connection(), "PRAGMA foreign_key_check")
            if problems:
                raise RuntimeError(f"foreign key violations after migrating: {problems[:5]}")
    finally:
        await Tortoise.close_connections()
