"""Use cases that change a placed order: cancel lines, ship preference, priority, delay answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.audit.models import AuditAction
from domain.audit.record import record, record_cancellation
from domain.catalog import stock
from domain.context import Context
from domain.customers.models import Customer
from domain.db import with_retries
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ledger.postings import post
from domain.ordering.dropship import SHIPPED_ALREADY, cancel_at_maker
from domain.ordering.models import Allocation, DelayNotice, Order, OrderLine
from domain.ordering.parcel_holds import held_units
from domain.ordering.queue import recompute_queues, supply_units
from domain.ordering.reads import order_view
from domain.ordering.views import OrderView
from domain.outbox.enqueue import enqueue
from domain.validation import positive_quantity
from domain.vocabulary import (
    DelayNoticeStatus,
    EtaReason,
    LedgerKind,
    OutboxKind,
    ShipPreference,
)
from domain.webhooks import hooks as webhooks


@dataclass(frozen=True)
class CancelRequest:
    line_id: int
    quantity: int | None = None  # None: every unshipped unit


async def _owned_order(conn: BaseDBAsyncClient, order_id: int) -> Order:
    # NO KEY: an order row held FOR UPDATE blocks the foreign-key checks of rows that
    # reference it (outbox, delay notices, lines updated twice in one transaction), which
    # deadlocked a receipt or a parcel leaving against a cancellation of the same order.
    order = await Order.filter(id=order_id).select_for_update(no_key=True).using_db(conn).first()
    if order is None:
        raise NotFound("No such order.", field="orderId")
    return order


async def cancel_order_lines(
    order_id: int, requests: list[CancelRequest], *, ctx: Context, reason: str = "cancelled"
) -> OrderView:
    """Rule 13: waiting units leave the queue, allocated ones go to the next in line.

    Units packed in a planned shipment cannot be cancelled; shipped ones never can.
    """
    if not requests:
        raise InvalidInput("Choose at least one line to cancel.", field="lines")
    for index, request in enumerate(requests):
        if request.quantity is not None:
            positive_quantity(request.quantity, field=f"lines[{index}].quantity")

    async def work() -> OrderView:
        async with in_transaction() as conn:
            order = await _owned_order(conn, order_id)
            await cancel_lines_in(conn, order, requests, ctx, EtaReason.ORDER_CANCELLED, reason)
            return await order_view(order.id, conn)

    return await with_retries(work)


async def cancel_lines_in(
    conn: BaseDBAsyncClient,
    order: Order,
    requests: list[CancelRequest],
    ctx: Context,
    reason: EtaReason,
    detail: str,
) -> int:
    """Cancel inside the caller's transaction; returns the units cancelled."""
    # Hold the products first: a receipt or return filling these lines waits, so the lines
    # read below are still as read when they are updated.
    await stock.lock(
        conn,
        cast(
            list[int],
            await OrderLine.filter(
                order_id=order.id, id__in=[request.line_id for request in requests]
            )
            .using_db(conn)
            .values_list("product_id", flat=True),
        ),
    )
    lines = {line.id: line for line in await OrderLine.filter(order_id=order.id).using_db(conn)}
    held = await held_units(conn, list(lines))
    plan: list[tuple[OrderLine, int, int]] = []  # line, from waiting, from allocated
    for index, request in enumerate(requests):
        line = lines.get(request.line_id)
        if line is None:
            raise NotFound("No such line on this order.", field=f"lines[{index}].lineId")
        if any(planned.id == line.id for planned, _, _ in plan):
            # Each request is planned from the same reading of the line: listed twice, the
            # line would lose one change while stock and ledger took both.
            raise InvalidInput("List each line once.", field=f"lines[{index}].lineId")
        cancellable = line.qty_waiting + line.qty_allocated - held.get(line.id, 0)
        if line.dropship and cancellable <= 0 and line.qty_shipped:
            raise Conflict(SHIPPED_ALREADY, field=f"lines[{index}].lineId")
        quantity = cancellable if request.quantity is None else request.quantity
        if quantity <= 0 or quantity > cancellable:
            raise InvalidInput(
                f"Only {cancellable} units of this line can still be cancelled.",
                field=f"lines[{index}].quantity",
            )
        from_waiting = min(quantity, line.qty_waiting)
        plan.append((line, from_waiting, quantity - from_waiting))
    returned: dict[int, int] = {}
    for line, from_waiting, from_allocated in plan:
        # Guarded and relative: the line must still hold what is taken, and a concurrent
        # change (a receipt filling it, a parcel leaving) is kept, never overwritten.
        changed = (
            await OrderLine.filter(
                id=line.id, qty_waiting__gte=from_waiting, qty_allocated__gte=from_allocated
            )
            .using_db(conn)
            .update(
                qty_waiting=F("qty_waiting") - from_waiting,
                qty_allocated=F("qty_allocated") - from_allocated,
                qty_cancelled=F("qty_cancelled") + (from_waiting + from_allocated),
            )
        )
        if changed != 1:
            raise Conflict("The order changed meanwhile; please try again.", field="lines")
        if from_waiting:
            await stock.adjust(conn, line.product_id, waiting_units=-from_waiting)
        if from_allocated and line.dropship:
            # The maker holds these units, not our stock: its PO line gives them up.
            await cancel_at_maker(conn, order, line, from_allocated, ctx)
        elif from_allocated:
            await Allocation.create(
                line_id=line.id, quantity=-from_allocated, created_at=ctx.now, using_db=conn
            )
            returned[line.product_id] = returned.get(line.product_id, 0) + from_allocated
    for product_id in sorted(returned):
        await supply_units(conn, product_id, returned[product_id], receipt_id=None, now=ctx.now)
    units = [(line.id, w + a, line.unit_price) for line, w, a in plan]
    await post(conn, [(i, LedgerKind.BACKORDER_CANCELLED, q, p) for i, q, p in units], now=ctx.now)
    await post(conn, [(i, LedgerKind.REFUND_DUE, q, p) for i, q, p in units], now=ctx.now)
    await (
        DelayNotice.filter(
            line_id__in=[line.id for line, _, _ in plan], status=DelayNoticeStatus.OPEN
        )
        .using_db(conn)
        .update(status=DelayNoticeStatus.SUPERSEDED)
    )
    await record_cancellation(
        conn, ctx, order.id, [(line.product_id, w + a) for line, w, a in plan], detail
    )
    await recompute_queues(
        conn, [line.product_id for line, _, _ in plan], ctx, reason, f"{order.number}: {detail}"
    )
    customer_email = (await Customer.get(id=order.customer_id, using_db=conn)).email
    await enqueue(
        conn,
        ctx,
        OutboxKind.ORDER_CANCELLED,
        customer_email,
        order_id=order.id,
        payload={"lines": [[i, q] for i, q, _ in units]},
    )
    await webhooks.order_cancelled(conn, ctx, order.id, [(i, q) for i, q, _ in units])
    return sum(q for _, q, _ in units)


