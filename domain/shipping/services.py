"""Use cases of shipping: plan a parcel, create it, mark it shipped (revenue recognised)."""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.context import Context
from domain.db import Dialect, execute, fetch, is_postgres, packed, with_retries
from domain.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from domain.ledger.postings import post
from domain.ordering.models import Order
from domain.ordering.parcel_holds import held_sql
from domain.outbox.enqueue import enqueue
from domain.rows import as_bool, as_decimal, marks
from domain.shipping.models import Shipment, ShipmentLine
from domain.shipping.planning import ShippableLine, plan_shipment, shippable_of
from domain.validation import clean_text, idempotency_key
from domain.vocabulary import (
    DelayNoticeStatus,
    LedgerKind,
    OutboxKind,
    ShipmentStatus,
    ShipPreference,
)
from domain.webhooks import hooks as webhooks
from domain.webhooks.emit import ANY_ACTIVE_SUBSCRIPTION


async def shippable_lines(conn: BaseDBAsyncClient, order_id: int) -> list[ShippableLine]:
    """The order's lines with what planned parcels already hold of them: one query. Rule 25:
    the maker ships dropship lines; the shop's parcels never carry nor wait for them."""
    rows = await fetch(
        conn,
        f"SELECT l.id, l.qty_allocated, l.qty_waiting, p.release_date, {held_sql('l')} AS held"
        " FROM order_line l JOIN product p ON p.id = l.product_id"
        " WHERE l.order_id = ? AND l.dropship = ? ORDER BY l.id",
        [order_id, False],
    )
    return [shippable_of(row) for row in rows]


async def ready_to_ship(order_id: int, *, ctx: Context) -> dict[int, int]:
    async with in_transaction() as conn:
        order = await Order.get_or_none(id=order_id, using_db=conn)
        if order is None:
            raise NotFound("No such order.", field="orderId")
        lines = await shippable_lines(conn, order_id)
        return plan_shipment(lines, ShipPreference(order.ship_preference), ctx.today)


async def create_shipment(
    order_id: int,
    *,
    ctx: Context,
    lines: dict[int, int] | None = None,
    key: str | None = None,
) -> Shipment:
    """A parcel of allocated units. Without ``lines``, what the ship preference allows now."""
    key = idempotency_key(key)
    if key and (existing := await Shipment.filter(idempotency_key=key).first()):
        return await _replayed(existing, order_id, lines)

    async def work() -> Shipment:
        async with in_transaction() as conn:
            lock = " FOR NO KEY UPDATE" if is_postgres(conn) else ""
            order = await fetch(
                conn, f"SELECT ship_preference FROM customer_order WHERE id = ?{lock}", [order_id]
            )
            if not order:
                raise NotFound("No such order.", field="orderId")
            available = await shippable_lines(conn, order_id)
            preference = ShipPreference(order[0]["ship_preference"])
            allowed = plan_shipment(available, preference, ctx.today)
            chosen = allowed if lines is None else lines
            if not chosen:
                raise Conflict("Nothing in this order can ship yet.", field="lines")
            for line_id, quantity in chosen.items():
                if quantity < 1 or quantity > allowed.get(line_id, 0):
                    raise InvalidInput(
                        f"At most {allowed.get(line_id, 0)} units of this line can ship now.",
                        field=f"lines[{line_id}].quantity",
                    )
            return await _new_shipment(conn, order_id, chosen, ctx, key)

    try:
        return await with_retries(work)
    except IntegrityError:
        if key and (existing := await Shipment.filter(idempotency_key=key).first()):
            return await _replayed(existing, order_id, lines)
        raise


