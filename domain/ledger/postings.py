"""Ledger postings (DOMAIN.md rule 4): a booking is a backorder until its units ship."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.ledger.models import LedgerEntry
from domain.vocabulary import LedgerKind


async def post(
    conn: BaseDBAsyncClient,
    entries: list[tuple[int, LedgerKind, int, Decimal]],
    *,
    now: dt.datetime,
) -> None:
    """Write (line_id, kind, quantity, unit_price) entries; amounts are quantity x price."""
    rows = [
        LedgerEntry(line_id=line_id, kind=kind, quantity=qty, amount=qty * price, created_at=now)
        for line_id, kind, qty, price in entries
        if qty > 0
    ]
    if rows:
        await LedgerEntry.bulk_create(rows, using_db=conn)