async def set_ship_preference(order_id: int, preference: str, *, ctx: Context) -> OrderView:
    """The customer may change it while anything is unshipped."""
    try:
        choice = ShipPreference(preference)
    except ValueError:
        raise InvalidInput("Choose how the order should ship.", field="ship_preference") from None

    async def work() -> OrderView:
        async with in_transaction() as conn:
            order = await _owned_order(conn, order_id)
            unshipped = (
                await OrderLine.filter(order_id=order.id)
                .using_db(conn)
                .values_list("qty_allocated", "qty_waiting")
            )
            if not any(a + w for a, w in unshipped):
                raise Conflict("Everything in this order has shipped.", field="ship_preference")
            order.ship_preference = choice
            await order.save(using_db=conn, update_fields=["ship_preference"])
            return await order_view(order.id, conn)

    return await with_retries(work)


async def set_order_priority(order_id: int, priority: int, *, ctx: Context) -> OrderView:
    """Staff move an order up or down its queues; the ETAs of everyone there follow (rule 8)."""
    if not isinstance(priority, int) or not -100 <= priority <= 100:
        raise InvalidInput("Priority is a whole number from -100 to 100.", field="priority")

    async def work() -> OrderView:
        async with in_transaction() as conn:
            order = await _owned_order(conn, order_id)
            # Products before lines, like a receipt: locking them after updating the lines
            # deadlocked against a receipt filling the same lines.
            products = cast(
                list[int],
                await OrderLine.filter(order_id=order.id, qty_waiting__gt=0)
                .using_db(conn)
                .values_list("product_id", flat=True),
            )
            await stock.lock(conn, products)
            old = order.priority
            order.priority = priority
            await order.save(using_db=conn, update_fields=["priority"])
            await OrderLine.filter(order_id=order.id).using_db(conn).update(priority=priority)
            await record(
                conn,
                ctx,
                AuditAction.PRIORITY_CHANGED,
                f"priority {old} to {priority}",
                order_id=order.id,
            )
            await recompute_queues(
                conn,
                products,
                ctx,
                EtaReason.PRIORITY_CHANGED,
                f"{order.number}: priority {old} to {priority}",
            )
            return await order_view(order.id, conn)

    return await with_retries(work)


