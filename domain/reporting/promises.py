"""The promise figures of DOMAIN.md rule 22, read from what the store recorded.

Two statements, one per kind of row; :mod:`domain.reporting.promise_figures` does the sums.

- **Delivered.** A line is delivered once nothing of it is left to ship (no unit waiting or
  allocated; at least one shipped). The store records when a parcel leaves, not when it
  arrives, and its windows are arrival windows (ship day plus transit): a line counts as
  delivered *by* the store day its last parcel shipped plus the slowest transit
  (``transit_days_max``), the same day the weekly promise accuracy judges. Lines without a
  promised window (none was given) are left out.
- **First promise**: ``promised_latest``, the window given when the order was placed.
- **Last window told**: the newest ETA change of the line, before its last parcel shipped,
  that the customer was told about: a material change (emailed, rule 9) or one that came with
  a delay notice (rule 10). Without one, the first promise is the last window told. Under
  ``ship_complete`` the customer is told the parcel's window, not each line's
  (:func:`domain.ordering.together.shown_windows`): the lines that left in one parcel are
  judged by the latest date told for any of them.
- **Delay notices** are judged by the day they were sent (recorded) against the latest date
  then in force: the date the line's previous notice told, whether answered or replaced by
  this one, else ``previous_latest`` (the promised or consented date it warned about). A
  notice that replaces an unanswered one tells a further slip of a delay already told. Under
  ``ship_complete`` the previous notice is the order's: they all told the parcel's date.
- **ETA emails** about a line: outbox rows of the kinds ``eta_changed`` and ``delay_notice``
  for its order and an event in which the line moved materially or got a notice; rows
  superseded by a newer one before sending, or given up on, reached nobody and do not count.
  Sent rows older than ``sent_mail_retention_days`` are deleted by housekeeping (the newest
  per order is kept), so older weeks can count fewer.
- **Supplier**: the supplier of the purchase order whose receipt filled the line (the last
  one, if several); else of the PO the line is pegged to; else ``stock`` for a line filled
  from stock on hand; else ``none``.

Lines are grouped by the ISO week they were delivered by, notices by the week they were sent.
"""

from __future__ import annotations

import datetime as dt

from domain.context import Context
from domain.db import connection, fetch
from domain.errors import InvalidInput
from domain.reporting.promise_figures import (
    NONE,
    STOCK,
    DeliveredLine,
    NoticeRow,
    PromiseReport,
    monday,
    promise_report,
)
from domain.reporting.sql import Days
from domain.rows import as_date, day, moment
from domain.vocabulary import EtaBasis, ShipPreference

MAX_WEEKS = 52


def _supplier_of(line: str) -> str:
    """The supplier a line's supply came (or is to come) from, or STOCK, or NONE."""
    return (
        "COALESCE("
        " (SELECT sp.name FROM allocation a JOIN receipt r ON r.id = a.receipt_id"
        "  JOIN purchase_order po ON po.id = r.purchase_order_id"
        "  JOIN supplier sp ON sp.id = po.supplier_id"
        f"  WHERE a.line_id = {line}.id AND a.quantity > 0 ORDER BY a.id DESC LIMIT 1),"
        " (SELECT sp.name FROM purchase_order_line pl"
        "  JOIN purchase_order po ON po.id = pl.purchase_order_id"
        "  JOIN supplier sp ON sp.id = po.supplier_id"
        f"  WHERE pl.id = {line}.pegged_po_line_id),"
        f" (SELECT '{STOCK}' FROM allocation a WHERE a.line_id = {line}.id AND a.quantity > 0"
        "  LIMIT 1),"
        f" '{NONE}')"
    )


_TOLD = (
    "(c.material OR EXISTS (SELECT 1 FROM delay_notice n WHERE n.line_id = c.line_id"
    " AND n.event_id = c.event_id))"
)

