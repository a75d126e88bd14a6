"""Who cancelled and who changed a priority is recorded always, even when no ETA moves."""

from __future__ import annotations

import pytest

from domain.audit.models import AuditAction, AuditEntry
from domain.context import Actor
from domain.ordering.changes import CancelRequest, cancel_order_lines, set_order_priority
from domain.ordering.models import OrderLine
from domain.purchasing.models import PurchaseOrderLine
from domain.supply.purchase_orders import cancel_purchase_order_line
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_a_customer_cancellation_nobody_waits_behind_is_still_recorded() -> None:
    product = await b.product(on_hand=0)
    placed = await b.order((product, 2))
    line = await OrderLine.get(order_id=placed.order.id)
    await cancel_order_lines(
        placed.order.id,
        [CancelRequest(line.id, 1)],
        ctx=b.ctx(actor=Actor("customer")),
        reason="cancelled by the customer",
    )
    entry = await AuditEntry.get()
    assert (entry.action, entry.actor, entry.order_id) == (
        AuditAction.ORDER_LINES_CANCELLED,
        "customer",
        placed.order.id,
    )
    assert entry.detail == f"1 × {product.name}: cancelled by the customer"


async def test_a_priority_change_is_recorded_with_its_actor() -> None:
    product = await b.product(on_hand=5)
    placed = await b.order((product, 1))
    await set_order_priority(placed.order.id, 5, ctx=b.ctx(actor=Actor("staff", "7")))
    entry = await AuditEntry.get()
    assert (entry.action, entry.detail, entry.actor) == (
        AuditAction.PRIORITY_CHANGED,
        "priority 0 to 5",
        "staff:7",
    )


async def test_a_cancelled_purchase_order_line_is_recorded_on_its_po() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, sku="AC-9")
    po = await b.purchase_order(supplier, b.TODAY, (product, 4))
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    await cancel_purchase_order_line(line.id, "Discontinued", ctx=b.ctx(actor=Actor("token", "3")))
    entry = await AuditEntry.get()
    assert (entry.purchase_order_id, entry.detail, entry.actor) == (
        po.id,
        "4 × AC-9 cancelled: Discontinued",
        "token:3",
    )
