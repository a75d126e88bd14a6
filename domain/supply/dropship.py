"""Dropship, the supplier's side (DOMAIN.md rule 25): the maker records a parcel it sent.

Through the PO's private link only (``holder_of``: a tampered, replaced or expired link is
refused before anything is read), acted and audited as ``supplier:<id>``. Recording the parcel
ships the order line through the shop's own shipping service (rule 12: the parcel, the
customer's email with tracking, the ``shipment.sent`` webhook) and recognises its revenue
(rule 4), in one transaction that holds the order as a cancellation does: of a cancellation
and a parcel racing for one line, exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from domain.audit.models import AuditAction
from domain.audit.record import record
from domain.context import Context
from domain.db import with_retries
from domain.errors import Conflict, NotFound
from domain.ordering.models import Order, OrderLine
from domain.purchasing.closing import close_if_complete
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.shipping.models import Shipment
from domain.shipping.services import checked_parcel, ship_parcel_in
from domain.supply.answers import holder_of


@dataclass(frozen=True)
class ParcelSent:
    shipment_id: int
    order_number: str
    replayed: bool = False


async def record_dropship_parcel(
    token: str, po_line_id: int, carrier: str, tracking_number: str, *, ctx: Context
) -> ParcelSent:
    """The supplier sent the line's parcel: the line ships, the customer is told."""
    holder = await holder_of(token, ctx=ctx)
    acting = holder.context(ctx)
    carrier, tracking = checked_parcel(carrier, tracking_number)
    po = await PurchaseOrder.filter(id=holder.po_id).first()
    line = await PurchaseOrderLine.filter(id=po_line_id, purchase_order_id=holder.po_id).first()
    if po is None or not po.dropship or line is None or line.order_line_id is None:
        raise NotFound("This parcel is not on the purchase order.", field="lineId")
    order_line_id = line.order_line_id

    async def work() -> ParcelSent:
        async with in_transaction() as conn:
            order_id = (await OrderLine.get(id=order_line_id, using_db=conn)).order_id
            # The order first, as a cancellation holds it: the two never interleave.
            order = (
                await Order.filter(id=order_id)
                .select_for_update(no_key=True)
                .using_db(conn)
                .first()
            )
            assert order is not None
            current = await PurchaseOrderLine.get(id=po_line_id, using_db=conn)
            if current.shipment_id is not None:
                sent = await Shipment.get(id=current.shipment_id, using_db=conn)
                if (sent.carrier, sent.tracking_number) == (carrier, tracking):
                    return ParcelSent(sent.id, order.number, replayed=True)
                raise Conflict("This parcel was already recorded as sent.", field="lineId")
            units = current.quantity - current.quantity_cancelled
            if units <= 0:
                raise Conflict(
                    "The customer cancelled this line: please do not send it.", field="lineId"
                )
            taken = (
                await PurchaseOrderLine.filter(id=current.id, shipment_id__isnull=True)
                .using_db(conn)
                .update(quantity_received=units)
            )
            if taken != 1:
                raise Conflict("This parcel was already recorded as sent.", field="lineId")
            shipment = await ship_parcel_in(
                conn, order.id, {order_line_id: units}, carrier, tracking, acting
            )
            await (
                PurchaseOrderLine.filter(id=current.id)
                .using_db(conn)
                .update(shipment_id=shipment.id)
            )
            await close_if_complete(conn, holder.po_id)
            await record(
                conn,
                acting,
                AuditAction.SUPPLIER_ANSWERED,
                f"{holder.number}: parcel of {units} for {order.number} sent"
                f" by {carrier}, tracking {tracking}",
                order_id=order.id,
                purchase_order_id=holder.po_id,
            )
            return ParcelSent(shipment.id, order.number)

    return await with_retries(work)
