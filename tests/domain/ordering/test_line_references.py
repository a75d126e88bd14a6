"""A row naming a line, order, shipment or build request needs it, and goes with it.

History rows name their line, delay notices the line of their order, emails their order, shipment
or build request. SQLite holds the rule with foreign keys; PostgreSQL with triggers checked once
per statement (migration 0017), so that a fan-out writing a row for each of 100,000 lines looks
them up and locks them in one pass. Both databases must answer every case the same: a row naming
nothing is refused with the rest of its statement, a row cannot be moved to nothing, a named row
cannot be renumbered, and deleting it deletes the rows naming it. On PostgreSQL a line deleted
while a transaction writes rows naming it never leaves a row naming nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg
import pytest
from tortoise.exceptions import IntegrityError

from domain.db import connection, execute, fetch
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b
from tests.conftest import on_postgres
from tests.lock_race import HISTORY_COLUMNS, history_row_naming, second_after_first

pytestmark = pytest.mark.usefixtures("db")

REFUSED = (IntegrityError, asyncpg.ForeignKeyViolationError)


def refused_by(key: Key, error: BaseException) -> bool:
    """Whether ``key`` refused: PostgreSQL names the key (the first rule to refuse, where other
    keys would refuse too); SQLite names none."""
    return not on_postgres() or getattr(error, "constraint_name", None) == key.name


MISSING = 999_999

COLUMNS = {
    "eta_change": list(HISTORY_COLUMNS),
    "delay_notice": [
        "order_id",
        "line_id",
        "event_id",
        "previous_latest",
        "new_earliest",
        "new_latest",
        "requires_answer",
        "deadline",
        "status",
        "created_at",
    ],
    "outbox_message": [
        "kind",
        "recipient",
        "order_id",
        "event_id",
        "shipment_id",
        "build_request_id",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    ],
}


@dataclass(frozen=True)
class Key:
    name: str
    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.table}({', '.join(self.columns)})"

    def named_by(self, row: str) -> str:
        return " AND ".join(f"{row}.{c} = ?" for c in self.columns)


LINE = Key("eta_change_line_id_fkey", "eta_change", ("line_id",), "order_line", ("id",))
LINE_OF_ORDER = Key(
    "delay_notice_line_of_order_fkey",
    "delay_notice",
    ("order_id", "line_id"),
    "order_line",
    ("order_id", "id"),
)
ORDER = Key(
    "outbox_message_order_id_fkey", "outbox_message", ("order_id",), "customer_order", ("id",)
)
SHIPMENT = Key(
    "outbox_message_shipment_id_fkey", "outbox_message", ("shipment_id",), "shipment", ("id",)
)
BUILD = Key(
    "outbox_message_build_request_id_fkey",
    "outbox_message",
    ("build_request_id",),
    "build_request",
    ("id",),
)
KEYS = [LINE, LINE_OF_ORDER, ORDER, SHIPMENT, BUILD]
IDS = [str(key) for key in KEYS]


async def _one(sql: str, args: list[object] | None = None) -> dict:
    rows = await fetch(connection(), sql, args or [])
    return dict(rows[0])


async def _named() -> dict[Key, list[tuple[int, ...]]]:
    """Two of each parent, each named by rows: a slip's history rows, notices and emails for
    two waiting orders; two parcels shipped, each with its email; two build requests, each
    with its quote's email."""
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(on_hand=0, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 2))
    await b.order((product, 1))
    await b.order((product, 1))
    moved = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=24), "Slipped", ctx=b.ctx()
    )
    stocked = await b.product(on_hand=10)
    for _ in range(2):
        await b.shipped((await b.order((stocked, 1))).order.id)
        await _build_request()
    named: dict[Key, list[tuple[int, ...]]] = {}
    for key in KEYS:
        columns = ", ".join(key.columns)
        # The slip's rows for the line and order keys; every row for the other two.
        slip = "event_id = ?" if key in (LINE, LINE_OF_ORDER, ORDER) else "? > 0"
        rows = await fetch(
            connection(),
            f"SELECT DISTINCT {columns} FROM {key.table}"
            f" WHERE {' AND '.join(f'{c} IS NOT NULL' for c in key.columns)} AND {slip}"
            f" ORDER BY {columns}",
            [moved.event_id],
        )
        named[key] = [tuple(row[c] for c in key.columns) for row in rows]
        assert len(named[key]) == 2, (key, named[key])
    return named


async def _build_request() -> int:
    return (await b.build_request()).request.id


async def _count(key: Key, value: tuple[int, ...]) -> int:
    row = await _one(
        f"SELECT COUNT(*) AS n FROM {key.table} WHERE {key.named_by(key.table)}", list(value)
    )
    return int(row["n"])


async def _counts() -> dict[str, int]:
    tables = [*COLUMNS, "order_line", "customer_order", "shipment", "build_request"]
    return {t: int((await _one(f"SELECT COUNT(*) AS n FROM {t}"))["n"]) for t in tables}


