"""Creating use cases with a key: a replay returns the first result; other input is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.builds.models import BuildQuote
from domain.builds.services import adjust_quote
from domain.errors import IdempotencyKeyReused
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.shipping.services import create_shipment
from domain.supply.purchase_orders import (
    PoLineRequest,
    ReceiptLineRequest,
    create_purchase_order,
    receive,
    revise_expected_date,
)
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_a_purchase_order_key_replays_even_after_a_revision() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    expected = b.TODAY + dt.timedelta(days=10)
    lines = [PoLineRequest(product.sku, 5)]
    first = await create_purchase_order(supplier.id, expected, lines, ctx=b.ctx(), key="po")
    await revise_expected_date(first.id, expected + dt.timedelta(days=3), "late", ctx=b.ctx())
    again = await create_purchase_order(supplier.id, expected, lines, ctx=b.ctx(), key="po")
    assert again.id == first.id and await PurchaseOrder.all().count() == 1
    with pytest.raises(IdempotencyKeyReused):
        await create_purchase_order(
            supplier.id, expected, [PoLineRequest(product.sku, 6)], ctx=b.ctx(), key="po"
        )


async def test_a_receipt_key_for_other_goods_is_refused() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=3), (product, 10))
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    first = await receive(po.id, "dn", [ReceiptLineRequest(line.id, 4)], ctx=b.ctx())
    again = await receive(po.id, "dn", [ReceiptLineRequest(line.id, 4)], ctx=b.ctx())
    assert first.applied and not again.applied and again.receipt_id == first.receipt_id
    with pytest.raises(IdempotencyKeyReused) as refused:
        await receive(po.id, "dn", [ReceiptLineRequest(line.id, 3)], ctx=b.ctx())
    assert refused.value.field == "receiptKey"


async def test_a_shipment_key_for_other_lines_is_refused() -> None:
    placed = await b.order((await b.product(on_hand=5), 3))
    line = placed.order.lines[0].id
    first = await create_shipment(placed.order.id, ctx=b.ctx(), lines={line: 1}, key="s")
    assert (
        await create_shipment(placed.order.id, ctx=b.ctx(), lines={line: 1}, key="s")
    ).id == first.id
    assert (await create_shipment(placed.order.id, ctx=b.ctx(), key="s")).id == first.id
    with pytest.raises(IdempotencyKeyReused):
        await create_shipment(placed.order.id, ctx=b.ctx(), lines={line: 2}, key="s")


async def test_a_build_key_for_another_request_is_refused() -> None:
    bike, options = await b.custom_build_product()
    first = await b.build_request(bike, options, notes="red", key="k")
    again = await b.build_request(bike, options, notes="red", key="k")
    assert again.request.id == first.request.id and again.token == first.token
    with pytest.raises(IdempotencyKeyReused):
        await b.build_request(bike, options, notes="blue", key="k")


async def test_sending_the_same_quote_again_makes_no_new_quote() -> None:
    made = await b.build_request()
    first = await adjust_quote(made.request.id, "9000", 40, "paint", ctx=b.ctx())
    again = await adjust_quote(made.request.id, Decimal("9000.00"), 40, "paint", ctx=b.ctx())
    assert again.id == first.id and await BuildQuote.all().count() == 2


async def test_accepting_a_build_again_replays_but_another_quote_is_not_found() -> None:
    from domain.builds.services import accept_quote
    from domain.errors import NotFound

    made = await b.build_request()
    first = await accept_quote(made.token, made.quote.id, ctx=b.ctx())
    assert await accept_quote(made.token, made.quote.id, ctx=b.ctx()) == first
    with pytest.raises(NotFound) as refused:
        await accept_quote(made.token, made.quote.id + 1000, ctx=b.ctx())
    assert refused.value.field == "quoteId"
