"""Suppliers' slip histories (DOMAIN.md rule 21), read for the ETA rules.

One query whatever the number of suppliers: the store's most recent receipts with a recorded
slip (``RECENT`` of them) give the store-wide prior, and each supplier's share of them its own
history. Recent, because a supplier's habits change and the query must stay small.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import fetch
from domain.purchasing.slips import SlipHistory

RECENT = 5000


async def slip_histories(
    conn: BaseDBAsyncClient, supplier_ids: Iterable[int]
) -> dict[int, SlipHistory]:
    """Each given supplier's slips and the store's; empty tuples when nothing was received."""
    wanted = set(supplier_ids)
    if not wanted:
        return {}
    rows = await fetch(
        conn,
        "SELECT o.supplier_id, r.slip_days FROM receipt r"
        " JOIN purchase_order o ON o.id = r.purchase_order_id"
        " WHERE r.slip_days IS NOT NULL ORDER BY r.id DESC LIMIT ?",
        [RECENT],
    )
    store = tuple(int(r["slip_days"]) for r in rows)
    own: dict[int, list[int]] = {sid: [] for sid in wanted}
    for row in rows:
        if row["supplier_id"] in own:
            own[row["supplier_id"]].append(int(row["slip_days"]))
    return {sid: SlipHistory(tuple(slips), store) for sid, slips in own.items()}
