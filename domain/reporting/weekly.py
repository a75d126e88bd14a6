"""Weekly figures for the staff reports: backlog beside recognised sales (rule 4), fill rate,
and promise accuracy. Each is one grouped statement; days are folded into weeks here.

- **Backlog value** at the end of a week: everything booked, less what was cancelled and what
  shipped (revenue recognised), up to that moment. **Recognised sales**: revenue recognised in
  the week.
- **Fill rate**: of the units of stocked products ordered in a week, the share that stock
  covered when the order was placed (the allocations made at that moment).
- **Promise accuracy**: of the lines whose promised latest date fell in a week (weeks up to
  today; cancelled lines left out), the share delivered within the promise: nothing left open,
  and the last parcel left early enough for the slowest transit (``transit_days_max``) to
  arrive by the promised latest date. A line still open past its promise counts as missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.context import Context
from domain.db import connection, fetch
from domain.reporting.sql import Days, cents_of
from domain.rows import as_date, cents
from domain.vocabulary import LedgerKind

WEEKS = 12


@dataclass(frozen=True)
class Week:
    start: dt.date  # a Monday

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=7)


@dataclass(frozen=True)
class MoneyWeek:
    week: Week
    backlog: Decimal  # at the end of the week (or now, for the current week)
    recognised: Decimal


@dataclass(frozen=True)
class ShareWeek:
    week: Week
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else 100.0 * self.part / self.whole


def weeks_up_to(today: dt.date, count: int = WEEKS) -> list[Week]:
    monday = today - dt.timedelta(days=today.weekday())
    return [Week(monday - dt.timedelta(weeks=n)) for n in range(count - 1, -1, -1)]


def _by_week(weeks: list[Week], day: dt.date) -> Week | None:
    for week in weeks:
        if week.start <= day < week.end:
            return week
    return None


def _first_moment(weeks: list[Week], ctx: Context) -> dt.datetime:
    """Where the report starts: midnight of its first Monday, in the store's zone."""
    return dt.datetime.combine(weeks[0].start, dt.time(), ctx.policy.zone)


async def backlog_and_sales(ctx: Context, weeks: list[Week]) -> list[MoneyWeek]:
    conn = connection()
    days = Days(conn, ctx.policy.zone, ctx.now)
    day, day_values = days.day("created_at")
    since = _first_moment(weeks, ctx)
    rows = await fetch(
        conn,
        "SELECT kind, day, SUM(amount) AS amount FROM ("
        f" SELECT kind, {day} AS day, {cents_of('amount')} AS amount FROM ledger_entry"
        f" WHERE created_at >= {days.ts}) t GROUP BY kind, day",
        [*day_values, days.timestamp(since)],
    )
    before = await fetch(
        conn,
        f"SELECT kind, SUM({cents_of('amount')}) AS amount FROM ledger_entry"
        f" WHERE created_at < {days.ts} GROUP BY kind",
        [days.timestamp(since)],
    )
    sign = {
        LedgerKind.BACKORDER_BOOKED.value: 1,
        LedgerKind.BACKORDER_CANCELLED.value: -1,
        LedgerKind.REVENUE_RECOGNISED.value: -1,
    }
    backlog = sum(sign.get(r["kind"], 0) * int(r["amount"] or 0) for r in before)
    change = {week: 0 for week in weeks}
    recognised = {week: 0 for week in weeks}
    for row in rows:
        week = _by_week(weeks, as_date(row["day"]))  # type: ignore[arg-type]
        if week is None:
            continue
        change[week] += sign.get(row["kind"], 0) * int(row["amount"] or 0)
        if row["kind"] == LedgerKind.REVENUE_RECOGNISED.value:
            recognised[week] += int(row["amount"] or 0)
    result = []
    for week in weeks:
        backlog += change[week]
        result.append(MoneyWeek(week, cents(backlog), cents(recognised[week])))
    return result


async def fill_rate(ctx: Context, weeks: list[Week]) -> list[ShareWeek]:
    conn = connection()
    days = Days(conn, ctx.policy.zone, ctx.now)
    day, day_values = days.day("l.placed_at")
    since = _first_moment(weeks, ctx)
    rows = await fetch(
        conn,
        "SELECT day, SUM(quantity) AS ordered, SUM(from_stock) AS from_stock FROM ("
        f" SELECT {day} AS day, l.quantity,"
        " COALESCE((SELECT SUM(a.quantity) FROM allocation a WHERE a.line_id = l.id"
        "  AND a.receipt_id IS NULL AND a.quantity > 0 AND a.created_at = l.placed_at), 0)"
        " AS from_stock FROM order_line l JOIN product p ON p.id = l.product_id"
        f" WHERE p.mode = 'stocked' AND l.placed_at >= {days.ts}) t GROUP BY day",
        [*day_values, days.timestamp(since)],
    )
    return _shares(
        weeks,
        [(as_date(r["day"]), int(r["from_stock"] or 0), int(r["ordered"] or 0)) for r in rows],
    )


async def promise_accuracy(ctx: Context, weeks: list[Week]) -> list[ShareWeek]:
    conn = connection()
    days = Days(conn, ctx.policy.zone, ctx.now)
    arrives, arrive_values = days.day("s.last_ship", ctx.policy.transit_days_max)
    rows = await fetch(
        conn,
        "SELECT l.promised_latest AS day, COUNT(*) AS lines,"
        " SUM(CASE WHEN l.qty_waiting + l.qty_allocated = 0 AND s.last_ship IS NOT NULL"
        f"  AND {arrives} <= l.promised_latest THEN 1 ELSE 0 END) AS kept"
        " FROM order_line l LEFT JOIN (SELECT sl.line_id, MAX(sh.shipped_at) AS last_ship"
        "  FROM shipment_line sl JOIN shipment sh ON sh.id = sl.shipment_id"
        "  WHERE sh.status = 'shipped' GROUP BY sl.line_id) s ON s.line_id = l.id"
        f" WHERE l.promised_latest >= {days.date} AND l.promised_latest < {days.date}"
        " AND l.quantity > l.qty_cancelled GROUP BY l.promised_latest",
        [*arrive_values, weeks[0].start, ctx.today],
    )
    return _shares(
        weeks, [(as_date(r["day"]), int(r["kept"] or 0), int(r["lines"] or 0)) for r in rows]
    )


def _shares(weeks: list[Week], rows: list[tuple[dt.date | None, int, int]]) -> list[ShareWeek]:
    part = {week: 0 for week in weeks}
    whole = {week: 0 for week in weeks}
    for day, kept, total in rows:
        week = _by_week(weeks, day) if day else None
        if week is not None:
            part[week] += kept
            whole[week] += total
    return [ShareWeek(week, part[week], whole[week]) for week in weeks]
