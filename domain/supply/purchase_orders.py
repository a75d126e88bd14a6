"""Use cases of purchasing: POs, expected-date revisions, cancelled lines and receipts.

Each changes supply, so each re-plans the products' queues in its own transaction (DOMAIN.md
rules 5-7): that is why they sit above ordering, beside the rest of the supply loop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.audit.record import record_po_line_cancellation
from domain.catalog import stock
from domain.catalog.availability_events import announce_availability
from domain.catalog.models import Product, Supplier
from domain.context import Context
from domain.customers.links import new_number
from domain.db import Dialect, connection, execute, fetch, packed, with_retries
from domain.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from domain.ordering.models import OrderLine
from domain.ordering.queue import (
    Recomputed,
    fill_build_line,
    peg_build_line,
    recompute_queues,
    supply_many,
)
from domain.purchasing.closing import close_if_complete
from domain.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderDateChange,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
)
from domain.validation import clean_text, idempotency_key, positive_quantity, sku_shaped
from domain.vocabulary import EtaReason, PurchaseOrderStatus
from domain.webhooks import hooks as webhooks


@dataclass(frozen=True)
class PoLineRequest:
    sku: str
    quantity: int
    build_request_id: int | None = None  # the custom build this unit is made for


def _not_in_the_past(expected_date: dt.date, ctx: Context) -> None:
    """A supplier's promise is a day still to come: a past one would make the PO overdue at
    once and date every pegged line in the past (rule 18). Both doors meet this here."""
    if expected_date < ctx.today:
        raise InvalidInput("The expected date cannot be in the past.", field="expectedDate")


async def _recompute(
    conn: BaseDBAsyncClient, product_ids: list[int], ctx: Context, reason: EtaReason, detail: str
) -> Recomputed:
    await stock.lock(conn, product_ids)
    return await recompute_queues(conn, product_ids, ctx, reason, detail)


async def create_purchase_order(
    supplier_id: int,
    expected_date: dt.date,
    lines: list[PoLineRequest],
    *,
    ctx: Context,
    key: str | None = None,
) -> PurchaseOrder:
    """A new PO adds supply: the queues of its products may move earlier (rule 8)."""
    key = idempotency_key(key)
    if key:
        existing = await PurchaseOrder.filter(idempotency_key=key).first()
        if existing:
            return await _replayed(existing, supplier_id, expected_date, lines)
    if not lines:
        raise InvalidInput("Add at least one line.", field="lines")
    for index, line in enumerate(lines):
        positive_quantity(line.quantity, field=f"lines[{index}].quantity", maximum=1_000_000)
    _not_in_the_past(expected_date, ctx)

    async def work() -> PurchaseOrder:
        async with in_transaction() as conn:
            if not await Supplier.filter(id=supplier_id).using_db(conn).exists():
                raise NotFound("No such supplier.", field="supplierId")
            products = {
                p.sku: p
                for group in packed(
                    sorted({line.sku for line in lines if sku_shaped(line.sku)}), lambda _: 1
                )
                for p in await Product.filter(sku__in=group).using_db(conn)
            }
            for index, line in enumerate(lines):
                if line.sku not in products:
                    raise InvalidInput("No such product.", field=f"lines[{index}].sku")
            await _check_builds(conn, lines, products)
            po = await PurchaseOrder.create(
                number=new_number("PO"),
                supplier_id=supplier_id,
                expected_date=expected_date,
                idempotency_key=key,
                created_by=str(ctx.actor),
                using_db=conn,
            )
            await PurchaseOrderLine.bulk_create(
                [
                    PurchaseOrderLine(
                        purchase_order_id=po.id,
                        product_id=products[line.sku].id,
                        quantity=line.quantity,
                    )
                    for line in lines
                    if line.build_request_id is None
                ],
                using_db=conn,
            )
            for index, line in enumerate(lines):
                if line.build_request_id is not None:
                    made = await PurchaseOrderLine.create(
                        purchase_order_id=po.id,
                        product_id=products[line.sku].id,
                        quantity=line.quantity,
                        using_db=conn,
                    )
                    if not await peg_build_line(conn, line.build_request_id, made.id):
                        raise Conflict(
                            "This custom build no longer waits, or its unit is on order already.",
                            field=f"lines[{index}].customBuildId",
                        )
            product_ids = [products[line.sku].id for line in lines]
            await _recompute(conn, product_ids, ctx, EtaReason.PO_CREATED, f"{po.number} created")
            return po

    try:
        made = await with_retries(work)
    except IntegrityError:
        if key and (existing := await PurchaseOrder.filter(idempotency_key=key).first()):
            return await _replayed(existing, supplier_id, expected_date, lines)
        raise
    await _supply_made_room(made.id, ctx)
    return made


async def _supply_made_room(po_id: int, ctx: Context) -> None:
    """DOMAIN.md rule 26: new supply may make room for waitlisted addresses. The supply context
    sits above purchasing, so it is imported when needed, after the change committed."""
    from domain.supply.waitlist import tell_waitlists

    products = await PurchaseOrderLine.filter(purchase_order_id=po_id).values_list(
        "product_id", flat=True
    )
    await tell_waitlists(ctx=ctx, product_ids=sorted({int(str(pk)) for pk in products}))


async def builds_of(po_ids: list[int], conn: BaseDBAsyncClient | None = None) -> dict[int, int]:
    """The PO lines of these POs made for a custom build: PO line id -> build request id.

    A build's line is pegged to the PO line made for it (set when the PO is created).
    """
    rows = await fetch(
        conn or connection(),
        "SELECT l.pegged_po_line_id AS po_line_id, l.build_request_id FROM order_line l"
        " JOIN purchase_order_line p ON p.id = l.pegged_po_line_id"
        " WHERE l.build_request_id IS NOT NULL AND p.purchase_order_id IN ("
        + ", ".join("?" for _ in po_ids)
        + ")",
        list(po_ids),
    )
    return {row["po_line_id"]: row["build_request_id"] for row in rows}


async def _check_builds(
    conn: BaseDBAsyncClient, lines: list[PoLineRequest], products: dict[str, Product]
) -> None:
    """A unit made for a custom build: one unit of the build's own product, once accepted
    (acceptance made the build's order line, which is what the unit will fill)."""
    wanted = {line.build_request_id for line in lines if line.build_request_id is not None}
    if not wanted:
        return
    build_lines = {
        row["build_request_id"]: row["product_id"]
        for row in await OrderLine.filter(build_request_id__in=wanted)
        .using_db(conn)
        .values("build_request_id", "product_id")
    }
    for index, line in enumerate(lines):
        if line.build_request_id is None:
            continue
        field = f"lines[{index}].customBuildId"
        if line.build_request_id not in build_lines:
            raise NotFound("No accepted custom build matches.", field=field)
        if build_lines[line.build_request_id] != products[line.sku].id:
            raise InvalidInput("This custom build is of another product.", field=field)
        if line.quantity != 1:
            raise InvalidInput("A custom build is one unit.", field=f"lines[{index}].quantity")


async def _replayed(
    existing: PurchaseOrder, supplier_id: int, expected_date: dt.date, lines: list[PoLineRequest]
) -> PurchaseOrder:
    """A replayed key returns the first purchase order; the key reused for another is refused.

    The expected date compared is the one the PO was created with, before any revision.
    """
    made_for = await builds_of([existing.id])
    ordered = sorted(
        (row["product__sku"], row["quantity"], made_for.get(row["id"], 0))
        for row in await PurchaseOrderLine.filter(purchase_order_id=existing.id).values(
            "id", "product__sku", "quantity"
        )
    )
    first_revision = (
        await PurchaseOrderDateChange.filter(purchase_order_id=existing.id).order_by("id").first()
    )
    created_for = first_revision.old_date if first_revision else existing.expected_date
    asked = sorted((line.sku, line.quantity, line.build_request_id or 0) for line in lines)
    if (existing.supplier_id, created_for, ordered) != (supplier_id, expected_date, asked):
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different purchase order.",
            field="idempotencyKey",
        )
    return existing