async def respond_to_delay_notice(
    order_id: int, notice_id: int, keep_waiting: bool, *, ctx: Context
) -> OrderView:
    """Rule 10: keep waiting (the new date becomes the one consented to) or cancel with refund."""

    async def work() -> OrderView:
        async with in_transaction() as conn:
            order = await _owned_order(conn, order_id)
            notice = (
                await DelayNotice.filter(id=notice_id, order_id=order.id).using_db(conn).first()
            )
            if notice is None:
                raise NotFound("No such delay notice.", field="noticeId")
            if notice.status != DelayNoticeStatus.OPEN:
                raise Conflict("This delay notice was already answered.", field="noticeId")
            await webhooks.delay_notice_answered(conn, ctx, notice.id, keep_waiting)
            if keep_waiting:
                await _consent(conn, notice, DelayNoticeStatus.KEPT, ctx)
            else:
                notice.status = DelayNoticeStatus.CANCELLED
                notice.answered_at = ctx.now
                await notice.save(using_db=conn, update_fields=["status", "answered_at"])
                await cancel_lines_in(
                    conn,
                    order,
                    [CancelRequest(notice.line_id)],
                    ctx,
                    EtaReason.ORDER_CANCELLED,
                    "cancelled after a delay notice",
                )
            return await order_view(order.id, conn)

    return await with_retries(work)


async def _consent(
    conn: BaseDBAsyncClient, notice: DelayNotice, status: DelayNoticeStatus, ctx: Context
) -> None:
    notice.status = status
    notice.answered_at = ctx.now
    await notice.save(using_db=conn, update_fields=["status", "answered_at"])
    await (
        OrderLine.filter(id=notice.line_id)
        .using_db(conn)
        .update(consented_latest=notice.new_latest)
    )


async def lapse_delay_notices(*, ctx: Context) -> tuple[int, int]:
    """Past the deadline, silence consents to a first delay and cancels a second one.

    Returns (consented, cancelled).
    """
    consented = cancelled = 0
    due = await DelayNotice.filter(
        status=DelayNoticeStatus.OPEN, deadline__lt=ctx.today
    ).values_list("id", "order_id")
    for notice_id, order_id in due:
        async with in_transaction() as conn:
            # The order first, as every other change of an order locks it: no lock cycle.
            order = await _owned_order(conn, order_id)
            notice = (
                await DelayNotice.filter(id=notice_id, status=DelayNoticeStatus.OPEN)
                .select_for_update()
                .using_db(conn)
                .first()
            )
            if notice is None:
                continue
            if notice.requires_answer:
                notice.status = DelayNoticeStatus.CANCELLED
                notice.answered_at = ctx.now
                await notice.save(using_db=conn, update_fields=["status", "answered_at"])
                line = await OrderLine.get(id=notice.line_id, using_db=conn)
                if line.qty_waiting + line.qty_allocated:
                    await cancel_lines_in(
                        conn,
                        order,
                        [CancelRequest(line.id)],
                        ctx,
                        EtaReason.ORDER_CANCELLED,
                        "cancelled: a second delay was not accepted by its deadline",
                    )
                cancelled += 1
            else:
                await _consent(conn, notice, DelayNoticeStatus.CONSENTED, ctx)
                consented += 1
    return consented, cancelled
