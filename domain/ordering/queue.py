"""Set-based work over a product's queue: filling it from supply and recomputing its ETAs.

Each function runs a handful of statements whatever the queue's length, and whatever the
number of products: products are handled together, a few hundred per statement (each
statement's parameters stay within ``MAX_PARAMETERS``), never one statement per product or
line. The queue order is ``priority DESC, placed_at, id`` (DOMAIN.md, "queue"); the window
function below is its only spelling.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.catalog.availability_events import announce_availability, availability_wanted
from domain.catalog.stock import adjust, adjust_many
from domain.context import Context
from domain.db import MAX_PARAMETERS, Dialect, execute, fetch, packed
from domain.ordering.models import EtaEvent
from domain.promises.eta import (
    Bucket,
    SupplyLine,
    Window,
    is_queue_driven,
    ready_window,
    supply_buckets,
)
from domain.promises.remaining import remaining_sql
from domain.promises.slip_histories import VERSION as SLIPS_VERSION
from domain.promises.slip_histories import recent_slip_histories, slip_histories
from domain.promises.slips import SlipHistory
from domain.promises.supplies import (
    OPEN_SUPPLY,
    SUPPLY_COLUMNS,
    load_supplies,
    supply_line,
)
from domain.request_ids import current_request_id
from domain.vocabulary import EtaReason, ShipPreference
from domain.webhooks import hooks as webhooks


def queue_order(line: str = "") -> str:
    """SQL: the queue order of waiting lines (DOMAIN.md, "queue"), of the order_line aliased
    ``line`` when the query joins others."""
    at = f"{line}." if line else ""
    return f"{at}priority DESC, {at}placed_at, {at}id"


QUEUE_ORDER = queue_order()


@dataclass(frozen=True)
class QueuePlace:
    """What a new waiting line of one product is placed by: the product's open supply, and the
    waiting units of lower priority that the line stands ahead of."""

    supply: list[SupplyLine]
    behind: int


async def queue_places(
    conn: BaseDBAsyncClient, supplier_of: dict[int, int | None], priority: int
) -> tuple[dict[int, QueuePlace], dict[int, SlipHistory]]:
    """For each product (id: its supplier), its open PO lines and the waiting units of lines
    below ``priority``: one statement for all of them, with the receipts' version for the
    suppliers' slips (``recent_slip_histories``: read again only when a receipt came; returned
    too, by supplier: the products' terms carry their own supplier's). For a transaction that
    records no receipt (placing an order).

    Read after the products' reservations, while their rows are held, so the counts are the
    queue this order joins.
    """
    product_ids = sorted(supplier_of)
    rows: list[dict] = []
    for group in packed(product_ids, lambda _: 1, MAX_PARAMETERS - 1):
        rows += await fetch(
            conn,
            "SELECT p.id AS product_id, (SELECT COALESCE(SUM(w.qty_waiting), 0) FROM order_line w"
            " WHERE w.product_id = p.id AND w.qty_waiting > 0 AND w.priority < ?) AS behind,"
            f" {SUPPLY_COLUMNS}, {SLIPS_VERSION} AS slips_version"
            " FROM product p LEFT JOIN (purchase_order_line l"
            " JOIN purchase_order o ON o.id = l.purchase_order_id AND o.status = 'open')"
            " ON l.product_id = p.id"
            f" AND {remaining_sql('l')} > 0"
            f" WHERE p.id IN ({', '.join('?' for _ in group)})",
            [priority, *group],
        )
    wanted = {row["supplier_id"] for row in rows if row["id"] is not None}
    wanted |= {sid for sid in supplier_of.values() if sid is not None}
    # The kept histories while no receipt came: this transaction records none.
    slips = await recent_slip_histories(conn, wanted, rows[0]["slips_version"] if rows else None)
    supply: dict[int, list[SupplyLine]] = {product_id: [] for product_id in product_ids}
    behind: dict[int, int] = {}
    for row in rows:
        behind[row["product_id"]] = int(row["behind"])
        if row["id"] is not None:
            supply[row["product_id"]].append(supply_line(row, slips))
    return (
        {pid: QueuePlace(supply[pid], behind[pid]) for pid in product_ids if pid in behind},
        slips,
    )


async def open_supply(conn: BaseDBAsyncClient, product_id: int) -> list[SupplyLine]:
    """The product's open PO lines with units still to come, with their suppliers' slips."""
    rows = await fetch(
        conn, f"SELECT {SUPPLY_COLUMNS} FROM {OPEN_SUPPLY} AND l.product_id = ?", [product_id]
    )
    slips = await slip_histories(conn, {row["supplier_id"] for row in rows})
    return [supply_line(row, slips) for row in rows]


async def fill_queues(
    conn: BaseDBAsyncClient,
    units: dict[int, int],
    *,
    receipt_id: int | None,
    now: dt.datetime,
) -> dict[int, int]:
    """Give each product's ``units`` to its queue first come, first served; return how many
    each queue took.

    A custom build's line is no place in these queues: it waits for the unit made for it
    (:func:`fill_build_line`), never a neighbour's of another configuration.
    The caller puts what is left in stock, and must hold the product rows (guarded update) so
    that no concurrent fill sees the same queues.
    """
    taken = {product_id: 0 for product_id in units}
    products = sorted(product_id for product_id, n in units.items() if n > 0)
    d = Dialect(conn)
    fill = d.least("q.qty_waiting", "u.units - (q.cum - q.qty_waiting)")
    for group in packed(products, lambda _: 2):
        arriving = ", ".join(f"({d.integer}, {d.integer})" for _ in group)
        fills = (
            f"WITH u(product_id, units) AS (VALUES {arriving}),"
            " q AS (SELECT id, product_id, qty_waiting, SUM(qty_waiting) OVER (PARTITION BY"
            f" product_id ORDER BY {QUEUE_ORDER} ROWS UNBOUNDED PRECEDING) AS cum"
            " FROM order_line WHERE product_id IN (SELECT product_id FROM u) AND qty_waiting > 0"
            "  AND build_request_id IS NULL)"
            f" SELECT q.id, q.product_id, {fill} AS fill FROM q"
            " JOIN u ON u.product_id = q.product_id WHERE q.cum - q.qty_waiting < u.units"
        )
        fill_values = [value for product_id in group for value in (product_id, units[product_id])]
        if d.postgres:
            # One statement: the queues are read and the fills computed once, not three times.
            for row in await fetch(
                conn,
                f"WITH f AS MATERIALIZED ({fills}),"
                " a AS (INSERT INTO allocation (line_id, receipt_id, quantity, created_at)"
                f" SELECT id, {d.integer}, fill, {d.timestamp} FROM f RETURNING 1),"
                " u AS (UPDATE order_line SET qty_waiting = qty_waiting - f.fill,"
                " qty_allocated = qty_allocated + f.fill FROM f WHERE order_line.id = f.id"
                " RETURNING 1)"
                " SELECT product_id, SUM(fill) AS n FROM f GROUP BY product_id",
                [*fill_values, receipt_id, now],
            ):
                taken[row["product_id"]] = int(row["n"])
            continue
        # The three statements read the same queues: the lines change only in the last one.
        for row in await fetch(
            conn,
            f"SELECT product_id, SUM(fill) AS n FROM ({fills}) f GROUP BY product_id",
            fill_values,
        ):
            taken[row["product_id"]] = int(row["n"])
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
    return taken


async def peg_build_line(conn: BaseDBAsyncClient, build_request_id: int, po_line_id: int) -> bool:
    """Peg a custom build's waiting line to the PO line made for it; False when the build no
    longer waits, or already has a unit on order (pegged to a line with units still to come).
    """
    return (
        await execute(
            conn,
            "UPDATE order_line SET pegged_po_line_id = ? WHERE build_request_id = ?"
            " AND qty_waiting > 0 AND (pegged_po_line_id IS NULL OR NOT EXISTS ("
            "  SELECT 1 FROM purchase_order_line p WHERE p.id = order_line.pegged_po_line_id"
            f"  AND {remaining_sql('p')} > 0))",
            [po_line_id, build_request_id],
        )
        == 1
    )


async def fill_build_line(
    conn: BaseDBAsyncClient,
    po_line_id: int,
    units: int,
    *,
    receipt_id: int | None,
    now: dt.datetime,
) -> int:
    """Give ``units`` of a PO line made for a custom build to that build's line, only to it.

    Returns how many it took (none when the build was cancelled meanwhile). Guarded and
    relative like every stock write: the line must still wait for what it is given. The
    caller holds the product row.
    """
    rows = await fetch(
        conn,
        "SELECT id, product_id, qty_waiting FROM order_line WHERE pegged_po_line_id = ?"
        " AND build_request_id IS NOT NULL AND qty_waiting > 0 ORDER BY id LIMIT 1",
        [po_line_id],
    )
    if units <= 0 or not rows:
        return 0
    line_id, product_id = rows[0]["id"], rows[0]["product_id"]
    fill = min(units, int(rows[0]["qty_waiting"]))
    changed = await execute(
        conn,
        "UPDATE order_line SET qty_waiting = qty_waiting - ?, qty_allocated = qty_allocated + ?"
        " WHERE id = ? AND qty_waiting >= ?",
        [fill, fill, line_id, fill],
    )
    if changed != 1:
        return 0
    d = Dialect(conn)
    await execute(
        conn,
        "INSERT INTO allocation (line_id, receipt_id, quantity, created_at)"
        f" VALUES (?, ?, ?, {d.timestamp})",
        [line_id, receipt_id, fill, now],
    )
    await adjust(conn, product_id, waiting_units=-fill)
    return fill


@dataclass(frozen=True)
class _Plan:
    """Where (part of) a product's queue now stands: supply buckets, each with the position
    it starts after, and the ready window, applied by the part that carries ``with_ready``."""

    product_id: int
    buckets: list[tuple[int, Bucket]]
    ready: Window
    with_ready: bool

    @property
    def parameters(self) -> int:
        return 5 + 7 * len(self.buckets)


def _plans(product_id: int, buckets: list[Bucket], ready: Window) -> list[_Plan]:
    """A product's plan, cut so that no part needs more than ``MAX_PARAMETERS``: a product
    with thousands of open PO lines is redated over several statements, not one."""
    spans, lo = [], 0
    for bucket in buckets:
        spans.append((lo, bucket))
        lo = bucket.upto
    size = (MAX_PARAMETERS - 5) // 7
    return [
        _Plan(product_id, spans[start : start + size], ready, start == 0)
        for start in range(0, len(spans), size)
    ]


def _target_sql(d: Dialect, plans: list[_Plan], today: dt.date) -> tuple[str, list[object]]:
    """A query of the unshipped lines of these products with their new windows.

    Waiting lines take the bucket that covers their cumulative position (``lo < cum <= hi``);
    lines with no units waiting take the ready window, unless they already have one that has
    not begun (rule 18: units still on the shelf when their window begins are dated again from
    today). A line
    whose bucket is in another part of the product's plan is left to that part.
    """
    merged: dict[int, tuple[list[tuple[int, Bucket]], Window, bool]] = {}
    for plan in plans:
        spans, ready_window_, with_ready = merged.get(plan.product_id, ([], plan.ready, False))
        merged[plan.product_id] = (
            spans + plan.buckets,
            ready_window_,
            with_ready or plan.with_ready,
        )
    buckets: list[str] = []
    ready: list[str] = []
    values: list[object] = []
    ready_values: list[object] = []
    for product_id, (spans, window, with_ready) in merged.items():
        for lo, bucket in spans:
            buckets.append(
                f"({d.integer}, {d.integer}, {d.integer}, {d.date}, {d.date}, {d.text},"
                f" {d.integer})"
            )
            values += [product_id, lo, bucket.upto, bucket.window.earliest, bucket.window.latest]
            values += [bucket.window.basis.value, bucket.po_line_id]
        ready.append(f"({d.integer}, {d.date}, {d.date}, {d.text}, {d.integer})")
        ready_values += [product_id, window.earliest, window.latest, window.basis.value]
        ready_values.append(1 if with_ready else 0)
    if not buckets:  # only ready windows in this part: a bucket that matches no line
        buckets.append(
            f"({d.integer}, {d.integer}, {d.integer}, {d.date}, {d.date}, {d.text}, {d.integer})"
        )
        values += [0, 0, 0, None, None, None, None]

    def pick(bucket: str, keep: str, ready_value: str) -> str:
        waiting = _held_latest(d) if bucket == "latest" else f"b.{bucket}"
        return (
            f"CASE WHEN q.qty_waiting > 0 THEN {waiting} WHEN q.eta_basis = r.basis"
            f" AND (q.held = 1 OR q.eta_earliest > {d.date}) THEN q.{keep} ELSE {ready_value} END"
        )

    query = (
        f"WITH b(product_id, lo, hi, earliest, latest, basis, po) AS (VALUES {', '.join(buckets)}),"
        f" r(product_id, earliest, latest, basis, with_ready) AS (VALUES {', '.join(ready)}),"
        " q AS (SELECT id, order_id, product_id, qty_waiting, eta_earliest, eta_latest, eta_basis,"
        f" pegged_po_line_id, promised_latest, consented_latest, {HELD} AS held,"
        " SUM(qty_waiting) OVER"
        f" (PARTITION BY product_id ORDER BY {QUEUE_ORDER} ROWS UNBOUNDED PRECEDING) AS cum"
        " FROM order_line WHERE product_id IN (SELECT product_id FROM r)"
        " AND (qty_waiting > 0 OR qty_allocated > 0) AND NOT dropship)"
        " SELECT q.id, q.order_id, q.eta_earliest, q.eta_latest, q.eta_basis,"
        " q.pegged_po_line_id, q.promised_latest, q.consented_latest,"
        f" {pick('earliest', 'eta_earliest', 'r.earliest')} AS new_earliest,"
        f" {pick('latest', 'eta_latest', 'r.latest')} AS new_latest,"
        f" {pick('basis', 'eta_basis', 'r.basis')} AS new_basis,"
        f" {pick('po', 'pegged_po_line_id', 'NULL')} AS new_po"
        " FROM q JOIN r ON r.product_id = q.product_id LEFT JOIN b ON b.product_id = q.product_id"
        " AND q.qty_waiting > 0 AND q.cum > b.lo AND q.cum <= b.hi"
        " WHERE (q.qty_waiting > 0 AND b.product_id IS NOT NULL)"
        " OR (q.qty_waiting = 0 AND r.with_ready = 1)"
    )
    return query, values + ready_values + [today] * 4


_COMPLETE = ShipPreference.SHIP_COMPLETE.value
HELD = (
    "CASE WHEN order_line.qty_waiting = 0 AND EXISTS (SELECT 1 FROM customer_order o"
    f" WHERE o.id = order_line.order_id AND o.ship_preference = '{_COMPLETE}')"
    " AND EXISTS (SELECT 1 FROM order_line w WHERE w.order_id = order_line.order_id"
    " AND w.qty_waiting > 0) THEN 1 ELSE 0 END"
)
"""Rule 12: a line of a ``ship_complete`` order whose units are all in, while another line of
the order still waits, is held for the parcel: the customer is told the parcel's window
(:func:`domain.ordering.together.shown_windows`), which the waiting lines carry, so the line's
own ready window, given when its units came in, is not dated again each day while it sits on
the shelf."""


ACCEPTED_LATEST = (
    "(CASE WHEN EXISTS (SELECT 1 FROM customer_order o WHERE o.id = l.order_id"
    f" AND o.ship_preference = '{_COMPLETE}') THEN (SELECT MAX(COALESCE(s.consented_latest,"
    " s.promised_latest)) FROM order_line s WHERE s.order_id = l.order_id)"
    " ELSE COALESCE(l.consented_latest, l.promised_latest) END)"
)
"""The latest date the customer of line ``l`` accepted: promised, or consented to (rule 10)."""


def _held_latest(d: Dialect) -> str:
    """A waiting line's new latest date: a window moves later only when its supply does.

    On the same kind of supply, a bucket whose first day is the line's (its supply date did
    not move) keeps the latest date already told, and one whose first day came earlier keeps
    at most that date. What is learned about a supplier meanwhile (rule 21: each receipt adds
    to the slip history) sets the windows of new orders; it does not re-date, and send delay
    notices to, lines whose delivery nothing has moved (rule 19 tells a delay, not a change
    of estimate). A bucket whose first day moved later is taken as it is.
    """
    same = "b.basis = q.eta_basis AND q.eta_latest IS NOT NULL"
    return (
        f"CASE WHEN {same} AND b.earliest = q.eta_earliest THEN q.eta_latest"
        f" WHEN {same} AND b.earliest < q.eta_earliest THEN {d.least('b.latest', 'q.eta_latest')}"
        " ELSE b.latest END"
    )


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
    delay notices and the outbox rows. Each runs over whole queues at once. On PostgreSQL,
    when the products fit in one statement (a PO date change, whatever its queue's length),
    all of them but the event are that one statement (:func:`_redate_and_announce`).
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
    supplies = await load_supplies(conn, products)
    plans = [
        plan
        for supply in supplies.values()
        if is_queue_driven(supply.terms.mode)
        for plan in _plans(
            supply.product_id,
            supply_buckets(supply.terms, supply.supply, ctx.today, ctx.policy),
            ready_window(supply.terms, ctx.today, ctx.policy),
        )
    ]
    groups = list(packed(plans, lambda plan: plan.parameters))
    if Dialect(conn).postgres and len(groups) == 1:
        done = await _redate_and_announce(conn, groups[0], event.id, ctx)
        if done.lines_moved == 0:
            await execute(conn, "DELETE FROM eta_event WHERE id = ?", [event.id])
            return Recomputed(None, 0, 0, 0, 0)
        await _tell_subscribers(conn, event.id, ctx)
        return done
    lines_moved = 0
    for group in groups:
        lines_moved += await _redate(conn, group, event.id, ctx)
    if lines_moved == 0:
        await execute(conn, "DELETE FROM eta_event WHERE id = ?", [event.id])
        return Recomputed(None, 0, 0, 0, 0)
    return await announce_event(conn, event.id, lines_moved, ctx)


async def _tell_subscribers(conn: BaseDBAsyncClient, event_id: int, ctx: Context) -> None:
    """The webhooks of an ETA event: each moved line and notice, and what the catalogue now
    shows of each product whose lines moved."""
    await webhooks.eta_event(conn, ctx, event_id)
    if await availability_wanted(conn):
        moved = await fetch(
            conn,
            "SELECT DISTINCT l.product_id FROM eta_change c JOIN order_line l ON l.id = c.line_id"
            " WHERE c.event_id = ?",
            [event_id],
        )
        await announce_availability(conn, ctx, [row["product_id"] for row in moved])


async def announce_event(
    conn: BaseDBAsyncClient, event_id: int, lines_moved: int, ctx: Context
) -> Recomputed:
    """What follows every ETA event that moved lines: delay notices (rule 10), the ETA emails
    (rule 9) and the count of orders touched, in the caller's transaction."""
    d = Dialect(conn)
    notices = await _issue_delay_notices(conn, d, event_id, ctx)
    emails = await _queue_eta_emails(conn, d, event_id, ctx)
    await _tell_subscribers(conn, event_id, ctx)
    orders = await fetch(
        conn,
        "SELECT COUNT(DISTINCT l.order_id) AS n FROM eta_change c"
        " JOIN order_line l ON l.id = c.line_id WHERE c.event_id = ?",
        [event_id],
    )
    return Recomputed(event_id, lines_moved, int(orders[0]["n"]), emails, notices)