async def revise_expected_date(
    po_id: int, new_date: dt.date, reason: str, *, ctx: Context
) -> Recomputed:
    """The supplier moved its promise: every pegged line behind it moves (rules 8 to 10)."""
    _not_in_the_past(new_date, ctx)
    why = clean_text(reason, field="reason", max_length=300)

    async def work() -> Recomputed:
        async with in_transaction() as conn:
            po = await PurchaseOrder.filter(id=po_id).select_for_update().using_db(conn).first()
            if po is None:
                raise NotFound("No such purchase order.", field="purchaseOrderId")
            if po.status != PurchaseOrderStatus.OPEN:
                raise Conflict(
                    "Only an open purchase order can be revised.", field="purchaseOrderId"
                )
            if po.dropship:  # its lines carry the customers' own dates (rule 25)
                raise Conflict(
                    "A dropship purchase order's dates follow its customers' orders.",
                    field="purchaseOrderId",
                )
            if po.expected_date == new_date:
                return Recomputed(None, 0, 0, 0, 0)
            await PurchaseOrderDateChange.create(
                purchase_order_id=po.id,
                old_date=po.expected_date,
                new_date=new_date,
                reason=why,
                actor=str(ctx.actor),
                using_db=conn,
            )
            was = po.expected_date.isoformat()
            detail = f"{po.number} now expected {new_date.isoformat()} (was {was}): {why}"
            po.expected_date = new_date
            await po.save(using_db=conn, update_fields=["expected_date"])
            await webhooks.po_date_changed(conn, ctx, po.id, po.number, was, new_date, why)
            product_ids = cast(
                list[int],
                await PurchaseOrderLine.filter(purchase_order_id=po.id)
                .using_db(conn)
                .values_list("product_id", flat=True),
            )
            return await _recompute(conn, product_ids, ctx, EtaReason.PO_DATE_CHANGED, detail)

    return await with_retries(work)


