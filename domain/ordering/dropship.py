"""Dropship, the ordering side (DOMAIN.md rule 25).

A dropship line is shipped by the product's supplier (the maker) straight to the customer. At
checkout it takes no stock and never joins the product's queue: its units count as allocated
(by the supplier) until the supplier records the parcel through its link
(``domain/supply/dropship.py``). Placing the order adds one line per order line to the
supplier's dropship PO of the store day, created by the first order of the day: one insert
keyed ``dropship:<supplier>:<day>`` that concurrent orders wait on, so a day never gets two.
The supplier is emailed the PO's private link; cancelling an unshipped dropship line cancels
its PO line and tells the supplier.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from domain.catalog.models import Supplier
from domain.catalog.reads import shipped_by
from domain.context import Context
from domain.customers.links import new_number
from domain.db import Dialect, fetch
from domain.errors import Conflict, InvalidInput
from domain.ordering.held import HeldProduct
from domain.ordering.models import Order, OrderLine
from domain.outbox.enqueue import enqueue
from domain.purchasing.closing import close_if_complete
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.validation import clean_email
from domain.vocabulary import OutboxKind, PurchaseOrderStatus, ShippedBy

SHIPPED_ALREADY = "The maker has already shipped this line; it can no longer be cancelled."


def by_maker(product: HeldProduct, asked: bool | None, field: str) -> bool:
    """Whether a line ships from the maker: the product's setting, and the customer's choice
    where the product allows both (the shop when the customer says nothing)."""
    how = shipped_by(product.dropship, product.dropship_optional, product.supplier_id)
    if how == ShippedBy.EITHER:
        return bool(asked)
    if asked is None:
        return how == ShippedBy.MAKER
    if asked and how == ShippedBy.SHOP:
        raise InvalidInput(f"{product.name} ships from our stock only.", field=field)
    if not asked and how == ShippedBy.MAKER:
        raise InvalidInput(f"{product.name} is shipped by its maker only.", field=field)
    return asked


def check_supplier(product: HeldProduct, field: str) -> int:
    if product.supplier_id is None:
        raise InvalidInput(f"{product.name} cannot be shipped by its maker now.", field=field)
    return product.supplier_id


def day_key(supplier_id: int, day: dt.date) -> str:
    return f"dropship:{supplier_id}:{day.isoformat()}"


async def todays_po(conn: BaseDBAsyncClient, supplier: Supplier, ctx: Context) -> int:
    """The supplier's dropship PO of the store day, created by the first order of the day.

    ON CONFLICT DO NOTHING waits for a concurrent order's insert and leaves this transaction
    usable (a caught IntegrityError would abort it on PostgreSQL). The link is made once: its
    last day is part of the token, so it never changes while the PO lives.
    """
    key = day_key(supplier.id, ctx.today)
    expected = ctx.today + dt.timedelta(days=supplier.lead_time_days)
    expires = expected + dt.timedelta(days=ctx.policy.supplier_link_days)
    d = Dialect(conn)
    rows = await fetch(
        conn,
        "INSERT INTO purchase_order (number, supplier_id, expected_date, status,"
        " idempotency_key, created_by, created_at, sent_at, link_salt, link_expires, dropship)"
        f" VALUES (?, ?, {d.date}, ?, ?, ?, {d.timestamp}, {d.timestamp}, ?, {d.date}, ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        [
            new_number("PO"),
            supplier.id,
            expected,
            PurchaseOrderStatus.OPEN.value,
            key,
            str(ctx.actor),
            ctx.now,
            ctx.now,
            secrets.token_hex(16),
            expires,
            True,
        ],
    )
    if rows:
        return int(rows[0]["id"])
    found = await PurchaseOrder.filter(idempotency_key=key).using_db(conn).first()
    if found is None:  # the key was taken by something else: never expected
        raise Conflict("The maker's order could not be started; please try again.")
    return found.id


@dataclass(frozen=True)
class DropshipLine:
    line_id: int
    quantity: int
    product_id: int
    supplier_id: int | None


async def send_to_makers(
    conn: BaseDBAsyncClient, order: Order, placed: list[DropshipLine], ctx: Context
) -> None:
    """Each dropship line becomes a line of its supplier's PO of the day, pegged to it, with
    the customer's address; each supplier is emailed once for this order."""
    if not placed:
        return
    suppliers = {
        s.id: s
        for s in await Supplier.filter(
            id__in=sorted({p.supplier_id for p in placed if p.supplier_id})
        ).using_db(conn)
    }
    ship_to = f"{order.shipping_name}\n{order.shipping_address}".strip()
    told: dict[int, int] = {}
    for item in sorted(placed, key=lambda p: (p.supplier_id or 0, p.line_id)):
        supplier = suppliers[item.supplier_id or 0]
        po_id = told.get(supplier.id) or await todays_po(conn, supplier, ctx)
        po_line = await PurchaseOrderLine.create(
            purchase_order_id=po_id,
            product_id=item.product_id,
            quantity=item.quantity,
            order_line_id=item.line_id,
            ship_to=ship_to,
            using_db=conn,
        )
        await OrderLine.filter(id=item.line_id).using_db(conn).update(pegged_po_line_id=po_line.id)
        if supplier.id not in told:  # a day's PO closed by its last parcel opens again
            await (
                PurchaseOrder.filter(id=po_id, status=PurchaseOrderStatus.CLOSED)
                .using_db(conn)
                .update(status=PurchaseOrderStatus.OPEN)
            )
        told[supplier.id] = po_id
    for supplier_id, po_id in told.items():
        await _tell_supplier(conn, suppliers[supplier_id], po_id, ctx, {"order": order.number})


async def _tell_supplier(
    conn: BaseDBAsyncClient, supplier: Supplier, po_id: int, ctx: Context, extra: dict
) -> None:
    """An email with the PO's link; a supplier without a valid address is left to staff, who
    see the PO on the purchasing pages, rather than refusing the customer's order."""
    try:
        address = clean_email(supplier.email, field="supplierEmail")
    except InvalidInput:
        return
    await enqueue(
        conn,
        ctx,
        OutboxKind.PURCHASE_ORDER_SENT,
        address,
        payload={"purchase_order_id": po_id, "dropship": True, **extra},
    )


async def cancel_at_maker(
    conn: BaseDBAsyncClient, order: Order, line: OrderLine, quantity: int, ctx: Context
) -> None:
    """Rule 25 with rule 13: the units leave the supplier's PO line and the supplier is told.
    Guarded on the parcel: a line the supplier recorded as sent is never cancelled."""
    po_line = await PurchaseOrderLine.filter(order_line_id=line.id).using_db(conn).first()
    if po_line is None:
        return
    changed = (
        await PurchaseOrderLine.filter(
            id=po_line.id,
            shipment_id__isnull=True,
            quantity_cancelled=po_line.quantity_cancelled,
        )
        .using_db(conn)
        .update(quantity_cancelled=F("quantity_cancelled") + quantity)
    )
    if changed != 1 or po_line.quantity - po_line.quantity_cancelled < quantity:
        raise Conflict(SHIPPED_ALREADY, field="lines")
    await close_if_complete(conn, po_line.purchase_order_id)
    supplier = await Supplier.get(
        id=(await PurchaseOrder.get(id=po_line.purchase_order_id, using_db=conn)).supplier_id,
        using_db=conn,
    )
    await _tell_supplier(
        conn,
        supplier,
        po_line.purchase_order_id,
        ctx,
        {"cancelled_line": po_line.id, "cancelled_units": quantity, "order": order.number},
    )
