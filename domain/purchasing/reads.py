"""Suppliers and purchase orders as staff see them: overdue purchase orders first (rule 11).

A purchase order is *overdue* while it is open (units still expected) and its expected date
has passed: the ETAs pegged to it are no longer trustworthy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.db import Dialect, connection, fetch
from domain.rows import chunks, day, marks, moment
from domain.vocabulary import PurchaseOrderStatus

MAX_PAGE = 100


@dataclass(frozen=True)
class SupplierView:
    id: int
    name: str
    email: str
    lead_time_days: int


@dataclass(frozen=True)
class SupplierPage:
    items: list[SupplierView]
    has_next: bool


async def supplier_page(*, after_id: int = 0, first: int = 20) -> SupplierPage:
    first = max(0, min(first, MAX_PAGE))
    rows = await fetch(
        connection(),
        "SELECT id, name, email, lead_time_days FROM supplier WHERE id > ? ORDER BY id LIMIT ?",
        [after_id, first + 1],
    )
    return SupplierPage([SupplierView(**row) for row in rows[:first]], len(rows) > first)


async def suppliers_by_id(ids: Sequence[int]) -> dict[int, SupplierView]:
    found: dict[int, SupplierView] = {}
    for part in chunks(sorted(set(ids))):
        for row in await fetch(
            connection(),
            f"SELECT id, name, email, lead_time_days FROM supplier WHERE id IN ({marks(part)})",
            part,
        ):
            found[row["id"]] = SupplierView(**row)
    return found


@dataclass(frozen=True)
class PoLineView:
    id: int
    sku: str
    name: str
    quantity: int
    received: int
    cancelled: int
    waiting_pegged: int  # units of waiting order lines whose ETA this line gives
    ship_to: str = ""  # a dropship line (rule 25): the customer's address
    shipped: bool = False  # the supplier recorded its parcel

    @property
    def remaining(self) -> int:
        return self.quantity - self.received - self.cancelled


@dataclass(frozen=True)
class PurchaseOrderView:
    id: int
    number: str
    supplier_id: int
    supplier_name: str
    expected_date: dt.date
    status: PurchaseOrderStatus
    created_by: str
    created_at: dt.datetime
    lines: list[PoLineView]
    dropship: bool = False  # the supplier ships to customers (rule 25)

    def overdue(self, today: dt.date) -> bool:
        return self.status == PurchaseOrderStatus.OPEN and self.expected_date < today


@dataclass(frozen=True)
class PurchaseOrderPage:
    items: list[PurchaseOrderView]
    has_next: bool


@dataclass(frozen=True)
class PoCursor:
    """Position in the staff list: overdue ones (rank 0) first, then by expected date."""

    rank: int
    expected_date: dt.date
    id: int


def po_cursor(view: PurchaseOrderView, today: dt.date) -> PoCursor:
    return PoCursor(0 if view.overdue(today) else 1, view.expected_date, view.id)


_PO = (
    "SELECT po.id, po.number, po.supplier_id, s.name AS supplier_name, po.expected_date,"
    " po.status, po.created_by, po.created_at, po.dropship FROM purchase_order po"
    " JOIN supplier s ON s.id = po.supplier_id"
)


async def purchase_order_page(
    *,
    today: dt.date,
    status: PurchaseOrderStatus | None = None,
    supplier_id: int | None = None,
    after: PoCursor | None = None,
    first: int = 20,
) -> PurchaseOrderPage:
    """Overdue purchase orders first, then the rest by expected date."""
    first = max(0, min(first, MAX_PAGE))
    conn = connection()
    d = Dialect(conn)
    rank = f"CASE WHEN po.status = 'open' AND po.expected_date < {d.date} THEN 0 ELSE 1 END"
    clauses: list[str] = []
    values: list[object] = []
    if status is not None:
        clauses.append("po.status = ?")
        values.append(status.value)
    if supplier_id is not None:
        clauses.append("po.supplier_id = ?")
        values.append(supplier_id)
    if after is not None:
        clauses.append(
            f"({rank} > ? OR ({rank} = ? AND (po.expected_date > {d.date}"
            f" OR (po.expected_date = {d.date} AND po.id > ?))))"
        )
        values.extend(
            [
                today,
                after.rank,
                today,
                after.rank,
                after.expected_date,
                after.expected_date,
                after.id,
            ]
        )
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await fetch(
        conn,
        f"SELECT * FROM ({_PO}{where}) q ORDER BY"
        f" CASE WHEN q.status = 'open' AND q.expected_date < {d.date} THEN 0 ELSE 1 END,"
        " q.expected_date, q.id LIMIT ?",
        [*values, today, first + 1],
    )
    views = await _assemble(rows[:first])
    return PurchaseOrderPage(views, len(rows) > first)


async def purchase_orders_by_id(ids: Sequence[int]) -> dict[int, PurchaseOrderView]:
    found: dict[int, PurchaseOrderView] = {}
    for part in chunks(sorted(set(ids))):
        rows = await fetch(connection(), f"{_PO} WHERE po.id IN ({marks(part)})", part)
        found.update({view.id: view for view in await _assemble(rows)})
    return found


async def _assemble(rows: list[dict[str, Any]]) -> list[PurchaseOrderView]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    lines: dict[int, list[PoLineView]] = {po_id: [] for po_id in ids}
    for row in await fetch(
        connection(),
        "SELECT l.id, l.purchase_order_id, p.sku, p.name, l.quantity, l.quantity_received,"
        " l.quantity_cancelled, COALESCE((SELECT SUM(o.qty_waiting) FROM order_line o"
        "  WHERE o.pegged_po_line_id = l.id AND o.qty_waiting > 0), 0) AS pegged,"
        " l.ship_to, l.shipment_id"
        " FROM purchase_order_line l JOIN product p ON p.id = l.product_id"
        f" WHERE l.purchase_order_id IN ({marks(ids)}) ORDER BY l.id",
        ids,
    ):
        lines[row["purchase_order_id"]].append(
            PoLineView(
                row["id"],
                row["sku"],
                row["name"],
                row["quantity"],
                row["quantity_received"],
                row["quantity_cancelled"],
                int(row["pegged"]),
                row["ship_to"] or "",
                row["shipment_id"] is not None,
            )
        )
    return [
        PurchaseOrderView(
            row["id"],
            row["number"],
            row["supplier_id"],
            row["supplier_name"],
            day(row["expected_date"]),
            PurchaseOrderStatus(row["status"]),
            row["created_by"],
            moment(row["created_at"]),
            lines[row["id"]],
            bool(row["dropship"]),
        )
        for row in rows
    ]


async def purchase_orders_by_line_id(line_ids: Sequence[int]) -> dict[int, PurchaseOrderView]:
    """The purchase order of each PO line."""
    owners: dict[int, int] = {}
    for part in chunks(sorted(set(line_ids))):
        for row in await fetch(
            connection(),
            f"SELECT id, purchase_order_id FROM purchase_order_line WHERE id IN ({marks(part)})",
            part,
        ):
            owners[row["id"]] = row["purchase_order_id"]
    views = await purchase_orders_by_id(list(set(owners.values())))
    return {line_id: views[po_id] for line_id, po_id in owners.items() if po_id in views}
