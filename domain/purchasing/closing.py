"""A purchase order closes when every line is received or cancelled."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.vocabulary import PurchaseOrderStatus


async def close_if_complete(conn: BaseDBAsyncClient, po_id: int) -> None:
    lines = await PurchaseOrderLine.filter(purchase_order_id=po_id).using_db(conn)
    if all(ln.quantity_received + ln.quantity_cancelled >= ln.quantity for ln in lines):
        await (
            PurchaseOrder.filter(id=po_id).using_db(conn).update(status=PurchaseOrderStatus.CLOSED)
        )
