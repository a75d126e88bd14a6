"""Use cases of shipping: plan a parcel, create it, mark it shipped (revenue recognised)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.context import Context
from domain.customers.models import Customer
from domain.db import with_retries
from domain.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from domain.ledger.postings import post
from domain.ordering.models import DelayNotice, Order, OrderLine
from domain.outbox.enqueue import enqueue
from domain.shipping.models import Shipment, ShipmentLine
from domain.shipping.planning import ShippableLine, plan_shipment
from domain.validation import clean_text, idempotency_key
from domain.vocabulary import (
    DelayNoticeStatus,
    LedgerKind,
    OutboxKind,
    ShipmentStatus,
    ShipPreference,
)
from domain.webhooks import hooks as webhooks


async def shippable_lines(conn: BaseDBAsyncClient, order_id: int) -> list[ShippableLine]:
    # Rule 25: the maker ships dropship lines; the shop's parcels never carry nor wait for them.
    lines = (
        await OrderLine.filter(order_id=order_id, dropship=False)
        .using_db(conn)
        .prefetch_related("product")
    )
    held: dict[int, int] = {}
    for row in (
        await ShipmentLine.filter(line__order_id=order_id, shipment__status=ShipmentStatus.PLANNED)
        .using_db(conn)
        .values("line_id", "quantity")
    ):
        held[row["line_id"]] = held.get(row["line_id"], 0) + row["quantity"]
    return [
        ShippableLine(
            line.id,
            line.qty_allocated,
            line.qty_waiting,
            held.get(line.id, 0),
            line.product.release_date,
        )
        for line in lines
    ]


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
            order = (
                await Order.filter(id=order_id)
                .select_for_update(no_key=True)
                .using_db(conn)
                .first()
            )
            if order is None:
                raise NotFound("No such order.", field="orderId")
            available = await shippable_lines(conn, order_id)
            allowed = plan_shipment(available, ShipPreference(order.ship_preference), ctx.today)
            chosen = allowed if lines is None else lines
            if not chosen:
                raise Conflict("Nothing in this order can ship yet.", field="lines")
            for line_id, quantity in chosen.items():
                if quantity < 1 or quantity > allowed.get(line_id, 0):
                    raise InvalidInput(
                        f"At most {allowed.get(line_id, 0)} units of this line can ship now.",
                        field=f"lines[{line_id}].quantity",
                    )
            shipment = await Shipment.create(
                order_id=order_id,
                idempotency_key=key,
                created_by=str(ctx.actor),
                created_at=ctx.now,
                using_db=conn,
            )
            await ShipmentLine.bulk_create(
                [
                    ShipmentLine(shipment_id=shipment.id, line_id=i, quantity=q)
                    for i, q in chosen.items()
                ],
                using_db=conn,
            )
            return shipment

    try:
        return await with_retries(work)
    except IntegrityError:
        if key and (existing := await Shipment.filter(idempotency_key=key).first()):
            return await _replayed(existing, order_id, lines)
        raise


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
    done = (
        await OrderLine.filter(id__in=line_ids, qty_waiting=0, qty_allocated=0)
        .using_db(conn)
        .values_list("id", flat=True)
    )
    if done:
        await (
            DelayNotice.filter(line_id__in=list(done), status=DelayNoticeStatus.OPEN)
            .using_db(conn)
            .update(status=DelayNoticeStatus.SUPERSEDED)
        )


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
    shipment = await Shipment.create(
        order_id=order_id, created_by=str(ctx.actor), created_at=ctx.now, using_db=conn
    )
    await ShipmentLine.bulk_create(
        [ShipmentLine(shipment_id=shipment.id, line_id=i, quantity=q) for i, q in lines.items()],
        using_db=conn,
    )
    return await leave_in(conn, shipment.id, carrier, tracking, ctx)


async def leave_in(
    conn: BaseDBAsyncClient, shipment_id: int, carrier: str, tracking: str, ctx: Context
) -> Shipment:
    """Rule 12 and rule 4 inside the caller's transaction."""
    shipment = await Shipment.filter(id=shipment_id).select_for_update().using_db(conn).first()
    if shipment is None:
        raise NotFound("No such shipment.", field="shipmentId")
    if shipment.status == ShipmentStatus.SHIPPED:
        if (shipment.carrier, shipment.tracking_number) == (carrier, tracking):
            return shipment
        raise Conflict("This shipment has already left.", field="shipmentId")
    changed = (
        await Shipment.filter(id=shipment_id, status=ShipmentStatus.PLANNED)
        .using_db(conn)
        .update(
            status=ShipmentStatus.SHIPPED,
            carrier=carrier,
            tracking_number=tracking,
            shipped_at=ctx.now,
        )
    )
    if changed != 1:
        raise Conflict("This shipment has already left.", field="shipmentId")
    contents = (
        await ShipmentLine.filter(shipment_id=shipment_id).using_db(conn).prefetch_related("line")
    )
    entries = []
    for item in contents:
        moved = (
            await OrderLine.filter(id=item.line_id, qty_allocated__gte=item.quantity)
            .using_db(conn)
            .update(
                qty_allocated=F("qty_allocated") - item.quantity,
                qty_shipped=F("qty_shipped") + item.quantity,
            )
        )
        if moved != 1:
            raise Conflict("The order changed meanwhile; please try again.", field="shipmentId")
        entries.append(
            (item.line_id, LedgerKind.REVENUE_RECOGNISED, item.quantity, item.line.unit_price)
        )
    await post(conn, entries, now=ctx.now)
    await _settle_notices(conn, [item.line_id for item in contents])
    order = await Order.get(id=shipment.order_id, using_db=conn)
    customer = await Customer.get(id=order.customer_id, using_db=conn)
    await enqueue(
        conn,
        ctx,
        OutboxKind.SHIPMENT_SENT,
        customer.email,
        order_id=order.id,
        shipment_id=shipment.id,
    )
    await webhooks.shipment_sent(conn, ctx, shipment.id)
    return await Shipment.get(id=shipment_id, using_db=conn)