async def cancel_purchase_order_line(po_line_id: int, reason: str, *, ctx: Context) -> Recomputed:
    """The supplier will not deliver the rest of a line: its supply leaves the queue's plan."""
    why = clean_text(reason, field="reason", max_length=300)

    async def work() -> Recomputed:
        async with in_transaction() as conn:
            line = await line_for_update(conn, po_line_id, field="purchaseOrderLineId")
            if line.order_line_id is not None:  # a dropship line (rule 25) follows its order
                raise Conflict(
                    "This line ships a customer's order: cancel it on the customer's order.",
                    field="purchaseOrderLineId",
                )
            remaining = line.remaining
            if remaining <= 0:
                raise Conflict(
                    "Nothing is left to cancel on this line.", field="purchaseOrderLineId"
                )
            detail = f"{line.purchase_order.number}: {remaining} units cancelled: {why}"
            return await cancel_units(conn, line, remaining, why, detail, ctx=ctx)

    return await with_retries(work)


async def line_for_update(
    conn: BaseDBAsyncClient, po_line_id: int, *, field: str
) -> PurchaseOrderLine:
    """The PO line, held for update with its PO, to change what it still brings; NotFound on
    ``field`` when there is none."""
    line = (
        await PurchaseOrderLine.filter(id=po_line_id)
        .select_for_update()
        .using_db(conn)
        .prefetch_related("purchase_order")
        .first()
    )
    if line is None:
        raise NotFound("No such purchase order line.", field=field)
    return line


async def cancel_units(
    conn: BaseDBAsyncClient,
    line: PurchaseOrderLine,
    units: int,
    why: str,
    detail: str,
    *,
    ctx: Context,
) -> Recomputed:
    """``units`` still to come on ``line`` (held for update, its PO fetched) will not come, by
    staff's word or the supplier's: recorded with ``why``, the PO closed when nothing is left
    on it, and the product's queue planned without them as one ETA event told as ``detail``."""
    line.quantity_cancelled += units
    await line.save(using_db=conn, update_fields=["quantity_cancelled"])
    await close_if_complete(conn, line.purchase_order_id)
    await record_po_line_cancellation(conn, ctx, line, units, why)
    return await _recompute(conn, [line.product_id], ctx, EtaReason.PO_LINE_CANCELLED, detail)


