"""Staff search over orders: newest first, filtered by what waits, what is late, what, and who.

An order is *overdue* when some unit not yet shipped is past the latest date of its current
ETA, or waits on a purchase order that is itself overdue (DOMAIN.md rule 11: those ETAs are no
longer trustworthy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.db import Dialect, connection, fetch
from domain.ordering.reads import order_views
from domain.ordering.views import OrderView
from domain.validation import clean_email, sku_shaped

MAX_PAGE = 100


@dataclass(frozen=True)
class OrderFilter:
    waiting: bool | None = None  # True: some unit waits; False: nothing waits
    overdue: bool | None = None
    sku: str | None = None  # has a line of this product
    customer_email: str | None = None


@dataclass(frozen=True)
class OrderPage:
    items: list[OrderView]
    has_next: bool


def _where(filter_: OrderFilter, today: dt.date, d: Dialect) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    values: list[object] = []
    if filter_.waiting is not None:
        exists = "EXISTS (SELECT 1 FROM order_line w WHERE w.order_id = o.id AND w.qty_waiting > 0)"
        clauses.append(exists if filter_.waiting else f"NOT {exists}")
    if filter_.overdue is not None:
        late = (
            "EXISTS (SELECT 1 FROM order_line v"
            " LEFT JOIN purchase_order_line pl ON pl.id = v.pegged_po_line_id"
            " LEFT JOIN purchase_order po ON po.id = pl.purchase_order_id"
            " WHERE v.order_id = o.id AND v.qty_waiting + v.qty_allocated > 0"
            f" AND (v.eta_latest < {d.date} OR (v.qty_waiting > 0 AND po.status = 'open'"
            f" AND po.expected_date < {d.date})))"
        )
        clauses.append(late if filter_.overdue else f"NOT {late}")
        values.extend([today, today])
    if filter_.sku and not sku_shaped(filter_.sku.strip()):
        clauses.append("1 = 0")  # no product has this SKU
    elif filter_.sku:
        clauses.append(
            "EXISTS (SELECT 1 FROM order_line s JOIN product p ON p.id = s.product_id"
            " WHERE s.order_id = o.id AND p.sku = ?)"
        )
        values.append(filter_.sku.strip())
    if filter_.customer_email:
        clauses.append("o.customer_id IN (SELECT id FROM customer WHERE email = ?)")
        values.append(clean_email(filter_.customer_email, field="filter.customerEmail"))
    return clauses, values


async def search_orders(
    filter_: OrderFilter, *, today: dt.date, before_id: int | None = None, first: int = 20
) -> OrderPage:
    """Orders newest first, ``first`` at most ``MAX_PAGE``, after the cursor ``before_id``."""
    first = max(0, min(first, MAX_PAGE))
    conn = connection()
    clauses, values = _where(filter_, today, Dialect(conn))
    if before_id is not None:
        clauses.append("o.id < ?")
        values.append(before_id)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await fetch(
        conn,
        f"SELECT o.id FROM customer_order o{where} ORDER BY o.id DESC LIMIT ?",
        [*values, first + 1],
    )
    ids = [row["id"] for row in rows[:first]]
    views = await order_views(ids)
    return OrderPage([views[i] for i in ids], len(rows) > first)
