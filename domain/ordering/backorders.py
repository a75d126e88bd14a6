"""The backorder report: what waits, for how long, worth how much, and what supply is coming.

Money is summed in whole cents in SQL (SQLite would otherwise sum decimals as floats) and
turned back into ``Decimal`` here. The ledger figures follow rule 4: ordered units are booked
as backorders; revenue is recognised only when they ship.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.db import Dialect, connection, fetch
from domain.promises.remaining import remaining_sql
from domain.rows import as_date, as_datetime, cents, marks
from domain.vocabulary import AvailabilityMode, LedgerKind

MAX_PAGE = 100
_CENTS = "CAST(ROUND({} * 100) AS BIGINT)"


@dataclass(frozen=True)
class BackorderRow:
    product_id: int
    sku: str
    name: str
    mode: AvailabilityMode
    waiting_units: int
    waiting_lines: int
    orders: int
    oldest_placed_at: dt.datetime | None
    value: Decimal  # waiting units at their order prices
    backorder_cap: int | None
    next_expected: dt.date | None  # earliest open purchase order still to deliver
    open_po_units: int
    overdue_po_units: int


@dataclass(frozen=True)
class BackorderTotals:
    waiting_units: int
    waiting_lines: int
    orders: int
    value: Decimal
    booked: Decimal  # backorders booked, net of cancellations
    recognised: Decimal  # revenue recognised on shipment
    refunds_due: Decimal


@dataclass(frozen=True)
class BackorderPage:
    rows: list[BackorderRow]
    has_next: bool


@dataclass(frozen=True)
class RowCursor:
    waiting_units: int
    product_id: int


async def backorder_totals() -> BackorderTotals:
    conn = connection()
    waiting = (
        await fetch(
            conn,
            "SELECT COALESCE(SUM(qty_waiting), 0) AS units, COUNT(*) AS lines,"
            " COUNT(DISTINCT order_id) AS orders,"
            f" COALESCE(SUM(qty_waiting * {_CENTS.format('unit_price')}), 0) AS value"
            " FROM order_line WHERE qty_waiting > 0",
        )
    )[0]
    ledger = {
        row["kind"]: row["amount"]
        for row in await fetch(
            conn,
            f"SELECT kind, SUM({_CENTS.format('amount')}) AS amount"
            " FROM ledger_entry GROUP BY kind",
        )
    }
    booked = int(ledger.get(LedgerKind.BACKORDER_BOOKED.value, 0) or 0) - int(
        ledger.get(LedgerKind.BACKORDER_CANCELLED.value, 0) or 0
    )
    return BackorderTotals(
        int(waiting["units"]),
        int(waiting["lines"]),
        int(waiting["orders"]),
        cents(waiting["value"]),
        cents(booked),
        cents(ledger.get(LedgerKind.REVENUE_RECOGNISED.value, 0)),
        cents(ledger.get(LedgerKind.REFUND_DUE.value, 0)),
    )


async def backorder_rows(
    *, today: dt.date, after: RowCursor | None = None, first: int = 20
) -> BackorderPage:
    """Products with waiting units, most units waiting first."""
    first = max(0, min(first, MAX_PAGE))
    conn = connection()
    d = Dialect(conn)
    keyset, values = "", []
    if after is not None:
        keyset = " AND (p.waiting_units < ? OR (p.waiting_units = ? AND p.id > ?))"
        values = [after.waiting_units, after.waiting_units, after.product_id]
    products = await fetch(
        conn,
        "SELECT p.id, p.sku, p.name, p.mode, p.waiting_units, p.backorder_cap FROM product p"
        f" WHERE p.waiting_units > 0{keyset} ORDER BY p.waiting_units DESC, p.id LIMIT ?",
        [*values, first + 1],
    )
    page = products[:first]
    if not page:
        return BackorderPage([], False)
    ids = [row["id"] for row in page]
    queue = {
        row["product_id"]: row
        for row in await fetch(
            conn,
            "SELECT product_id, COUNT(*) AS lines, COUNT(DISTINCT order_id) AS orders,"
            f" MIN(placed_at) AS oldest, SUM(qty_waiting * {_CENTS.format('unit_price')}) AS value"
            f" FROM order_line WHERE qty_waiting > 0 AND product_id IN ({marks(ids)})"
            " GROUP BY product_id",
            ids,
        )
    }
    supply = {
        row["product_id"]: row
        for row in await fetch(
            conn,
            "SELECT l.product_id, MIN(o.expected_date) AS next_expected,"
            f" SUM({remaining_sql('l')}) AS units,"
            f" SUM(CASE WHEN o.expected_date < {d.date}"
            f"  THEN {remaining_sql('l')} ELSE 0 END) AS overdue"
            " FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id"
            f" WHERE o.status = 'open' AND NOT o.dropship AND l.product_id IN ({marks(ids)})"
            f" AND {remaining_sql('l')} > 0"
            " GROUP BY l.product_id",
            [today, *ids],
        )
    }
    rows = []
    for product in page:
        q = queue.get(product["id"], {})
        s = supply.get(product["id"], {})
        rows.append(
            BackorderRow(
                product["id"],
                product["sku"],
                product["name"],
                AvailabilityMode(product["mode"]),
                product["waiting_units"],
                int(q.get("lines", 0)),
                int(q.get("orders", 0)),
                as_datetime(q.get("oldest")),
                cents(q.get("value", 0)),
                product["backorder_cap"],
                as_date(s.get("next_expected")),
                int(s.get("units", 0) or 0),
                int(s.get("overdue", 0) or 0),
            )
        )
    return BackorderPage(rows, len(products) > first)