async def _set_received(conn: BaseDBAsyncClient, received: dict[int, int]) -> None:
    """Each PO line's received quantity: one statement per few hundred lines."""
    d = Dialect(conn)
    for group in packed(sorted(received), lambda _: 2):
        rows = ", ".join(f"({d.integer}, {d.integer})" for _ in group)
        await execute(
            conn,
            f"WITH v(line_id, received) AS (VALUES {rows}) UPDATE purchase_order_line"
            " SET quantity_received = v.received FROM v WHERE purchase_order_line.id = v.line_id",
            [value for line_id in group for value in (line_id, received[line_id])],
        )


@dataclass(frozen=True)
class ReceiptLineRequest:
    po_line_id: int
    quantity: int


@dataclass(frozen=True)
class ReceiptResult:
    receipt_id: int
    applied: bool  # False when this receipt key was applied before
    to_queue: int
    to_stock: int
    impact: Recomputed


async def receive(
    po_id: int, key: str, lines: list[ReceiptLineRequest], *, ctx: Context
) -> ReceiptResult:
    """Rule 6: received units go to the queue in queue order, the rest to stock. Once per key.

    The same goods sent again under the key return the first receipt (``applied`` False);
    other goods under it (another PO, other lines or quantities) are refused.
    """
    receipt_key = idempotency_key(key, field="receiptKey")
    if receipt_key is None:
        raise InvalidInput("A receipt needs a key.", field="receiptKey")
    if not lines:
        raise InvalidInput("Add at least one line.", field="lines")
    for index, line in enumerate(lines):
        positive_quantity(line.quantity, field=f"lines[{index}].quantity", maximum=1_000_000)
    try:
        done = await with_retries(lambda: _receive(po_id, receipt_key, lines, ctx))
        if done.applied:
            await _supply_made_room(po_id, ctx)
        return done
    except IntegrityError:
        replay = await _receipt_replayed(receipt_key, po_id, lines)
        if replay is None:
            raise
        return replay


async def _receipt_replayed(
    key: str, po_id: int, lines: list[ReceiptLineRequest], conn: BaseDBAsyncClient | None = None
) -> ReceiptResult | None:
    """A replayed key returns the first receipt; the key reused for other goods is refused.

    Other goods are another purchase order, or other (line, quantity) pairs in any order.
    ``None`` when no receipt has this key.
    """
    conn = conn or connection()
    receipt = await Receipt.filter(key=key).using_db(conn).first()
    if receipt is None:
        return None
    rows = (
        await ReceiptLine.filter(receipt_id=receipt.id)
        .using_db(conn)
        .values("po_line_id", "quantity", "to_queue", "to_stock")
    )
    stored = sorted((row["po_line_id"], row["quantity"]) for row in rows)
    asked = sorted((line.po_line_id, line.quantity) for line in lines)
    if (receipt.purchase_order_id, stored) != (po_id, asked):
        raise IdempotencyKeyReused("This receipt key was used for other goods.", field="receiptKey")
    to_queue = sum(row["to_queue"] for row in rows)
    to_stock = sum(row["to_stock"] for row in rows)
    return ReceiptResult(receipt.id, False, to_queue, to_stock, Recomputed(None, 0, 0, 0, 0))


