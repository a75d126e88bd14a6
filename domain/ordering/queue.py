"""Set-based work over a product's queue: filling it from supply and recomputing its ETAs.

Each function runs a handful of statements whatever the queue's length. The queue order is
``priority DESC, placed_at, id`` (DOMAIN.md, "queue"); the window function below is its only
spelling.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.catalog.stock import adjust
from domain.context import Context
from domain.db import Dialect, execute, fetch
from domain.ordering.eta import (
    Bucket,
    ProductTerms,
    SupplyLine,
    Window,
    is_queue_driven,
    ready_window,
    supply_buckets,
)
from domain.ordering.models import EtaEvent
from domain.vocabulary import AvailabilityMode, EtaReason

QUEUE_ORDER = "priority DESC, placed_at, id"


def as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class ProductSupply:
    product_id: int
    terms: ProductTerms
    supply: list[SupplyLine]


async def load_supply(conn: BaseDBAsyncClient, product_id: int) -> ProductSupply:
    """The product's terms and its open PO lines: two small queries."""
    return ProductSupply(
        product_id, await load_terms(conn, product_id), await open_supply(conn, product_id)
    )


async def load_terms(conn: BaseDBAsyncClient, product_id: int) -> ProductTerms:
    rows = await fetch(
        conn,
        "SELECT p.mode, p.release_date, COALESCE(p.lead_time_days, s.lead_time_days) AS lead"
        " FROM product p LEFT JOIN supplier s ON s.id = p.supplier_id WHERE p.id = ?",
        [product_id],
    )
    row = rows[0]
    return ProductTerms(AvailabilityMode(row["mode"]), as_date(row["release_date"]), row["lead"])


async def open_supply(conn: BaseDBAsyncClient, product_id: int) -> list[SupplyLine]:
    """The product's open PO lines with units still to come."""
    rows = await fetch(
        conn,
        "SELECT l.id, o.expected_date, l.quantity - l.quantity_received - l.quantity_cancelled"
        " AS remaining FROM purchase_order_line l"
        " JOIN purchase_order o ON o.id = l.purchase_order_id"
        " WHERE l.product_id = ? AND o.status = 'open'"
        " AND l.quantity - l.quantity_received - l.quantity_cancelled > 0",
        [product_id],
    )
    return [
        SupplyLine(r["id"], as_date(r["expected_date"]), r["remaining"])  # type: ignore[arg-type]
        for r in rows
    ]


async def fill_queue(
    conn: BaseDBAsyncClient,
    product_id: int,
    units: int,
    *,
    receipt_id: int | None,
    now: dt.datetime,
) -> int:
    """Give ``units`` to the queue first come, first served; return how many it took.

    The caller puts what is left in stock, and must hold the product row (guarded update) so
    that no concurrent fill sees the same queue.
    """
    if units <= 0:
        return 0
    d = Dialect(conn)
    fills = (
        f"SELECT id, {d.least('qty_waiting', '? - (cum - qty_waiting)')} AS fill FROM ("
        f" SELECT id, qty_waiting, SUM(qty_waiting) OVER (ORDER BY {QUEUE_ORDER}"
        "  ROWS UNBOUNDED PRECEDING) AS cum"
        " FROM order_line WHERE product_id = ? AND qty_waiting > 0) q"
        " WHERE cum - qty_waiting < ?"
    )
    fill_values = [units, product_id, units]
    # The three statements read the same queue: the lines change only in the last one.
    taken = await fetch(conn, f"SELECT COALESCE(SUM(fill), 0) AS n FROM ({fills}) f", fill_values)
    await execute(
        conn,
        "INSERT INTO allocation (line_id, receipt_id, quantity, created_at)"
        f" SELECT id, ?, fill, {d.timestamp} FROM ({fills}) f",
        [receipt_id, now, *fill_values],
    )
    await execute(
        conn,
        f"WITH f AS ({fills}) UPDATE order_line SET qty_waiting = qty_waiting - f.fill,"
        " qty_allocated = qty_allocated + f.fill FROM f WHERE order_line.id = f.id",
        fill_values,
    )
    return int(taken[0]["n"])


def _case(d: Dialect, buckets: list[Bucket], pick: str) -> tuple[str, list[object]]:
    """A CASE over the cumulative position choosing each bucket's value."""
    parts: list[str] = ["CASE"]
    values: list[object] = []
    for bucket in buckets:
        parts.append("WHEN cum <= ? THEN")
        values.append(bucket.upto)
        if pick == "po":
            parts.append("CAST(? AS INTEGER)")
            values.append(bucket.po_line_id)
        elif pick == "basis":
            parts.append("?")
            values.append(bucket.window.basis.value)
        else:
            parts.append(d.date)
            values.append(getattr(bucket.window, pick))
    parts.append("END")
    return " ".join(parts), values