def material_sql(d: Dialect, row: str) -> str:
    """SQL of ``eta.is_material`` (rule 9) for the row aliased ``row`` moving from its
    ``eta_*`` window to its ``new_*`` one: a bound that becomes known or unknown, or moves by
    the email threshold or more. Its two parameters are the threshold, twice."""
    parts = []
    for bound in ("earliest", "latest"):
        old, new = f"{row}.eta_{bound}", f"{row}.new_{bound}"
        parts.append(f"({old} IS NULL) <> ({new} IS NULL)")
        parts.append(f"COALESCE(ABS({d.days_between(new, old)}), 0) >= ?")
    return f"({' OR '.join(parts)})"


async def _redate(conn: BaseDBAsyncClient, plans: list[_Plan], event_id: int, ctx: Context) -> int:
    """History rows for the lines whose window changes, then the lines themselves."""
    d = Dialect(conn)
    target, target_values = _target_sql(d, plans, ctx.today)
    threshold = ctx.policy.email_threshold_days
    material = material_sql(d, "t")
    history = (
        "INSERT INTO eta_change (line_id, event_id, old_earliest, old_latest, old_basis,"
        " new_earliest, new_latest, new_basis, material)"
        " SELECT t.id, ?, t.eta_earliest, t.eta_latest, t.eta_basis, t.new_earliest,"
        f" t.new_latest, t.new_basis, {material}"
    )
    lines = (
        "UPDATE order_line SET eta_earliest = t.new_earliest, eta_latest = t.new_latest,"
        " eta_basis = t.new_basis, pegged_po_line_id = t.new_po FROM t"
        f" WHERE order_line.id = t.id AND ({CHANGED}"
        " OR t.pegged_po_line_id IS DISTINCT FROM t.new_po)"
    )
    if d.postgres:
        # One statement: the queues are read and their windows computed once, not once for
        # the history and again for the lines (both see the lines as they were).
        rows = await fetch(
            conn,
            f"WITH t AS MATERIALIZED ({target}),"
            f" h AS ({history} FROM t WHERE {CHANGED} RETURNING 1),"
            f" u AS ({lines} RETURNING 1)"
            " SELECT (SELECT COUNT(*) FROM h) AS moved",
            [*target_values, event_id, threshold, threshold],
        )
        return int(rows[0]["moved"])
    moved = await execute(
        conn,
        f"{history} FROM ({target}) t WHERE {CHANGED}",
        [event_id, threshold, threshold, *target_values],
    )
    await execute(conn, f"WITH t AS ({target}) {lines}", target_values)
    return moved