def _copy_rows(key: Key) -> str:
    """Two copies of the first row naming a parent, the first naming the first key given and
    the second the second (an email's message id made unique by a tag)."""
    kept = [c for c in COLUMNS[key.table] if c not in key.columns]
    unique = ", message_id" if key.table == "outbox_message" else ""
    made = ", message_id || t.tag" if unique else ""
    values = ", ".join(f"CAST(? AS INTEGER) AS {c}" for c in key.columns)
    again = ", ".join("CAST(? AS INTEGER)" for _ in key.columns)
    return (
        f"INSERT INTO {key.table} ({', '.join(kept)}, {', '.join(key.columns)}{unique})"
        f" SELECT {', '.join(f'r.{c}' for c in kept)},"
        f" {', '.join(f't.{c}' for c in key.columns)}{made} FROM {key.table} r"
        f" JOIN (SELECT {values}, 'a' AS tag UNION ALL SELECT {again}, 'b') t ON 1 = 1"
        f" WHERE r.id = (SELECT MIN(id) FROM {key.table} WHERE {key.named_by(key.table)})"
    )


@pytest.mark.parametrize("key", KEYS, ids=IDS)
async def test_a_row_naming_a_missing_parent_is_refused_with_the_rest_of_its_statement(
    key: Key,
) -> None:
    first, second = (await _named())[key]
    missing = tuple(MISSING for _ in key.columns)
    before = await _counts()

    with pytest.raises(REFUSED) as refused:
        await execute(connection(), _copy_rows(key), [*first, *missing, *first])

    assert refused_by(key, refused.value)
    assert await _counts() == before
    # The same statement naming parents that exist is written.
    named = await _count(key, second)
    assert await execute(connection(), _copy_rows(key), [*first, *second, *first]) == 2
    assert await _count(key, second) == named + 1


@pytest.mark.skipif(not on_postgres(), reason="SQLite keeps a key for each column (0015)")
async def test_a_notice_naming_a_line_of_another_order_is_refused() -> None:
    """The notice's order must be its line's order, not merely an order that exists."""
    (first_order, first_line), (second_order, second_line) = (await _named())[LINE_OF_ORDER]
    before = await _counts()

    with pytest.raises(REFUSED) as refused:
        await execute(
            connection(),
            _copy_rows(LINE_OF_ORDER),
            [first_order, first_line, first_order, second_line, first_order, first_line],
        )

    assert refused_by(LINE_OF_ORDER, refused.value)

    assert await _counts() == before


@pytest.mark.parametrize("key", [ORDER, SHIPMENT, BUILD], ids=str)
async def test_an_email_may_name_no_order_shipment_or_build_request(key: Key) -> None:
    """A null column names nothing, as a key matching simply allows. (A history row's line
    and a notice's order and line are required.)"""
    first, _ = (await _named())[key]
    nothing = tuple(None for _ in key.columns)

    assert await execute(connection(), _copy_rows(key), [*nothing, *nothing, *first]) == 2


@pytest.mark.parametrize("key", KEYS, ids=IDS)
async def test_a_row_cannot_be_moved_to_a_missing_parent(key: Key) -> None:
    first, second = (await _named())[key]
    moved = ", ".join(f"{c} = ?" for c in key.columns)
    where = key.named_by(key.table)

    with pytest.raises(REFUSED) as refused:
        await execute(
            connection(),
            f"UPDATE {key.table} SET {moved} WHERE {where}",
            [*(MISSING for _ in key.columns), *first],
        )
    assert refused_by(key, refused.value)
    counts = await _count(key, first), await _count(key, second)
    assert counts[0] > 0

    await execute(connection(), f"UPDATE {key.table} SET {moved} WHERE {where}", [*second, *first])
    assert (await _count(key, first), await _count(key, second)) == (0, sum(counts))


@pytest.mark.parametrize("key", KEYS, ids=IDS)
async def test_a_named_parents_key_cannot_change(key: Key) -> None:
    first, _ = (await _named())[key]
    renumbered = key.parent_columns.index("id")
    if key is LINE:  # its notice names the line too, and would refuse first
        await execute(
            connection(), "DELETE FROM delay_notice WHERE line_id = ?", [first[renumbered]]
        )
    before = await _counts()

    with pytest.raises(REFUSED) as refused:
        await execute(
            connection(),
            f"UPDATE {key.parent} SET id = ? WHERE id = ?",
            [MISSING, first[renumbered]],
        )

    assert refused_by(key, refused.value)
    assert await _counts() == before


