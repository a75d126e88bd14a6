"""The staff dashboard: what is late first (rule 11), then what arrives this week, how long
units have waited, and which orders are past the date they were promised."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.db import Dialect, connection, fetch
from domain.purchasing.reads import PurchaseOrderView, purchase_orders_by_id
from domain.reporting.waiting import AgeBucket, waiting_by_age
from domain.rows import as_date, date_of

SHOWN = 20


@dataclass(frozen=True)
class LateOrder:
    """An order with open units whose ETA passes its promised date, or whose date passed."""

    order_id: int
    number: str
    email: str
    late_lines: int
    promised_latest: dt.date
    eta_latest: dt.date | None  # None: some late line's date is unknown
    days_late: int


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    overdue: list[PurchaseOrderView]
    due_this_week: list[PurchaseOrderView]
    waiting_by_age: list[AgeBucket]
    late_orders: list[LateOrder]
    late_orders_total: int

    @property
    def waiting_units(self) -> int:
        return sum(bucket.units for bucket in self.waiting_by_age)


async def _pos(where: str, values: list[object]) -> list[PurchaseOrderView]:
    rows = await fetch(
        connection(),
        f"SELECT id FROM purchase_order WHERE status = 'open' AND {where}"
        " ORDER BY expected_date, id LIMIT ?",
        [*values, SHOWN],
    )
    found = await purchase_orders_by_id([row["id"] for row in rows])
    return [found[row["id"]] for row in rows]


_LATE = (
    "l.qty_waiting + l.qty_allocated > 0 AND l.promised_latest IS NOT NULL"
    " AND (l.eta_latest IS NULL OR l.eta_latest > l.promised_latest OR l.promised_latest < {d})"
)


async def late_orders(today: dt.date, *, first: int = SHOWN) -> tuple[list[LateOrder], int]:
    """The latest first: by how many days the worst line misses its promise. And how many."""
    conn = connection()
    d = Dialect(conn)
    greatest = "GREATEST" if d.postgres else "MAX"
    late = _LATE.format(d=d.date)
    until = f"{greatest}(COALESCE(l.eta_latest, {d.date}), {d.date})"
    rows = await fetch(
        conn,
        "SELECT o.id, o.number, c.email, COUNT(*) AS lines, MIN(l.promised_latest) AS promised,"
        " MAX(l.eta_latest) AS eta, SUM(CASE WHEN l.eta_latest IS NULL THEN 1 ELSE 0 END)"
        f" AS unknown, MAX({d.days_between(until, 'l.promised_latest')}) AS days"
        " FROM order_line l JOIN customer_order o ON o.id = l.order_id"
        f" JOIN customer c ON c.id = o.customer_id WHERE {late}"
        " GROUP BY o.id, o.number, c.email ORDER BY days DESC, o.id LIMIT ?",
        [today, today, today, first],
    )
    total = await fetch(
        conn, f"SELECT COUNT(DISTINCT l.order_id) AS n FROM order_line l WHERE {late}", [today]
    )
    return [
        LateOrder(
            r["id"],
            r["number"],
            r["email"],
            int(r["lines"]),
            date_of(r["promised"]),
            None if int(r["unknown"] or 0) else as_date(r["eta"]),
            int(r["days"] or 0),
        )
        for r in rows
    ], int(total[0]["n"])


async def dashboard(*, now: dt.datetime, today: dt.date) -> Dashboard:
    d = Dialect(connection())
    overdue = await _pos(f"expected_date < {d.date}", [today])
    week = await _pos(
        f"expected_date >= {d.date} AND expected_date <= {d.date}",
        [today, today + dt.timedelta(days=6)],
    )
    late, total = await late_orders(today)
    return Dashboard(today, overdue, week, await waiting_by_age(now=now), late, total)