async def _redate_and_announce(
    conn: BaseDBAsyncClient, plans: list[_Plan], event_id: int, ctx: Context
) -> Recomputed:
    """:func:`_redate` and :func:`announce_event` (but its webhooks) as one statement, on
    PostgreSQL when the event's products fit in one: the moved lines are computed once and
    every row the event writes (history, lines, notices superseded and opened, one email per
    order) is derived from them, where the separate statements each read the event's history
    back and joined it to the lines again (a third of a PO date change over 100,000 lines).

    The same rules as the statements it stands for, in the same order: a line's open notices
    are judged against its new window (superseded, or standing: rule 10, and the email
    threshold of rule 9), a notice is opened where none stands, and an order is emailed when
    one of its lines moved materially or got a notice. All its parts see the rows as they were
    before it, as the separate statements did for what they read (the lines' accepted dates,
    the open notices).
    """
    d = Dialect(conn)
    target, target_values = _target_sql(d, plans, ctx.today)
    threshold = ctx.policy.email_threshold_days
    beyond_told = d.days_between("c.new_latest", "n.new_latest")
    deadline = ctx.today + dt.timedelta(days=ctx.policy.delay_answer_days)
    rows = await fetch(
        conn,
        f"WITH t AS MATERIALIZED ({target}),"
        # The lines whose window changes, with what their customer accepted (rule 10: the
        # spelling of ACCEPTED_LATEST, the order joined once rather than looked up per line).
        " c AS MATERIALIZED (SELECT l.id, l.order_id, l.eta_earliest, l.eta_latest,"
        " l.eta_basis, l.new_earliest, l.new_latest, l.new_basis, l.consented_latest,"
        f" co.customer_id, {material_sql(d, 'l')} AS material,"
        f" CASE WHEN co.ship_preference = '{_COMPLETE}' THEN (SELECT MAX(COALESCE("
        " s.consented_latest, s.promised_latest)) FROM order_line s WHERE s.order_id ="
        " l.order_id) ELSE COALESCE(l.consented_latest, l.promised_latest) END AS accepted"
        " FROM t l JOIN customer_order co ON co.id = l.order_id"
        f" WHERE {CHANGED.replace('t.', 'l.')}),"
        " h AS (INSERT INTO eta_change (line_id, event_id, old_earliest, old_latest,"
        " old_basis, new_earliest, new_latest, new_basis, material)"
        " SELECT id, ?, eta_earliest, eta_latest, eta_basis, new_earliest, new_latest,"
        " new_basis, material FROM c),"
        " u AS (UPDATE order_line SET eta_earliest = t.new_earliest, eta_latest = t.new_latest,"
        " eta_basis = t.new_basis, pegged_po_line_id = t.new_po FROM t"
        f" WHERE order_line.id = t.id AND ({CHANGED} OR t.pegged_po_line_id IS DISTINCT FROM"
        " t.new_po)),"
        # The open notices of the moved lines: superseded, or standing (still late by less
        # than the threshold beyond what the notice told).
        " o AS MATERIALIZED (SELECT n.id, n.line_id, (NOT (c.new_latest > c.accepted"
        f" AND n.new_latest IS NOT NULL AND {beyond_told} < ?)) IS TRUE AS superseded"
        " FROM delay_notice n JOIN c ON c.id = n.line_id WHERE n.status = 'open'),"
        " s AS (UPDATE delay_notice SET status = 'superseded' FROM o"
        " WHERE delay_notice.id = o.id AND o.superseded),"
        " n AS (INSERT INTO delay_notice (order_id, line_id, event_id, previous_latest,"
        " new_earliest, new_latest, requires_answer, deadline, status, created_at)"
        " SELECT order_id, id, ?, accepted, new_earliest, new_latest,"
        f" consented_latest IS NOT NULL, {d.date}, 'open', {d.timestamp} FROM c"
        " WHERE new_latest > accepted AND id NOT IN (SELECT line_id FROM o WHERE NOT superseded)"
        " RETURNING order_id),"
        # Grouped, not joined: the planner takes each of these CTEs for one row, and a join
        # of the notices to the moved lines was a nested loop over both (quadratic).
        " g AS (SELECT order_id, MAX(customer_id) AS customer_id, BOOL_OR(notice) AS notice,"
        " BOOL_OR(material) AS material FROM (SELECT order_id, customer_id, FALSE AS notice,"
        " material FROM c UNION ALL SELECT order_id, NULL, TRUE, FALSE FROM n) x"
        " GROUP BY order_id),"
        " e AS (INSERT INTO outbox_message (kind, recipient, order_id, event_id, payload,"
        " message_id, status, attempts, next_attempt_at, last_error, created_at, request_id)"
        " SELECT CASE WHEN g.notice THEN 'delay_notice' ELSE 'eta_changed' END, cu.email,"
        f" g.order_id, ?, '{{}}', {d.random_hex}, 'pending', 0, {d.timestamp}, '',"
        f" {d.timestamp}, {d.text} FROM g JOIN customer cu ON cu.id = g.customer_id"
        " WHERE g.notice OR g.material RETURNING 1)"
        " SELECT (SELECT COUNT(*) FROM c) AS moved, (SELECT COUNT(*) FROM g) AS orders,"
        " (SELECT COUNT(*) FROM n) AS notices, (SELECT COUNT(*) FROM e) AS emails",
        [
            *target_values,
            threshold,
            threshold,
            event_id,
            threshold,
            event_id,
            deadline,
            ctx.now,
            event_id,
            ctx.now,
            ctx.now,
            current_request_id(),
        ],
    )
    r = rows[0]
    return Recomputed(
        event_id, int(r["moved"]), int(r["orders"]), int(r["emails"]), int(r["notices"])
    )


