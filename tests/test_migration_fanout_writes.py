"""Migrations 0014 to 0017 on a populated PostgreSQL database: storage and keys, every row kept.

``order_line`` gets its fill factor and the outbox's shipment and build indexes become partial;
``delay_notice``'s order and line keys become one over both; the keys naming an ETA event, then
those naming a line, order, shipment or build request, become triggers checked per statement.
Going down to 0013 (or 0014, 0015, 0016) and up again keeps every row of every table, and each
step leaves the schema as that step describes it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.conftest import TEST_DATABASE_URL, on_postgres
from tests.test_migrations import probe

pytestmark = pytest.mark.skipif(not on_postgres(), reason="a PostgreSQL storage migration")


@pytest.fixture
async def populated_url() -> AsyncIterator[str]:
    name = f"preorder_migrations_{uuid.uuid4().hex[:10]}"
    server = TEST_DATABASE_URL.replace("postgresql://", "postgres://", 1)
    conn = await asyncpg.connect(server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = f"{server.rpartition('/')[0]}/{name}"
    assert probe("migrate", url) == "ok"
    assert probe("seed", url) == "ok"
    yield url
    conn = await asyncpg.connect(server)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def _state(url: str) -> dict[str, object]:
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'tortoise_migrations' ORDER BY 1"
            )
        ]
        rows = {t: await conn.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in tables}
        options = await conn.fetchval(
            "SELECT reloptions FROM pg_class WHERE relname = 'order_line'"
        )
        partial = sorted(
            r["indexname"]
            for r in await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'outbox_message'"
                " AND indexdef LIKE '%WHERE%'"
            )
        )
        return {"rows": rows, "options": list(options or []), "partial": partial}
    finally:
        await conn.close()


async def test_migrating_a_populated_database_down_and_up_keeps_every_row(
    populated_url: str,
) -> None:
    seeded = await _state(populated_url)
    assert seeded["options"] == ["fillfactor=80"]
    assert seeded["partial"] == ["idx_outbox_mess_build_r_558340", "idx_outbox_mess_shipmen_ee9a91"]
    rows = seeded["rows"]
    assert isinstance(rows, dict)
    assert rows["order_line"] > 0 and rows["outbox_message"] > 0 and rows["eta_change"] > 0

    assert probe("migrate", populated_url, "models.0013_dropship") == "ok"
    down = await _state(populated_url)
    assert down == {"rows": rows, "options": [], "partial": []}

    assert probe("migrate", populated_url) == "ok"
    assert await _state(populated_url) == seeded


async def _notice_keys(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return [
            r["d"]
            for r in await conn.fetch(
                "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint"
                " WHERE conrelid = 'delay_notice'::regclass AND contype = 'f' ORDER BY 1"
            )
        ]
    finally:
        await conn.close()


async def test_migration_0015_joins_a_notices_order_and_line_keys_and_keeps_every_row(
    populated_url: str,
) -> None:
    seeded = await _state(populated_url)
    # 0017 turns the key 0015 made into triggers: the key stands from 0015 to 0016.
    assert await _notice_keys(populated_url) == []
    assert probe("migrate", populated_url, "models.0016_event_keys_per_statement") == "ok"
    assert await _notice_keys(populated_url) == [
        "FOREIGN KEY (order_id, line_id) REFERENCES order_line(order_id, id) ON DELETE CASCADE",
    ]

    assert probe("migrate", populated_url, "models.0014_fanout_writes") == "ok"
    assert await _state(populated_url) == seeded
    assert await _notice_keys(populated_url) == [
        "FOREIGN KEY (event_id) REFERENCES eta_event(id) ON DELETE RESTRICT",
        "FOREIGN KEY (line_id) REFERENCES order_line(id) ON DELETE CASCADE",
        "FOREIGN KEY (order_id) REFERENCES customer_order(id) ON DELETE CASCADE",
    ]

    assert probe("migrate", populated_url) == "ok"
    assert await _state(populated_url) == seeded
    assert await _notice_keys(populated_url) == []


async def _event_checks(url: str) -> dict[str, list[str]]:
    """The keys and triggers standing on the columns that name an ETA event."""
    conn = await asyncpg.connect(url)
    try:
        keys = await conn.fetch(
            "SELECT conrelid::regclass::text AS t FROM pg_constraint"
            " WHERE confrelid = 'eta_event'::regclass AND contype = 'f' ORDER BY 1"
        )
        triggers = await conn.fetch(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%event%'"
            " ORDER BY 1"
        )
        functions = await conn.fetch(
            "SELECT proname FROM pg_proc WHERE proname LIKE 'eta_event_%' ORDER BY 1"
        )
        return {
            "keys": [r["t"] for r in keys],
            "triggers": [r["tgname"] for r in triggers],
            "functions": [r["proname"] for r in functions],
        }
    finally:
        await conn.close()


async def test_migration_0016_checks_the_event_keys_per_statement_and_keeps_every_row(
    populated_url: str,
) -> None:
    seeded = await _state(populated_url)
    assert await _event_checks(populated_url) == {
        "keys": [],
        "triggers": [
            "delay_notice_event_changed",
            "delay_notice_event_written",
            "eta_change_event_changed",
            "eta_change_event_written",
            "eta_event_gone",
            "eta_event_renumbered",
            "outbox_message_event_changed",
            "outbox_message_event_written",
        ],
        "functions": [
            "eta_event_named_row_check",
            "eta_event_named_rows_check",
            "eta_event_renumber_check",
            "eta_event_still_named_check",
        ],
    }

    assert probe("migrate", populated_url, "models.0015_notice_line_of_order") == "ok"
    assert await _state(populated_url) == seeded
    assert await _event_checks(populated_url) == {
        "keys": ["delay_notice", "eta_change", "outbox_message"],
        "triggers": [],
        "functions": [],
    }

    assert probe("migrate", populated_url) == "ok"
    assert await _state(populated_url) == seeded
    assert (await _event_checks(populated_url))["keys"] == []


LINE_KEYS = [
    "delay_notice_line_of_order_fkey",
    "eta_change_line_id_fkey",
    "outbox_message_build_request_id_fkey",
    "outbox_message_order_id_fkey",
    "outbox_message_shipment_id_fkey",
]


async def _line_checks(url: str) -> dict[str, list[str]]:
    """The keys, triggers and functions standing on the columns 0017 checks per statement."""
    stems = [f"{key.removesuffix('_fkey')}_%" for key in LINE_KEYS]
    conn = await asyncpg.connect(url)
    try:
        keys = await conn.fetch(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conname = ANY($1)"
            " ORDER BY 1",
            LINE_KEYS,
        )
        triggers = await conn.fetch(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE ANY($1)"
            " ORDER BY 1",
            stems,
        )
        functions = await conn.fetch(
            "SELECT proname FROM pg_proc WHERE proname LIKE ANY($1) ORDER BY 1", stems
        )
        return {
            "keys": [r["conname"] for r in keys],
            "triggers": [r["tgname"] for r in triggers],
            "functions": [r["proname"] for r in functions],
        }
    finally:
        await conn.close()


async def test_migration_0017_checks_the_line_and_order_keys_per_statement_and_keeps_every_row(
    populated_url: str,
) -> None:
    seeded = await _state(populated_url)
    stems = [key.removesuffix("_fkey") for key in LINE_KEYS]
    assert await _line_checks(populated_url) == {
        "keys": [],
        "triggers": sorted(
            f"{stem}_{kind}"
            for stem in stems
            for kind in ["changed", "gone", "renumbered", "written"]
        ),
        "functions": sorted(
            f"{stem}_{kind}"
            for stem in stems
            for kind in ["changed_check", "gone_cascade", "renumber_check", "written_check"]
        ),
    }

    assert probe("migrate", populated_url, "models.0016_event_keys_per_statement") == "ok"
    assert await _state(populated_url) == seeded
    assert await _line_checks(populated_url) == {
        "keys": LINE_KEYS,
        "triggers": [],
        "functions": [],
    }

    assert probe("migrate", populated_url) == "ok"
    assert await _state(populated_url) == seeded
    assert (await _line_checks(populated_url))["keys"] == []
