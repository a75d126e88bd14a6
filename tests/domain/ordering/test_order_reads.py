"""Batched order reads: many orders, their history, parcels and open notices, in few queries."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.ordering.reads import (
    eta_history,
    open_delay_notices,
    order_by_token,
    order_views,
    shipments_of_orders,
)
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import DelayNoticeStatus, EtaReason, ShipmentStatus
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_order_views_read_each_order_with_its_lines_in_placing_order() -> None:
    scarce, plenty = await b.product(on_hand=2), await b.product(on_hand=5)
    first = await b.order((scarce, 3))
    second = await b.order((scarce, 1), (plenty, 2))
    views = await order_views([first.order.id, second.order.id, 999])
    assert set(views) == {first.order.id, second.order.id}
    assert views[first.order.id].number == first.order.number
    assert [
        (line.sku, line.quantity, line.allocated, line.waiting)
        for line in views[second.order.id].lines
    ] == [(scarce.sku, 1, 0, 1), (plenty.sku, 2, 2, 0)]
    assert [(line.allocated, line.waiting) for line in views[first.order.id].lines] == [(2, 1)]


async def test_order_by_token_opens_only_with_the_right_token() -> None:
    placed = await b.order((await b.product(on_hand=1), 1))
    found = await order_by_token(placed.token)
    assert found is not None and found.number == placed.order.number
    assert await order_by_token(placed.token[:-1] + "x") is None
    assert await order_by_token("") is None


async def test_history_parcels_and_open_notices_per_order() -> None:
    supplier = await b.supplier(lead_time_days=80)
    waits = await b.product(supplier_=supplier)
    stocked = await b.product(on_hand=4)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (waits, 5))
    placed = await b.order((stocked, 2), (waits, 1))
    await b.shipped(placed.order.id)
    await revise_expected_date(po.id, b.TODAY + dt.timedelta(days=30), "late", ctx=b.ctx())
    order_id = placed.order.id
    waiting_line = placed.order.lines[1].id

    history = (await eta_history([order_id]))[order_id]
    assert [c.reason for c in history[waiting_line]] == [EtaReason.PO_DATE_CHANGED]
    assert history[waiting_line][0].previous is not None
    parcels = (await shipments_of_orders([order_id]))[order_id]
    assert parcels[0].status == ShipmentStatus.SHIPPED
    assert [(i.line_id, i.quantity) for i in parcels[0].items] == [(placed.order.lines[0].id, 2)]
    notices = (await open_delay_notices([order_id]))[order_id]
    assert [(n.line_id, n.status) for n in notices] == [(waiting_line, DelayNoticeStatus.OPEN)]
    assert notices[0].eta.latest == b.TODAY + dt.timedelta(days=30 + b.POLICY.transit_days_max)
    assert (await open_delay_notices([12345])) == {12345: []}