async def _new_shipment(
    conn: BaseDBAsyncClient,
    order_id: int,
    lines: dict[int, int],
    ctx: Context,
    key: str | None = None,
) -> Shipment:
    """A planned parcel and its lines, as ``Shipment.create`` and ``ShipmentLine.bulk_create``
    write them, in raw statements (every parcel writes them; the ORM costs more than they)."""
    shipment = Shipment._init_from_db(
        id=None,
        order_id=order_id,
        status=ShipmentStatus.PLANNED.value,
        carrier="",
        tracking_number="",
        idempotency_key=key,
        created_by=str(ctx.actor),
        created_at=ctx.now,
        shipped_at=None,
    )
    rows = await fetch(
        conn,
        "INSERT INTO shipment (order_id, status, carrier, tracking_number, idempotency_key,"
        f" created_by, created_at) VALUES (?, ?, '', '', ?, ?, {Dialect(conn).timestamp})"
        " RETURNING id",
        [order_id, ShipmentStatus.PLANNED.value, key, shipment.created_by, ctx.now],
    )
    shipment.id = rows[0]["id"]
    items = list(lines.items())
    for group in packed(items, lambda _: 3):
        await execute(
            conn,
            "INSERT INTO shipment_line (shipment_id, line_id, quantity) VALUES "
            + ", ".join("(?, ?, ?)" for _ in group),
            [value for line_id, quantity in group for value in (shipment.id, line_id, quantity)],
        )
    return shipment


async def _replayed(existing: Shipment, order_id: int, lines: dict[int, int] | None) -> Shipment:
    """A replayed key returns the first parcel; the key reused for another parcel is refused."""
    same = existing.order_id == order_id
    if same and lines is not None:
        packed = await ShipmentLine.filter(shipment_id=existing.id).values_list(
            "line_id", "quantity"
        )
        same = dict(packed) == lines
    if not same:
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different shipment.", field="idempotencyKey"
        )
    return existing


async def _settle_notices(conn: BaseDBAsyncClient, line_ids: list[int]) -> None:
    """A line whose every unit has left leaves nothing for an open delay notice to decide."""
    if not line_ids:
        return
    await execute(
        conn,
        "UPDATE delay_notice SET status = ? WHERE status = ? AND line_id IN"
        f" (SELECT id FROM order_line WHERE id IN ({marks(line_ids)})"
        " AND qty_waiting = 0 AND qty_allocated = 0)",
        [DelayNoticeStatus.SUPERSEDED.value, DelayNoticeStatus.OPEN.value, *line_ids],
    )


async def _ship_units(conn: BaseDBAsyncClient, contents: list[dict]) -> None:
    """Each line's units move from allocated to shipped, in one guarded statement: every line
    must still hold its units allocated, or nothing moves."""
    d = Dialect(conn)
    ids = [row["line_id"] for row in contents]
    units = "CASE id " + " ".join(f"WHEN ? THEN {d.integer}" for _ in contents) + " END"
    pairs = [value for row in contents for value in (row["line_id"], int(row["quantity"]))]
    moved = await execute(
        conn,
        f"UPDATE order_line SET qty_allocated = qty_allocated - {units},"
        f" qty_shipped = qty_shipped + {units}"
        f" WHERE id IN ({marks(ids)}) AND qty_allocated >= {units}",
        [*pairs, *pairs, *ids, *pairs],
    )
    if moved != len(contents):
        raise Conflict("The order changed meanwhile; please try again.", field="shipmentId")


def checked_parcel(carrier: str, tracking_number: str) -> tuple[str, str]:
    """A carrier and tracking number fit for the customer's email: one line of plain text."""
    carrier = clean_text(carrier, field="carrier", max_length=100)
    tracking = clean_text(tracking_number, field="trackingNumber", max_length=100)
    for field, value in (("carrier", carrier), ("trackingNumber", tracking)):
        if "<" in value or ">" in value or "=?" in value:
            raise InvalidInput("Write plain text: '<', '>' and '=?' are not accepted.", field=field)
    return carrier, tracking


async def mark_shipped(
    shipment_id: int, carrier: str, tracking_number: str, *, ctx: Context
) -> Shipment:
    """The parcel left: units move from allocated to shipped and their revenue is recognised."""
    carrier = clean_text(carrier, field="carrier", max_length=100)
    tracking = clean_text(tracking_number, field="trackingNumber", max_length=100)

    async def work() -> Shipment:
        async with in_transaction() as conn:
            return await leave_in(conn, shipment_id, carrier, tracking, ctx)

    return await with_retries(work)


