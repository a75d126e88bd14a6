"""Ledger postings (DOMAIN.md rule 4): a booking is a backorder until its units ship."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import Dialect, execute, packed
from domain.vocabulary import LedgerKind

ROW_PARAMETERS = 5


async def post(
    conn: BaseDBAsyncClient,
    entries: list[tuple[int, LedgerKind, int, Decimal]],
    *,
    now: dt.datetime,
) -> None:
    """Write (line_id, kind, quantity, unit_price) entries; amounts are quantity x price.

    The ``ledger_entry`` rows as ``LedgerEntry.bulk_create`` writes them, in order, in one raw
    statement per few hundred (each parcel shipped posts; the ORM costs more than the insert).
    """
    rows = [
        (line_id, LedgerKind(kind).value, qty, qty * price, now)
        for line_id, kind, qty, price in entries
        if qty > 0
    ]
    at = Dialect(conn).timestamp
    for group in packed(rows, lambda _: ROW_PARAMETERS):
        await execute(
            conn,
            "INSERT INTO ledger_entry (line_id, kind, quantity, amount, created_at) VALUES "
            + ", ".join(f"(?, ?, ?, ?, {at})" for _ in group),
            [value for row in group for value in row],
        )
