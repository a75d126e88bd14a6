"""A custom build's line waits for the unit made for it, never a queue neighbour's.

Two customers' builds of one base product share the product's queue; each configuration is a
different machine, so a unit is made for one build (a PO line that names it) and fills that
build's line only. A unit made for no build, or returned by a cancelled build, is stock.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.builds.services import RequestedBuild, accept_quote
from domain.catalog.models import Product
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ordering.changes import CancelRequest, cancel_order_lines
from domain.ordering.models import Allocation, OrderLine
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReceiptLine
from domain.supply.purchase_orders import (
    PoLineRequest,
    ReceiptLineRequest,
    ReceiptResult,
    create_purchase_order,
    receive,
)
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def accepted_build(requested: RequestedBuild) -> OrderLine:
    """A customer's requested build, accepted: its one waiting line."""
    await accept_quote(requested.token, requested.quote.id, ctx=b.ctx())
    return await OrderLine.get(build_request_id=requested.request.id)


async def two_builds() -> tuple[Product, OrderLine, OrderLine]:
    """Ada's build (accepted first) and Bea's, of other options, on one base product."""
    motorcycle, options = await b.custom_build_product()
    ada = await b.build_request(motorcycle, options, frame="Carbon", email="ada@example.com")
    ada_line = await accepted_build(ada)
    bea = await b.build_request(motorcycle, options, engine="1200cc", email="bea@example.com")
    return motorcycle, ada_line, await accepted_build(bea)


async def made_for(product: Product, line: OrderLine | None) -> PurchaseOrder:
    """A PO of one unit of ``product``, made for ``line``'s build (or for no build)."""
    build_id = line.build_request_id if line else None  # type: ignore[attr-defined]
    return await create_purchase_order(
        (await b.supplier()).id,
        b.TODAY + dt.timedelta(days=20),
        [PoLineRequest(product.sku, 1, build_request_id=build_id)],
        ctx=b.ctx(),
    )


async def quantities(line: OrderLine) -> tuple[int, int, int]:
    fresh = await OrderLine.get(id=line.id)
    return fresh.qty_waiting, fresh.qty_allocated, fresh.qty_cancelled


async def test_receiving_the_unit_made_for_bea_fills_bea_never_ada_ahead_of_her() -> None:
    motorcycle, ada, bea = await two_builds()
    received = await b.receipt(await made_for(motorcycle, bea), 1)
    assert (received.to_queue, received.to_stock) == (1, 0)
    assert await quantities(bea) == (0, 1, 0)
    assert await quantities(ada) == (1, 0, 0)
    given = await Allocation.all().values_list("line_id", "receipt_id", "quantity")
    assert given == [(bea.id, received.receipt_id, 1)]
    assert await ReceiptLine.all().values_list("to_queue", "to_stock") == [(1, 0)]
    product = await Product.get(id=motorcycle.id)
    assert (product.on_hand, product.waiting_units) == (0, 1)


async def test_a_unit_made_for_no_build_is_stock_and_fills_no_build_line() -> None:
    motorcycle, ada, bea = await two_builds()
    received = await b.receipt(await made_for(motorcycle, None), 1)
    assert (received.to_queue, received.to_stock) == (0, 1)
    assert await quantities(ada) == (1, 0, 0) and await quantities(bea) == (1, 0, 0)
    product = await Product.get(id=motorcycle.id)
    assert (product.on_hand, product.waiting_units) == (1, 2)


async def test_a_cancelled_builds_unit_returns_to_stock_not_to_another_build() -> None:
    motorcycle, ada, bea = await two_builds()
    await b.receipt(await made_for(motorcycle, bea), 1)
    await cancel_order_lines(bea.order_id, [CancelRequest(bea.id)], ctx=b.ctx())  # type: ignore[attr-defined]
    assert await quantities(bea) == (0, 0, 1)
    assert await quantities(ada) == (1, 0, 0)
    product = await Product.get(id=motorcycle.id)
    assert (product.on_hand, product.waiting_units) == (1, 1)


async def test_a_unit_for_a_build_cancelled_before_it_arrives_is_stock() -> None:
    motorcycle, ada, bea = await two_builds()
    po = await made_for(motorcycle, bea)
    await cancel_order_lines(bea.order_id, [CancelRequest(bea.id)], ctx=b.ctx())  # type: ignore[attr-defined]
    received = await b.receipt(po, 1)
    assert (received.to_queue, received.to_stock) == (0, 1)
    assert await quantities(ada) == (1, 0, 0)
    assert await Allocation.all().count() == 0


async def test_a_po_line_made_for_a_build_names_an_accepted_build_of_its_product() -> None:
    motorcycle, ada, _ = await two_builds()
    other, _ = await b.custom_build_product()
    supplier = (await b.supplier()).id
    due = b.TODAY + dt.timedelta(days=20)
    build_id = ada.build_request_id  # type: ignore[attr-defined]
    with pytest.raises(NotFound) as unknown:
        await create_purchase_order(
            supplier,
            due,
            [PoLineRequest(motorcycle.sku, 1, build_request_id=(build_id or 0) + 99)],
            ctx=b.ctx(),
        )
    assert unknown.value.field == "lines[0].customBuildId"
    with pytest.raises(InvalidInput) as wrong_product:
        await create_purchase_order(
            supplier, due, [PoLineRequest(other.sku, 1, build_request_id=build_id)], ctx=b.ctx()
        )
    assert wrong_product.value.field == "lines[0].customBuildId"
    with pytest.raises(InvalidInput) as two_units:
        await create_purchase_order(
            supplier,
            due,
            [PoLineRequest(motorcycle.sku, 2, build_request_id=build_id)],
            ctx=b.ctx(),
        )
    assert two_units.value.field == "lines[0].quantity"
    assert await PurchaseOrder.all().count() == 0
    await made_for(motorcycle, ada)
    with pytest.raises(Conflict) as twice:
        await made_for(motorcycle, ada)
    assert twice.value.field == "lines[0].customBuildId"
    assert await PurchaseOrder.all().count() == 1


async def test_units_for_two_builds_received_together_each_fill_their_own() -> None:
    motorcycle, ada, bea = await two_builds()
    po = await create_purchase_order(
        (await b.supplier()).id,
        b.TODAY + dt.timedelta(days=20),
        [
            PoLineRequest(motorcycle.sku, 1, build_request_id=bea.build_request_id),  # type: ignore[attr-defined]
            PoLineRequest(motorcycle.sku, 1, build_request_id=ada.build_request_id),  # type: ignore[attr-defined]
        ],
        ctx=b.ctx(),
    )
    po_lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    received: ReceiptResult = await receive(
        po.id, "both", [ReceiptLineRequest(line.id, 1) for line in po_lines], ctx=b.ctx()
    )
    assert (received.to_queue, received.to_stock) == (2, 0)
    lines_of = {row["line_id"] for row in await Allocation.all().values("line_id")}
    assert lines_of == {ada.id, bea.id}
    assert await quantities(ada) == (0, 1, 0) and await quantities(bea) == (0, 1, 0)
