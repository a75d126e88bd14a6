"""Receipts against a purchase order and the orders each one filled (rule 6), for staff pages.

Which orders a receipt filled is read from the allocations it made: ``fill_queue`` writes one
allocation per waiting line it gives units to, tagged with the receipt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.db import connection, fetch
from domain.rows import date_of, marks, moment_of


@dataclass(frozen=True)
class ReceivedLine:
    po_line_id: int
    sku: str
    name: str
    quantity: int
    to_queue: int
    to_stock: int


@dataclass(frozen=True)
class Fill:
    order_id: int
    order_number: str
    email: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class ReceiptView:
    id: int
    key: str
    purchase_order_id: int
    po_number: str
    received_at: dt.datetime
    actor: str
    lines: list[ReceivedLine]
    fills: list[Fill]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class DateChangeView:
    at: dt.datetime
    old_date: dt.date
    new_date: dt.date
    reason: str
    actor: str


_RECEIPT = (
    "SELECT r.id, r.key, r.purchase_order_id, po.number, r.received_at, r.actor FROM receipt r"
    " JOIN purchase_order po ON po.id = r.purchase_order_id"
)


async def receipts_of(po_id: int) -> list[ReceiptView]:
    rows = await fetch(
        connection(), f"{_RECEIPT} WHERE r.purchase_order_id = ? ORDER BY r.id", [po_id]
    )
    return await _assemble(rows)


async def receipt(receipt_id: int) -> ReceiptView | None:
    rows = await fetch(connection(), f"{_RECEIPT} WHERE r.id = ?", [receipt_id])
    found = await _assemble(rows)
    return found[0] if found else None


async def _assemble(rows: list[dict[str, Any]]) -> list[ReceiptView]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    lines: dict[int, list[ReceivedLine]] = {i: [] for i in ids}
    for row in await fetch(
        connection(),
        "SELECT rl.receipt_id, rl.po_line_id, p.sku, p.name, rl.quantity, rl.to_queue, rl.to_stock"
        " FROM receipt_line rl JOIN purchase_order_line l ON l.id = rl.po_line_id"
        f" JOIN product p ON p.id = l.product_id WHERE rl.receipt_id IN ({marks(ids)})"
        " ORDER BY rl.id",
        ids,
    ):
        lines[row["receipt_id"]].append(
            ReceivedLine(
                row["po_line_id"],
                row["sku"],
                row["name"],
                row["quantity"],
                row["to_queue"],
                row["to_stock"],
            )
        )
    fills: dict[int, list[Fill]] = {i: [] for i in ids}
    for row in await fetch(
        connection(),
        "SELECT a.receipt_id, o.id AS order_id, o.number, c.email, p.sku,"
        " SUM(a.quantity) AS quantity FROM allocation a"
        " JOIN order_line l ON l.id = a.line_id JOIN customer_order o ON o.id = l.order_id"
        " JOIN customer c ON c.id = o.customer_id JOIN product p ON p.id = l.product_id"
        f" WHERE a.receipt_id IN ({marks(ids)}) AND a.quantity > 0"
        " GROUP BY a.receipt_id, o.id, o.number, c.email, p.sku ORDER BY MIN(a.id)",
        ids,
    ):
        fills[row["receipt_id"]].append(
            Fill(row["order_id"], row["number"], row["email"], row["sku"], int(row["quantity"]))
        )
    return [
        ReceiptView(
            row["id"],
            row["key"],
            row["purchase_order_id"],
            row["number"],
            moment_of(row["received_at"]),
            row["actor"],
            lines[row["id"]],
            fills[row["id"]],
        )
        for row in rows
    ]


async def date_changes_of(po_id: int) -> list[DateChangeView]:
    """Every expected-date revision of a purchase order, oldest first: who, when, why."""
    rows = await fetch(
        connection(),
        "SELECT created_at, old_date, new_date, reason, actor FROM purchase_order_date_change"
        " WHERE purchase_order_id = ? ORDER BY id",
        [po_id],
    )
    return [
        DateChangeView(
            moment_of(r["created_at"]),
            date_of(r["old_date"]),
            date_of(r["new_date"]),
            r["reason"],
            r["actor"],
        )
        for r in rows
    ]
