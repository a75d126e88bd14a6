"""A row naming an ETA event needs the event, and an event that rows name stays.

History rows, delay notices and outbox messages name the ETA event that caused them. SQLite
holds the rule with foreign keys; PostgreSQL with triggers checked once per statement
(migration 0016), so that a fan-out writing 100,000 rows naming one event looks the event up
and locks it once. Both databases must answer every case the same, and on PostgreSQL an event
deleted while a transaction writes rows naming it never leaves a row naming nothing.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from tortoise.exceptions import IntegrityError

from domain.db import connection, execute, fetch
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b
from tests.conftest import on_postgres
from tests.lock_race import history_row_naming, second_after_first

pytestmark = pytest.mark.usefixtures("db")

REFUSED = (IntegrityError, asyncpg.ForeignKeyViolationError)
MISSING = 999_999
NAMING = ["eta_change", "delay_notice", "outbox_message"]


async def _slipped() -> int:
    """Two orders waiting on a PO that slips past their promises: the slip's event, named by
    two history rows, two delay notices and two emails."""
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(on_hand=0, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 2))
    await b.order((product, 1))
    await b.order((product, 1))
    moved = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=24), "Slipped", ctx=b.ctx()
    )
    assert moved.event_id is not None
    return moved.event_id


async def _counts() -> dict[str, int]:
    return {
        table: (await fetch(connection(), f"SELECT COUNT(*) AS n FROM {table}"))[0]["n"]
        for table in [*NAMING, "eta_event"]
    }


async def _named_by(table: str, event_id: int) -> int:
    rows = await fetch(
        connection(), f"SELECT COUNT(*) AS n FROM {table} WHERE event_id = ?", [event_id]
    )
    return int(rows[0]["n"])


async def _new_event() -> int:
    rows = await fetch(
        connection(),
        "INSERT INTO eta_event (product_id, reason, detail, actor, created_at)"
        " VALUES (NULL, 'po_date_changed', '', 'staff:test', ?) RETURNING id",
        [b.NOON],
    )
    return int(rows[0]["id"])


def _copy_rows(table: str) -> str:
    """Two copies of one of a table's rows naming an event, each naming the event given for
    it (a message's id made unique by a tag)."""
    columns = {
        "eta_change": "line_id, old_earliest, old_latest, old_basis, new_earliest, new_latest,"
        " new_basis, material",
        "delay_notice": "order_id, line_id, previous_latest, new_earliest, new_latest,"
        " requires_answer, deadline, status, created_at",
        "outbox_message": "kind, recipient, order_id, payload, status, attempts,"
        " next_attempt_at, last_error, created_at",
    }[table]
    unique = ", message_id" if table == "outbox_message" else ""
    made = ", message_id || t.tag" if unique else ""
    return (
        f"INSERT INTO {table} ({columns}, event_id{unique})"
        f" SELECT {columns}, t.event_id{made} FROM {table}"
        " JOIN (SELECT CAST(? AS INTEGER) AS event_id, 'a' AS tag"
        " UNION ALL SELECT CAST(? AS INTEGER), 'b') t ON 1 = 1"
        f" WHERE {table}.event_id = ? AND {table}.id = (SELECT MIN(id) FROM {table}"
        " WHERE event_id = ?)"
    )


@pytest.mark.parametrize("table", NAMING)
async def test_a_row_naming_a_missing_eta_event_is_refused_with_the_rest_of_its_statement(
    table: str,
) -> None:
    event = await _slipped()
    before = await _counts()

    # One good row and one naming nothing, in one statement: neither is written.
    with pytest.raises(REFUSED):
        await execute(connection(), _copy_rows(table), [event, MISSING, event, event])

    assert await _counts() == before
    # The same statement naming only the event is written.
    assert await execute(connection(), _copy_rows(table), [event, event, event, event]) == 2


@pytest.mark.parametrize("table", NAMING)
async def test_a_row_cannot_be_moved_to_a_missing_eta_event(table: str) -> None:
    event = await _slipped()
    other = await _new_event()

    with pytest.raises(REFUSED):
        await execute(
            connection(), f"UPDATE {table} SET event_id = ? WHERE event_id = ?", [MISSING, event]
        )
    assert await _named_by(table, event) == 2

    assert (
        await execute(
            connection(), f"UPDATE {table} SET event_id = ? WHERE event_id = ?", [other, event]
        )
        == 2
    )
    assert await _named_by(table, other) == 2


async def test_an_eta_event_that_rows_name_cannot_be_deleted() -> None:
    event = await _slipped()
    before = await _counts()

    with pytest.raises(REFUSED):
        await execute(connection(), "DELETE FROM eta_event WHERE id = ?", [event])

    assert await _counts() == before


async def test_an_eta_event_no_row_names_can_be_deleted() -> None:
    await _slipped()
    unnamed = await _new_event()

    assert await execute(connection(), "DELETE FROM eta_event WHERE id = ?", [unnamed]) == 1
    # A statement deleting named and unnamed events alike is refused whole.
    again = await _new_event()
    with pytest.raises(REFUSED):
        await execute(connection(), "DELETE FROM eta_event")
    assert await fetch(connection(), "SELECT id FROM eta_event WHERE id = ?", [again])


async def test_an_eta_events_id_cannot_change_while_rows_name_it() -> None:
    event = await _slipped()

    with pytest.raises(REFUSED):
        await execute(connection(), "UPDATE eta_event SET id = ? WHERE id = ?", [MISSING, event])

    for table in NAMING:
        assert await _named_by(table, event) == 2


async def test_a_fanout_looks_its_event_up_once_per_statement(database_url: str) -> None:
    """On PostgreSQL no per-row key stands on the event column any more: the triggers do."""
    if not on_postgres():
        pytest.skip("SQLite keeps its foreign keys")
    conn = await asyncpg.connect(database_url)
    try:
        keys = await conn.fetch(
            "SELECT conrelid::regclass::text AS t FROM pg_constraint"
            " WHERE confrelid = 'eta_event'::regclass AND contype = 'f'"
        )
        triggers = await conn.fetch(
            "SELECT tgrelid::regclass::text AS t, tgname FROM pg_trigger"
            " WHERE NOT tgisinternal AND tgname LIKE '%event%' ORDER BY 1, 2"
        )
    finally:
        await conn.close()
    assert keys == []
    assert [(r["t"], r["tgname"]) for r in triggers] == [
        ("delay_notice", "delay_notice_event_changed"),
        ("delay_notice", "delay_notice_event_written"),
        ("eta_change", "eta_change_event_changed"),
        ("eta_change", "eta_change_event_written"),
        ("eta_event", "eta_event_gone"),
        ("eta_event", "eta_event_renumbered"),
        ("outbox_message", "outbox_message_event_changed"),
        ("outbox_message", "outbox_message_event_written"),
    ]


WRITE_ONE = history_row_naming("event_id")
DELETE_IT = "DELETE FROM eta_event WHERE id = $1"


@pytest.mark.skipif(not on_postgres(), reason="SQLite writes one transaction at a time")
@pytest.mark.parametrize(
    ("first", "second", "rows_left", "event_left"),
    [(WRITE_ONE, DELETE_IT, 1, True), (DELETE_IT, WRITE_ONE, 0, False)],
    ids=["a row written, then its event deleted", "an event deleted, then a row naming it"],
)
async def test_an_event_deleted_while_rows_naming_it_are_written_never_orphans_a_row(
    database_url: str, first: str, second: str, rows_left: int, event_left: bool
) -> None:
    """Whichever transaction holds the event first, the other waits for it, then fails: the
    writer's lock keeps the event, the delete's keeps the row from being written."""
    await _slipped()
    event = await _new_event()
    refused = await second_after_first(database_url, first, second, event)
    assert isinstance(refused, asyncpg.ForeignKeyViolationError)
    assert await _named_by("eta_change", event) == rows_left
    assert bool(await fetch(connection(), "SELECT id FROM eta_event WHERE id = ?", [event])) is (
        event_left
    )