async def _delete_parent(key: Key, value: tuple[int, ...]) -> None:
    """Delete the parent a row names, and first what would refuse its delete: a line's
    ledger entries and parcels, an order's parcels."""
    parent = value[key.parent_columns.index("id")]
    if key.parent == "order_line":
        await execute(connection(), "DELETE FROM ledger_entry WHERE line_id = ?", [parent])
        await execute(connection(), "DELETE FROM shipment_line WHERE line_id = ?", [parent])
    if key.parent == "customer_order":
        await execute(connection(), "DELETE FROM shipment WHERE order_id = ?", [parent])
        await execute(
            connection(),
            "DELETE FROM ledger_entry WHERE line_id IN (SELECT id FROM order_line"
            " WHERE order_id = ?)",
            [parent],
        )
    await execute(connection(), f"DELETE FROM {key.parent} WHERE id = ?", [parent])
    assert not await fetch(connection(), f"SELECT id FROM {key.parent} WHERE id = ?", [parent])


@pytest.mark.parametrize("key", KEYS, ids=IDS)
async def test_deleting_a_named_parent_deletes_the_rows_naming_it(key: Key) -> None:
    first, second = (await _named())[key]
    others = await _count(key, second)
    assert await _count(key, first) > 0

    await _delete_parent(key, first)

    assert await _count(key, first) == 0
    assert await _count(key, second) == others > 0


async def test_deleting_an_order_deletes_its_lines_history_notices_and_emails() -> None:
    """The order's delete reaches its lines by their key, and the lines' history and notices
    by the lines' triggers: nothing is left naming the order or its lines."""
    (order, line), (other_order, other_line) = (await _named())[LINE_OF_ORDER]
    others = [
        await _count(LINE, (other_line,)),
        await _count(LINE_OF_ORDER, (other_order, other_line)),
        await _count(ORDER, (other_order,)),
    ]

    await _delete_parent(ORDER, (order,))

    assert await _count(LINE, (line,)) == 0
    assert await _count(LINE_OF_ORDER, (order, line)) == 0
    assert await _count(ORDER, (order,)) == 0
    assert not await fetch(connection(), "SELECT id FROM order_line WHERE order_id = ?", [order])
    assert [
        await _count(LINE, (other_line,)),
        await _count(LINE_OF_ORDER, (other_order, other_line)),
        await _count(ORDER, (other_order,)),
    ] == others
    assert 0 not in others


KEY_NAMES = {
    "eta_change_line_id_fkey",
    "delay_notice_line_of_order_fkey",
    "outbox_message_order_id_fkey",
    "outbox_message_shipment_id_fkey",
    "outbox_message_build_request_id_fkey",
}


async def test_a_fanouts_line_and_order_keys_are_checked_per_statement(database_url: str) -> None:
    """On PostgreSQL no per-row key stands on these columns any more: the triggers do, and a
    refusal names the key as the key did."""
    if not on_postgres():
        pytest.skip("SQLite keeps its foreign keys")
    first, _ = (await _named())[LINE_OF_ORDER]
    conn = await asyncpg.connect(database_url)
    try:
        keys = await conn.fetch(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conname = ANY($1)",
            list(KEY_NAMES),
        )
        triggers = await conn.fetch(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE ANY($1)",
            [f"{name.removesuffix('_fkey')}_%" for name in KEY_NAMES],
        )
        with pytest.raises(asyncpg.ForeignKeyViolationError) as refused:
            await conn.execute(
                _copy_rows(LINE_OF_ORDER).replace("?", "${}").format(*range(1, 7)),
                first[0],
                first[1],
                first[0],
                MISSING,
                *first,
            )
    finally:
        await conn.close()
    assert keys == []
    assert len(triggers) == 4 * len(KEY_NAMES)
    assert refused.value.constraint_name == "delay_notice_line_of_order_fkey"
    assert refused.value.detail == (
        f'Key (order_id, line_id)=({first[0]}, {MISSING}) is not present in table "order_line".'
    )


WRITE_ONE = history_row_naming("line_id")
DELETE_IT = "DELETE FROM order_line WHERE id = $1"


@pytest.mark.skipif(not on_postgres(), reason="SQLite writes one transaction at a time")
@pytest.mark.parametrize(
    ("first", "second", "refused"),
    [(WRITE_ONE, DELETE_IT, False), (DELETE_IT, WRITE_ONE, True)],
    ids=["a row written, then its line deleted", "a line deleted, then a row naming it"],
)
async def test_a_line_deleted_while_rows_naming_it_are_written_never_orphans_a_row(
    database_url: str, first: str, second: str, refused: bool
) -> None:
    """Whichever transaction holds the line first, the other waits for it. A delete after the
    write deletes the new row with the line; a write after the delete fails."""
    (line,), _ = (await _named())[LINE]
    await execute(connection(), "DELETE FROM ledger_entry WHERE line_id = ?", [line])
    error = await second_after_first(database_url, first, second, line)
    if refused:
        assert isinstance(error, asyncpg.ForeignKeyViolationError)
    else:
        assert error is None
    assert await _count(LINE, (line,)) == 0
    assert not await fetch(connection(), "SELECT id FROM order_line WHERE id = ?", [line])
