"""Writing a new order's lines with what they book: stock allocations and ledger entries.

A placed line books its whole quantity (``LedgerKind.BACKORDER_BOOKED``, amount = quantity x
unit price, as ``ledger.postings.post`` writes it) and, when stock was taken, one allocation.
Both follow from the line rows themselves, so they are written from them in SQL: on
PostgreSQL the lines, their allocations and their entries are one statement (data-modifying
CTEs); SQLite has none, and takes three.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import MAX_PARAMETERS, Dialect, execute, fetch, is_postgres, packed
from domain.rows import marks
from domain.vocabulary import EtaBasis, LedgerKind


@dataclass(frozen=True)
class NewLine:
    """An ``order_line`` row as placed (the columns, in this order)."""

    order_id: int
    product_id: int
    position: int
    quantity: int
    unit_price: Decimal
    qty_allocated: int
    qty_waiting: int
    priority: int
    placed_at: dt.datetime
    promised_earliest: dt.date | None
    promised_latest: dt.date | None
    promised_basis: EtaBasis
    eta_earliest: dt.date | None
    eta_latest: dt.date | None
    eta_basis: EtaBasis
    pegged_po_line_id: int | None
    dropship: bool = False  # rule 25: the maker's units are no allocation of the shop's stock


COLUMNS = [field.name for field in fields(NewLine)]
# Written as placed: nothing shipped or cancelled yet.
INSERT_LINES = f"INSERT INTO order_line ({', '.join(COLUMNS)}, qty_shipped, qty_cancelled) VALUES "
ALLOCATIONS = (
    "INSERT INTO allocation (line_id, quantity, created_at) SELECT id, qty_allocated, {at}"
)
ENTRIES = (
    "INSERT INTO ledger_entry (line_id, kind, quantity, amount, created_at)"
    " SELECT id, {kind}, quantity, quantity * unit_price, {at}"
)


async def book_lines(
    conn: BaseDBAsyncClient, lines: list[NewLine], now: dt.datetime
) -> dict[int, int]:
    """Insert ``lines`` (one order's) with their allocations and entries; their ids by position.

    One go per few dozen lines, each statement's parameters within ``MAX_PARAMETERS``.
    """
    ids: dict[int, int] = {}
    for group in packed(lines, lambda _: len(COLUMNS), MAX_PARAMETERS - 3):
        ids.update(await _book(conn, group, now))
    return ids


def booking_ctes(
    lines: list[NewLine], now: dt.datetime, *, order_id: str | None = None
) -> tuple[str, list[object]]:
    """PostgreSQL: the CTEs ``l`` (the lines written: ``id, position``), ``a`` and ``e`` (their
    allocations and entries), and their values. With ``order_id`` (SQL, e.g. a subquery of a
    CTE that writes the order), the lines' ``order_id`` is that, not a value."""
    names = COLUMNS[1:] if order_id else COLUMNS
    row = f"({order_id + ', ' if order_id else ''}{', '.join('?' for _ in names)}, 0, 0)"
    values: list[object] = [_db(getattr(line, name)) for line in lines for name in names]
    inserted = INSERT_LINES + ", ".join(row for _ in lines)
    at, kind = "CAST(? AS TIMESTAMPTZ)", "CAST(? AS TEXT)"
    return (
        f"l AS ({inserted} RETURNING id, position, quantity, unit_price, qty_allocated,"
        " dropship),"
        f" a AS ({ALLOCATIONS.format(at=at)} FROM l WHERE qty_allocated > 0 AND NOT dropship),"
        f" e AS ({ENTRIES.format(kind=kind, at=at)} FROM l WHERE quantity > 0)",
        [*values, now, LedgerKind.BACKORDER_BOOKED.value, now],
    )


async def _book(conn: BaseDBAsyncClient, lines: list[NewLine], now: dt.datetime) -> dict[int, int]:
    if is_postgres(conn):
        ctes, values = booking_ctes(lines, now)
        rows = await fetch(conn, f"WITH {ctes} SELECT id, position FROM l", values)
        return {row["position"]: row["id"] for row in rows}
    d = Dialect(conn)
    row = f"({', '.join('?' for _ in COLUMNS)}, 0, 0)"
    values = [_db(getattr(line, name)) for line in lines for name in COLUMNS]
    inserted = INSERT_LINES + ", ".join(row for _ in lines)
    at, kind = d.timestamp, d.text
    booked = [now, LedgerKind.BACKORDER_BOOKED.value, now]
    rows = await fetch(conn, f"{inserted} RETURNING id, position", values)
    written = [row["id"] for row in rows]
    await execute(
        conn,
        f"{ALLOCATIONS.format(at=at)} FROM order_line"
        f" WHERE id IN ({marks(written)}) AND qty_allocated > 0 AND NOT dropship",
        [now, *written],
    )
    await execute(
        conn,
        f"{ENTRIES.format(kind=kind, at=at)} FROM order_line"
        f" WHERE id IN ({marks(written)}) AND quantity > 0",
        [*booked[1:], *written],
    )
    return {row["position"]: row["id"] for row in rows}


def _db(value: object) -> object:
    return value.value if isinstance(value, EtaBasis) else value