_DELIVERED = (
    "SELECT l.id, l.order_id, o.ship_preference, l.promised_latest, l.promised_basis,"
    " s.last_ship,"
    f" {_supplier_of('l')} AS supplier,"
    " (SELECT c.new_latest FROM eta_change c JOIN eta_event e ON e.id = c.event_id"
    f"  WHERE c.line_id = l.id AND e.created_at <= s.last_ship AND {_TOLD}"
    "  ORDER BY c.id DESC LIMIT 1) AS told_latest,"
    " (SELECT COUNT(*) FROM outbox_message m WHERE m.order_id = l.order_id"
    "  AND m.kind IN ('eta_changed', 'delay_notice') AND m.status IN ('pending', 'sent')"
    "  AND m.event_id IN (SELECT c.event_id FROM eta_change c WHERE c.line_id = l.id"
    f"   AND {_TOLD})) AS eta_emails,"
    " EXISTS (SELECT 1 FROM eta_change c WHERE c.line_id = l.id AND c.old_basis IS NOT NULL"
    "  AND c.old_basis <> 'in_stock') AS waited_later"
    " FROM order_line l JOIN customer_order o ON o.id = l.order_id"
    " JOIN (SELECT sl.line_id, MAX(sh.shipped_at) AS last_ship"
    "  FROM shipment_line sl JOIN shipment sh ON sh.id = sl.shipment_id"
    "  WHERE sh.status = 'shipped' GROUP BY sl.line_id) s ON s.line_id = l.id"
    " WHERE l.qty_waiting = 0 AND l.qty_allocated = 0 AND l.qty_shipped > 0"
    " AND l.promised_latest IS NOT NULL AND s.last_ship >= {since}"
)

_NOTICES = (
    "SELECT n.created_at, COALESCE((SELECT p.new_latest FROM delay_notice p"
    " WHERE p.id < n.id AND (p.line_id = n.line_id OR (p.order_id = n.order_id"
    f" AND o.ship_preference = '{ShipPreference.SHIP_COMPLETE.value}'))"
    " ORDER BY p.id DESC LIMIT 1),"
    f" n.previous_latest) AS in_force, {_supplier_of('l')} AS supplier"
    " FROM delay_notice n JOIN order_line l ON l.id = n.line_id"
    " JOIN customer_order o ON o.id = n.order_id"
    " WHERE n.previous_latest IS NOT NULL AND n.created_at >= {since}"
)


def _waited(basis: object, waited_later: object) -> bool:
    """A line waited if its promise was not stock on hand, or any later window was not."""
    return str(basis) != EtaBasis.IN_STOCK.value or bool(waited_later)


def told_per_parcel(rows: list[dict]) -> dict[int, dt.date]:
    """Each line's last told latest date; under ``ship_complete``, its parcel's."""
    own = {row["id"]: as_date(row["told_latest"]) or day(row["promised_latest"]) for row in rows}
    parcels: dict[tuple[object, object], dt.date] = {}
    for row in rows:
        if row["ship_preference"] == ShipPreference.SHIP_COMPLETE.value:
            key = (row["order_id"], row["last_ship"])
            parcels[key] = max(parcels.get(key, own[row["id"]]), own[row["id"]])
    return {
        row["id"]: parcels.get((row["order_id"], row["last_ship"]), own[row["id"]]) for row in rows
    }


async def promises(ctx: Context, *, weeks: int = 12) -> PromiseReport:
    """The promise figures for the last ``weeks`` ISO weeks up to this one (1 to MAX_WEEKS)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput(f"Ask for 1 to {MAX_WEEKS} weeks.", field="weeks")
    last = monday(ctx.today)
    first = last - dt.timedelta(weeks=weeks - 1)
    lines, notices = await promise_rows(ctx, since=first)
    return promise_report(lines, notices, first=first, last=last)


async def promise_rows(
    ctx: Context, *, since: dt.date
) -> tuple[list[DeliveredLine], list[NoticeRow]]:
    """The delivered lines and delay notices that can fall on or after ``since``."""
    zone = ctx.policy.zone
    transit = dt.timedelta(days=ctx.policy.transit_days_max)
    conn = connection()
    days = Days(conn, zone, ctx.now)
    start = dt.datetime.combine(since - transit - dt.timedelta(days=1), dt.time(), zone)
    rows = await fetch(conn, _DELIVERED.format(since=days.ts), [days.timestamp(start)])
    told = told_per_parcel(rows)
    lines = [
        DeliveredLine(
            supplier=str(row["supplier"]),
            delivered=moment(row["last_ship"]).astimezone(zone).date() + transit,
            promised_latest=day(row["promised_latest"]),
            told_latest=told[row["id"]],
            waited=_waited(row["promised_basis"], row["waited_later"]),
            eta_emails=int(row["eta_emails"] or 0),
        )
        for row in rows
    ]
    notices = [
        NoticeRow(
            supplier=str(row["supplier"]),
            sent=moment(row["created_at"]).astimezone(zone).date(),
            in_force=day(row["in_force"]),
        )
        for row in await fetch(conn, _NOTICES.format(since=days.ts), [days.timestamp(start)])
    ]
    return lines, notices