async def _receive(
    po_id: int, key: str, lines: list[ReceiptLineRequest], ctx: Context
) -> ReceiptResult:
    async with in_transaction() as conn:
        replay = await _receipt_replayed(key, po_id, lines, conn)
        if replay is not None:
            return replay
        po = await PurchaseOrder.filter(id=po_id).select_for_update().using_db(conn).first()
        # A copy of this receipt may have committed while we waited for the lock.
        replay = await _receipt_replayed(key, po_id, lines, conn)
        if replay is not None:
            return replay
        if po is None:
            raise NotFound("No such purchase order.", field="purchaseOrderId")
        if po.status == PurchaseOrderStatus.CANCELLED:
            raise Conflict("This purchase order was cancelled.", field="purchaseOrderId")
        if po.dropship:  # rule 25: the supplier ships these to customers; nothing comes here
            raise Conflict(
                "A dropship purchase order is shipped by the supplier to the customers;"
                " nothing is received here.",
                field="purchaseOrderId",
            )
        po_lines = {
            ln.id: ln
            for ln in await PurchaseOrderLine.filter(purchase_order_id=po_id).using_db(conn)
        }
        made_for = await builds_of([po_id], conn)
        per_product: dict[int, int] = {}  # units for the product's queue
        builds: dict[int, int] = {}  # units made for one custom build: PO line id -> units
        for index, request in enumerate(lines):
            po_line = po_lines.get(request.po_line_id)
            if po_line is None:
                raise InvalidInput(
                    "This line is not on the purchase order.", field=f"lines[{index}].poLineId"
                )
            open_units = po_line.remaining
            if request.quantity > open_units:
                raise InvalidInput(
                    f"Only {open_units} units are still expected on this line.",
                    field=f"lines[{index}].quantity",
                )
            po_line.quantity_received += request.quantity
            if po_line.id in made_for:
                builds[po_line.id] = builds.get(po_line.id, 0) + request.quantity
                per_product.setdefault(po_line.product_id, 0)  # type: ignore[attr-defined]
                continue
            per_product[po_line.product_id] = (
                per_product.get(po_line.product_id, 0) + request.quantity
            )
        receipt = await Receipt.create(
            key=key,
            purchase_order_id=po_id,
            actor=str(ctx.actor),
            received_at=ctx.now,
            confirmed_date=po.expected_date,
            slip_days=(ctx.today - po.expected_date).days,
            using_db=conn,
        )
        await stock.lock(conn, list(per_product))
        to_queue = await supply_many(conn, per_product, receipt_id=receipt.id, now=ctx.now)
        to_build = await _supply_builds(conn, po_lines, builds, receipt.id, ctx)
        rows = []
        remaining_to_queue = dict(to_queue)
        for request in lines:
            po_line = po_lines[request.po_line_id]
            if po_line.id in to_build:
                queued = min(request.quantity, to_build[po_line.id])
                to_build[po_line.id] -= queued
            else:
                queued = min(request.quantity, remaining_to_queue[po_line.product_id])
                remaining_to_queue[po_line.product_id] -= queued
            rows.append(
                ReceiptLine(
                    receipt_id=receipt.id,
                    po_line_id=po_line.id,
                    quantity=request.quantity,
                    to_queue=queued,
                    to_stock=request.quantity - queued,
                )
            )
        await _set_received(conn, {ln.id: ln.quantity_received for ln in po_lines.values()})
        await ReceiptLine.bulk_create(rows, using_db=conn)
        await webhooks.po_received(conn, ctx, po_id, receipt.id)
        await announce_availability(conn, ctx, [line.product_id for line in po_lines.values()])
        await close_if_complete(conn, po_id)
        impact = await _recompute(
            conn, list(per_product), ctx, EtaReason.RECEIPT, f"{po.number}: goods received"
        )
        total_queue = sum(row.to_queue for row in rows)
        total = sum(row.quantity for row in rows)
        return ReceiptResult(receipt.id, True, total_queue, total - total_queue, impact)


async def _supply_builds(
    conn: BaseDBAsyncClient,
    po_lines: dict[int, PurchaseOrderLine],
    builds: dict[int, int],
    receipt_id: int,
    ctx: Context,
) -> dict[int, int]:
    """Units made for a custom build fill that build's line; what it no longer needs (it was
    cancelled meanwhile) is stock. The caller holds the product rows. PO line id -> filled."""
    filled: dict[int, int] = {}
    for po_line_id in sorted(builds):
        po_line = po_lines[po_line_id]
        units = builds[po_line_id]
        filled[po_line_id] = await fill_build_line(
            conn,
            po_line_id,
            units,
            receipt_id=receipt_id,
            now=ctx.now,
        )
        product_id: int = po_line.product_id  # type: ignore[attr-defined]
        await stock.adjust(conn, product_id, on_hand=units - filled[po_line_id])
    return filled