def _target_sql(
    d: Dialect, product_id: int, buckets: list[Bucket], ready: Window
) -> tuple[str, list[object]]:
    """A query of every unshipped line of the product with its new window.

    Waiting lines take their bucket; lines with no units waiting take the ready window,
    unless they already have it.
    """
    cols, values = [], []
    for pick, ready_value in (
        ("earliest", ready.earliest),
        ("latest", ready.latest),
        ("basis", ready.basis.value),
        ("po", None),
    ):
        case, case_values = _case(d, buckets, pick)
        param = {"earliest": d.date, "latest": d.date, "basis": "?", "po": "CAST(? AS INTEGER)"}[
            pick
        ]
        keep = {
            "earliest": "eta_earliest",
            "latest": "eta_latest",
            "basis": "eta_basis",
            "po": "pegged_po_line_id",
        }[pick]
        cols.append(
            f"CASE WHEN qty_waiting > 0 THEN {case}"
            f" WHEN eta_basis = ? THEN {keep} ELSE {param} END AS new_{pick}"
        )
        values.extend(case_values)
        values.extend([ready.basis.value, ready_value])
    query = (
        "SELECT id, order_id, eta_earliest, eta_latest, eta_basis, pegged_po_line_id,"
        " promised_latest, consented_latest, " + ", ".join(cols) + " FROM ("
        f" SELECT *, SUM(qty_waiting) OVER (ORDER BY {QUEUE_ORDER} ROWS UNBOUNDED PRECEDING)"
        " AS cum FROM order_line WHERE product_id = ? AND (qty_waiting > 0 OR qty_allocated > 0)"
        ") q"
    )
    values.append(product_id)
    return query, values


CHANGED = (
    "(t.eta_earliest IS DISTINCT FROM t.new_earliest OR t.eta_latest IS DISTINCT FROM t.new_latest"
    " OR t.eta_basis IS DISTINCT FROM t.new_basis)"
)


@dataclass(frozen=True)
class Recomputed:
    event_id: int | None
    lines_moved: int
    orders_moved: int
    emails_queued: int
    delay_notices: int


async def recompute_queues(
    conn: BaseDBAsyncClient,
    product_ids: list[int],
    ctx: Context,
    reason: EtaReason,
    detail: str = "",
) -> Recomputed:
    """DOMAIN.md rule 8: recompute every unshipped line's ETA; record, notice and email.

    One event covers every product it touched, so an order hears once per event. Statements:
    the event; per product the history rows and the line update; then superseded and new
    delay notices and the outbox rows. Each runs over whole queues at once.
    """
    products = sorted(set(product_ids))
    event = await EtaEvent.create(
        product_id=products[0] if len(products) == 1 else None,
        reason=reason,
        detail=detail[:500],
        actor=str(ctx.actor),
        created_at=ctx.now,
        using_db=conn,
    )
    lines_moved = 0
    for product_id in products:
        lines_moved += await _redate_product(conn, product_id, event.id, ctx)
    if lines_moved == 0:
        await execute(conn, "DELETE FROM eta_event WHERE id = ?", [event.id])
        return Recomputed(None, 0, 0, 0, 0)
    d = Dialect(conn)
    notices = await _issue_delay_notices(conn, d, event.id, ctx)
    emails = await _queue_eta_emails(conn, d, event.id, ctx)
    orders = await fetch(
        conn,
        "SELECT COUNT(DISTINCT l.order_id) AS n FROM eta_change c"
        " JOIN order_line l ON l.id = c.line_id WHERE c.event_id = ?",
        [event.id],
    )
    return Recomputed(event.id, lines_moved, int(orders[0]["n"]), emails, notices)


