"""Migration checks run in a fresh interpreter, away from the test session's ORM state.

    python tests/migration_probe.py pending URL        # model changes not in a migration
    python tests/migration_probe.py drift URL          # tables and columns unlike the models
    python tests/migration_probe.py migrate URL [TARGET]
    python tests/migration_probe.py seed URL           # the demo store
    python tests/migration_probe.py counts URL         # rows per table, indexes (JSON)

Each prints JSON on its last line.
"""

from __future__ import annotations

import asyncio
import json
import sys

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.autodetector import MigrationAutodetector

from domain.context import Policy
from domain.db import connection, is_postgres, tortoise_config
from domain.demo import seed_demo
from domain.migrate import migrate, migration_url


async def pending(url: str) -> list[str]:
    config = tortoise_config(url)
    ctx = await Tortoise.init(config=config)
    try:
        assert ctx.apps is not None
        detector = MigrationAutodetector(ctx.apps, config["apps"])
        return [str(op) for writer in await detector.changes() for op in writer.operations]
    finally:
        await Tortoise.close_connections()


async def _columns(table: str) -> set[str]:
    conn = connection()
    if is_postgres(conn):
        rows = await conn.execute_query_dict(
            "SELECT column_name AS name FROM information_schema.columns WHERE table_name = $1",
            [table],
        )
    else:
        rows = await conn.execute_query_dict(f'PRAGMA table_info("{table}")')
    return {row["name"] for row in rows}


async def drift(url: str) -> dict[str, object]:
    await Tortoise.init(config=tortoise_config(url))
    try:
        found: dict[str, object] = {}
        for model in Tortoise.apps["models"].values():
            table = model._meta.db_table
            expected = set(model._meta.fields_db_projection.values())
            actual = await _columns(table)
            if expected != actual:
                found[table] = {
                    "missing": sorted(expected - actual),
                    "extra": sorted(actual - expected),
                }
        return found
    finally:
        await Tortoise.close_connections()


async def counts(url: str) -> dict[str, object]:
    await Tortoise.init(config=tortoise_config(url))
    try:
        conn = connection()
        tables = [
            row["name"]
            for row in await conn.execute_query_dict(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        rows = {
            t: (await conn.execute_query_dict(f'SELECT COUNT(*) AS n FROM "{t}"'))[0]["n"]
            for t in tables
        }
        indexes = sorted(
            f"{row['tbl_name']}:{row['name']}"
            for row in await conn.execute_query_dict(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
                " AND name NOT LIKE 'sqlite_%'"
            )
        )
        violations = await conn.execute_query_dict("PRAGMA foreign_key_check")
        return {"rows": rows, "indexes": indexes, "foreign_key_violations": len(violations)}
    finally:
        await Tortoise.close_connections()


async def migrate_to(url: str, target: str | None) -> str:
    if target is None:
        await migrate(url)
    else:
        await run_migrations(config=tortoise_config(migration_url(url)), target=target)
        await Tortoise.close_connections()
    return "ok"


def main() -> None:
    command, url, *rest = sys.argv[1:]
    if command == "pending":
        result: object = asyncio.run(pending(url))
    elif command == "drift":
        result = asyncio.run(drift(url))
    elif command == "migrate":
        result = asyncio.run(migrate_to(url, rest[0] if rest else None))
    elif command == "seed":
        asyncio.run(seed_demo(url, Policy()))
        result = "ok"
    elif command == "counts":
        result = asyncio.run(counts(url))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