async def _issue_delay_notices(
    conn: BaseDBAsyncClient, d: Dialect, event_id: int, ctx: Context
) -> int:
    """Rule 10: a line whose new latest date passes what the customer accepted gets a notice.

    Any open notice of a line that moved is superseded: the newest window is the one to answer.
    Unless the line is still late by less than the email threshold beyond what that notice
    told (rule 9): then the notice stands, so that a window whose earliest day moves with the
    calendar (rule 18) does not send a notice every morning.
    A second delay past a date the customer already consented to requires an explicit answer.
    Under ``ship_complete`` what the customer accepted is the parcel's date (rule 12): the
    latest date promised or consented for any line of the order.
    """
    reference = ACCEPTED_LATEST
    beyond_told = d.days_between("c.new_latest", "delay_notice.new_latest")
    # Joined, not ``line_id IN (subquery)``: the subquery reads the notice's own date, so
    # PostgreSQL ran it once per open notice of the store, over every line the event moved.
    await execute(
        conn,
        "UPDATE delay_notice SET status = 'superseded' FROM eta_change c"
        " JOIN order_line l ON l.id = c.line_id"
        " WHERE delay_notice.status = 'open' AND delay_notice.line_id = c.line_id"
        f" AND c.event_id = ? AND NOT (c.new_latest > {reference}"
        f" AND delay_notice.new_latest IS NOT NULL AND {beyond_told} < ?)",
        [event_id, ctx.policy.email_threshold_days],
    )
    deadline = ctx.today + dt.timedelta(days=ctx.policy.delay_answer_days)
    # The lines whose notice stands are read once, before the first row goes in. A NOT EXISTS
    # per line on the table being filled was planned, when statistics said it was empty, as a
    # scan of it per line, over every row this statement had inserted so far: quadratic,
    # minutes at 100,000 lines.
    return await execute(
        conn,
        "INSERT INTO delay_notice (order_id, line_id, event_id, previous_latest, new_earliest,"
        " new_latest, requires_answer, deadline, status, created_at)"
        f" SELECT l.order_id, l.id, c.event_id, {reference}, c.new_earliest, c.new_latest,"
        f" l.consented_latest IS NOT NULL, {d.date}, 'open', {d.timestamp}"
        " FROM eta_change c JOIN order_line l ON l.id = c.line_id"
        f" WHERE c.event_id = ? AND c.new_latest > {reference}"
        " AND l.id NOT IN (SELECT n.line_id FROM delay_notice n"
        "  JOIN eta_change m ON m.line_id = n.line_id WHERE m.event_id = ? AND n.status = 'open')",
        [deadline, ctx.now, event_id, event_id],
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
        " status, attempts, next_attempt_at, last_error, created_at, request_id)"
        " SELECT CASE WHEN EXISTS (SELECT 1 FROM delay_notice n WHERE n.event_id = ?"
        "   AND n.order_id = o.id) THEN 'delay_notice' ELSE 'eta_changed' END,"
        f" c.email, o.id, ?, '{{}}', {d.random_hex}, 'pending', 0, {d.timestamp}, '',"
        f" {d.timestamp}, {d.text}"
        " FROM customer_order o JOIN customer c ON c.id = o.customer_id"
        " WHERE o.id IN (SELECT l.order_id FROM eta_change ch JOIN order_line l ON l.id"
        " = ch.line_id"
        "  WHERE ch.event_id = ? AND ch.material"
        "  UNION SELECT order_id FROM delay_notice WHERE event_id = ?)",
        [event_id, event_id, ctx.now, ctx.now, current_request_id(), event_id, event_id],
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
    return (await supply_many(conn, {product_id: units}, receipt_id=receipt_id, now=now))[
        product_id
    ]


async def supply_many(
    conn: BaseDBAsyncClient,
    units: dict[int, int],
    *,
    receipt_id: int | None,
    now: dt.datetime,
) -> dict[int, int]:
    """:func:`supply_units` for several products at once: how many units each queue took."""
    taken = await fill_queues(conn, units, receipt_id=receipt_id, now=now)
    await adjust_many(
        conn,
        {
            product_id: (units[product_id] - taken[product_id], -taken[product_id])
            for product_id in units
        },
    )
    return taken