async def _redate_product(
    conn: BaseDBAsyncClient, product_id: int, event_id: int, ctx: Context
) -> int:
    """History rows for the lines whose window changes, then the lines themselves."""
    supply = await load_supply(conn, product_id)
    if not is_queue_driven(supply.terms.mode):
        return 0
    buckets = supply_buckets(supply.terms, supply.supply, ctx.today, ctx.policy)
    ready = ready_window(supply.terms, ctx.today, ctx.policy)
    d = Dialect(conn)
    target, target_values = _target_sql(d, product_id, buckets, ready)
    threshold = ctx.policy.email_threshold_days
    moved_early = d.days_between("t.new_earliest", "t.eta_earliest")
    moved_late = d.days_between("t.new_latest", "t.eta_latest")
    material = (
        "(t.new_earliest IS NULL OR t.eta_earliest IS NULL OR t.new_latest IS NULL"
        f" OR t.eta_latest IS NULL OR ABS({moved_early}) >= ? OR ABS({moved_late}) >= ?)"
    )
    moved = await execute(
        conn,
        "INSERT INTO eta_change (line_id, event_id, old_earliest, old_latest, old_basis,"
        " new_earliest, new_latest, new_basis, material)"
        " SELECT t.id, ?, t.eta_earliest, t.eta_latest, t.eta_basis, t.new_earliest,"
        f" t.new_latest, t.new_basis, {material}"
        f" FROM ({target}) t WHERE {CHANGED}",
        [event_id, threshold, threshold, *target_values],
    )
    await execute(
        conn,
        f"WITH t AS ({target})"
        " UPDATE order_line SET eta_earliest = t.new_earliest, eta_latest = t.new_latest,"
        " eta_basis = t.new_basis, pegged_po_line_id = t.new_po FROM t"
        f" WHERE order_line.id = t.id AND ({CHANGED}"
        " OR t.pegged_po_line_id IS DISTINCT FROM t.new_po)",
        target_values,
    )
    return moved


async def _issue_delay_notices(
    conn: BaseDBAsyncClient, d: Dialect, event_id: int, ctx: Context
) -> int:
    """Rule 10: a line whose new latest date passes what the customer accepted gets a notice.

    Any open notice of a line that moved is superseded: the newest window is the one to answer.
    A second delay past a date the customer already consented to requires an explicit answer.
    """
    reference = "COALESCE(l.consented_latest, l.promised_latest)"
    await execute(
        conn,
        "UPDATE delay_notice SET status = 'superseded' WHERE status = 'open' AND line_id IN"
        " (SELECT line_id FROM eta_change WHERE event_id = ?)",
        [event_id],
    )
    deadline = ctx.today + dt.timedelta(days=ctx.policy.delay_answer_days)
    return await execute(
        conn,
        "INSERT INTO delay_notice (order_id, line_id, event_id, previous_latest, new_earliest,"
        " new_latest, requires_answer, deadline, status, created_at)"
        f" SELECT l.order_id, l.id, c.event_id, {reference}, c.new_earliest, c.new_latest,"
        f" l.consented_latest IS NOT NULL, {d.date}, 'open', {d.timestamp}"
        " FROM eta_change c JOIN order_line l ON l.id = c.line_id"
        f" WHERE c.event_id = ? AND c.new_latest > {reference}",
        [deadline, ctx.now, event_id],
    )


async def _queue_eta_emails(
    conn: BaseDBAsyncClient, d: Dialect, event_id: int, ctx: Context
) -> int:
    """Rule 9: one email per order per event, a delay notice where any line has one.

    The orders are one IN over a UNION, not two INs joined by OR: PostgreSQL cannot use the
    primary key for the OR and scanned every order (and customer) for each event.
    """
    return await execute(
        conn,
        "INSERT INTO outbox_message (kind, recipient, order_id, event_id, payload, message_id,"
        " status, attempts, next_attempt_at, last_error, created_at)"
        " SELECT CASE WHEN EXISTS (SELECT 1 FROM delay_notice n WHERE n.event_id = ?"
        "   AND n.order_id = o.id) THEN 'delay_notice' ELSE 'eta_changed' END,"
        f" c.email, o.id, ?, '{{}}', {d.random_hex}, 'pending', 0, {d.timestamp}, '',"
        f" {d.timestamp}"
        " FROM customer_order o JOIN customer c ON c.id = o.customer_id"
        " WHERE o.id IN (SELECT l.order_id FROM eta_change ch JOIN order_line l ON l.id"
        " = ch.line_id"
        "  WHERE ch.event_id = ? AND ch.material"
        "  UNION SELECT order_id FROM delay_notice WHERE event_id = ?)",
        [event_id, event_id, ctx.now, ctx.now, event_id, event_id],
    )


async def supply_units(
    conn: BaseDBAsyncClient,
    product_id: int,
    units: int,
    *,
    receipt_id: int | None,
    now: dt.datetime,
) -> int:
    """DOMAIN.md rule 6 and 13: units arriving or returned fill the queue, the rest is stock.

    The caller holds the product row. Returns how many units went to waiting lines.
    """
    taken = await fill_queue(conn, product_id, units, receipt_id=receipt_id, now=now)
    await adjust(conn, product_id, on_hand=units - taken, waiting_units=-taken)
    return taken
