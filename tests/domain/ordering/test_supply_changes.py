"""When supply changes: DOMAIN.md rules 6 to 11 and 13."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.catalog.models import Product
from domain.errors import IdempotencyKeyReused
from domain.ordering.changes import CancelRequest, cancel_order_lines
from domain.ordering.models import Allocation, DelayNotice, EtaChange, OrderLine
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import PurchaseOrderLine, Receipt, ReceiptLine
from domain.supply.purchase_orders import (
    ReceiptLineRequest,
    cancel_purchase_order_line,
    receive,
    revise_expected_date,
)
from domain.vocabulary import EtaBasis, OutboxKind
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def _po_line(po_id: int) -> PurchaseOrderLine:
    return await PurchaseOrderLine.get(purchase_order_id=po_id)


async def test_receipt_fills_oldest_backorder_first() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    late_po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=20), (product, 5))
    first = await b.order((product, 2))
    second = await b.order((product, 2), context=b.later(b.ctx(), seconds=1))
    third = await b.order((product, 2), context=b.later(b.ctx(), seconds=2))
    line = await _po_line(late_po.id)
    result = await receive(late_po.id, "r-1", [ReceiptLineRequest(line.id, 3)], ctx=b.ctx())
    assert (result.to_queue, result.to_stock) == (3, 0)
    lines = {ln.order_id: ln for ln in await OrderLine.all()}
    assert (lines[first.order.id].qty_allocated, lines[first.order.id].qty_waiting) == (2, 0)
    assert (lines[second.order.id].qty_allocated, lines[second.order.id].qty_waiting) == (1, 1)
    assert lines[third.order.id].qty_allocated == 0
    assert lines[first.order.id].eta_basis == EtaBasis.IN_STOCK


async def test_receipt_leftover_goes_to_stock_and_invariant_holds() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (product, 10))
    await b.order((product, 4))
    result = await receive(
        po.id, "r-2", [ReceiptLineRequest((await _po_line(po.id)).id, 10)], ctx=b.ctx()
    )
    assert (result.to_queue, result.to_stock) == (4, 6)
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (6, 0)


async def test_same_receipt_key_is_applied_once() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (product, 10))
    line = await _po_line(po.id)
    first = await receive(po.id, "r-3", [ReceiptLineRequest(line.id, 4)], ctx=b.ctx())
    again = await receive(po.id, "r-3", [ReceiptLineRequest(line.id, 4)], ctx=b.ctx())
    assert first.applied and not again.applied and again.receipt_id == first.receipt_id
    assert (await Product.get(id=product.id)).on_hand == 4


async def _receiving_state() -> dict[str, list[tuple[Any, ...]]]:
    """Stock, queue, PO lines and receipts as rows, to compare before and after a call."""
    return {
        "products": await Product.all()
        .order_by("id")
        .values_list("id", "on_hand", "waiting_units"),
        "lines": await OrderLine.all()
        .order_by("id")
        .values_list("id", "qty_allocated", "qty_waiting"),
        "allocations": await Allocation.all()
        .order_by("id")
        .values_list("id", "line_id", "receipt_id", "quantity"),
        "po_lines": await PurchaseOrderLine.all()
        .order_by("id")
        .values_list("id", "quantity_received"),
        "receipts": await Receipt.all()
        .order_by("id")
        .values_list("id", "key", "purchase_order_id"),
        "receipt_lines": await ReceiptLine.all()
        .order_by("id")
        .values_list("id", "receipt_id", "po_line_id", "quantity", "to_queue", "to_stock"),
        "eta_changes": await EtaChange.all().order_by("id").values_list("id"),
    }


async def test_a_receipt_key_reused_for_other_goods_is_refused_and_changes_nothing() -> None:
    """Given goods received under a key, when other goods come under it, nothing is applied."""
    supplier = await b.supplier()
    helmet = await b.product(supplier_=supplier)
    lamp = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (helmet, 10), (lamp, 10))
    other_po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=8), (helmet, 10))
    by_product = {
        ln.product_id: ln.id for ln in await PurchaseOrderLine.filter(purchase_order_id=po.id)
    }
    hl, ll = by_product[helmet.id], by_product[lamp.id]
    other = (await _po_line(other_po.id)).id
    await b.order((helmet, 3))

    def goods(*pairs: tuple[int, int]) -> list[ReceiptLineRequest]:
        return [ReceiptLineRequest(line, quantity) for line, quantity in pairs]

    first = await receive(po.id, "dn-9", goods((hl, 4), (ll, 2)), ctx=b.ctx())
    assert first.applied and (first.to_queue, first.to_stock) == (3, 3)
    before = await _receiving_state()

    for po_id, lines in [
        (po.id, goods((hl, 5), (ll, 2))),  # another quantity
        (po.id, goods((hl, 2), (ll, 4))),  # the same quantities on the other lines
        (po.id, goods((hl, 4))),  # fewer lines
        (po.id, goods((hl, 4), (ll, 2), (hl, 1))),  # more lines
        (other_po.id, goods((other, 4))),  # another purchase order
        (other_po.id, goods((hl, 4), (ll, 2))),  # the same lines under another PO's id
    ]:
        with pytest.raises(IdempotencyKeyReused) as refused:
            await receive(po_id, "dn-9", lines, ctx=b.ctx())
        assert refused.value.field == "receiptKey", lines
        assert await _receiving_state() == before, lines

    again = await receive(po.id, "dn-9", goods((ll, 2), (hl, 4)), ctx=b.ctx())
    assert not again.applied and again.receipt_id == first.receipt_id
    assert (again.to_queue, again.to_stock) == (3, 3)
    assert await _receiving_state() == before


async def test_change_below_threshold_is_recorded_but_not_emailed() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 10))
    placed = await b.order((product, 2))
    impact = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=9), "Loaded a day early", ctx=b.ctx()
    )
    assert impact.lines_moved == 1 and impact.emails_queued == 0  # one day: below threshold
    changes = await EtaChange.filter(line_id=placed.order.lines[0].id)
    assert len(changes) == 1 and not changes[0].material


async def test_material_delay_past_promise_sends_one_delay_notice_per_order() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    other = await b.product(supplier_=supplier)
    po = await b.purchase_order(
        supplier, b.TODAY + dt.timedelta(days=10), (product, 10), (other, 10)
    )
    placed = await b.order((product, 2), (other, 1))
    impact = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=25), "Factory fire", ctx=b.ctx()
    )
    assert impact.lines_moved == 2 and impact.delay_notices == 2
    emails = await OutboxMessage.filter(order_id=placed.order.id, kind=OutboxKind.DELAY_NOTICE)
    assert len(emails) == 1
    notices = await DelayNotice.filter(order_id=placed.order.id)
    assert {n.requires_answer for n in notices} == {False}


async def test_earlier_date_is_good_news_not_a_delay() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=20), (product, 10))
    placed = await b.order((product, 2))
    await revise_expected_date(po.id, b.TODAY + dt.timedelta(days=5), "Early ship", ctx=b.ctx())
    kinds = [m.kind for m in await OutboxMessage.filter(order_id=placed.order.id)]
    assert sorted(kinds) == [OutboxKind.ETA_CHANGED, OutboxKind.ORDER_CONFIRMATION]
    assert await DelayNotice.all().count() == 0


async def test_any_slip_past_the_promise_gets_a_delay_notice() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 10))
    placed = await b.order((product, 2))
    impact = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=11), "Port congestion", ctx=b.ctx()
    )
    assert impact.delay_notices == 1 and impact.emails_queued == 1
    notice = await DelayNotice.get(order_id=placed.order.id)
    assert notice.new_latest == b.TODAY + dt.timedelta(days=11 + b.POLICY.transit_days_max)


async def test_cancelling_allocated_units_refills_the_next_in_queue() -> None:
    product = await b.product(on_hand=2)
    first = await b.order((product, 2))
    second = await b.order((product, 1), context=b.later(b.ctx(), seconds=1))
    await cancel_order_lines(
        first.order.id, [CancelRequest(first.order.lines[0].id)], ctx=b.later(b.ctx(), seconds=2)
    )
    line = await OrderLine.get(id=second.order.lines[0].id)
    assert (line.qty_allocated, line.qty_waiting) == (1, 0)
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (1, 0)


async def test_cancelled_po_line_moves_queue_to_lead_time() -> None:
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 10))
    placed = await b.order((product, 2))
    await cancel_purchase_order_line((await _po_line(po.id)).id, "Discontinued", ctx=b.ctx())
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert line.eta_basis == EtaBasis.LEAD_TIME and line.pegged_po_line_id is None