async def ship_parcel_in(
    conn: BaseDBAsyncClient,
    order_id: int,
    lines: dict[int, int],
    carrier: str,
    tracking: str,
    ctx: Context,
) -> Shipment:
    """A parcel someone else packed (the maker, rule 25) leaves at once, in the caller's
    transaction: the same parcel, revenue, email and webhooks as one the shop ships."""
    shipment = await _new_shipment(conn, order_id, lines, ctx)
    return await leave_in(conn, shipment.id, carrier, tracking, ctx)


async def leave_in(
    conn: BaseDBAsyncClient, shipment_id: int, carrier: str, tracking: str, ctx: Context
) -> Shipment:
    """Rule 12 and rule 4 inside the caller's transaction."""
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    found = await fetch(conn, f"SELECT * FROM shipment WHERE id = ?{lock}", [shipment_id])
    if not found:
        raise NotFound("No such shipment.", field="shipmentId")
    shipment = Shipment._init_from_db(**found[0])
    if shipment.status == ShipmentStatus.SHIPPED:
        if (shipment.carrier, shipment.tracking_number) == (carrier, tracking):
            return shipment
        raise Conflict("This shipment has already left.", field="shipmentId")
    changed = await execute(
        conn,
        "UPDATE shipment SET status = ?, carrier = ?, tracking_number = ?,"
        f" shipped_at = {Dialect(conn).timestamp} WHERE id = ? AND status = ?",
        [
            ShipmentStatus.SHIPPED.value,
            carrier,
            tracking,
            ctx.now,
            shipment_id,
            ShipmentStatus.PLANNED.value,
        ],
    )
    if changed != 1:
        raise Conflict("This shipment has already left.", field="shipmentId")
    # What the parcel carries, at what price, who is told, and whether any webhook
    # subscription is active (none: no statement for webhooks): one query.
    contents = await fetch(
        conn,
        "SELECT sl.line_id, SUM(sl.quantity) AS quantity, l.unit_price, c.email,"
        f" {ANY_ACTIVE_SUBSCRIPTION} AS any_webhook"
        " FROM shipment_line sl JOIN order_line l ON l.id = sl.line_id"
        " JOIN customer_order o ON o.id = l.order_id"
        " JOIN customer c ON c.id = o.customer_id"
        " WHERE sl.shipment_id = ? GROUP BY sl.line_id, l.unit_price, c.email"
        " ORDER BY sl.line_id",
        [shipment_id],
    )
    if contents:
        await _ship_units(conn, contents)
        await post(
            conn,
            [
                (
                    row["line_id"],
                    LedgerKind.REVENUE_RECOGNISED,
                    int(row["quantity"]),
                    as_decimal(row["unit_price"]),
                )
                for row in contents
            ],
            now=ctx.now,
        )
        await _settle_notices(conn, [row["line_id"] for row in contents])
        email = contents[0]["email"]
    else:
        email = (
            await fetch(
                conn,
                "SELECT c.email FROM customer_order o"
                " JOIN customer c ON c.id = o.customer_id WHERE o.id = ?",
                [shipment.order_id],
            )
        )[0]["email"]
    await enqueue(
        conn,
        ctx,
        OutboxKind.SHIPMENT_SENT,
        email,
        order_id=shipment.order_id,
        shipment_id=shipment.id,
    )
    if not contents or as_bool(contents[0]["any_webhook"]):
        await webhooks.shipment_sent(conn, ctx, shipment.id)
    # The row as just written; no need to read it back.
    shipment.status = ShipmentStatus.SHIPPED
    shipment.carrier, shipment.tracking_number = carrier, tracking
    shipment.shipped_at = ctx.now.astimezone(dt.UTC)
    return shipment
