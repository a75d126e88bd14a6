"""The backorder report: queues by size, money in exact decimals, booked versus recognised."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.ordering.backorders import RowCursor, backorder_rows, backorder_totals
from domain.ordering.changes import CancelRequest, cancel_order_lines
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_totals_book_backorders_and_recognise_revenue_on_shipment() -> None:
    stocked = await b.product(on_hand=5, price="19.99")
    waits = await b.product(price="0.10")
    placed = await b.order((stocked, 2), (waits, 3))
    await b.shipped(placed.order.id)
    await cancel_order_lines(
        placed.order.id, [CancelRequest(placed.order.lines[1].id, 1)], ctx=b.ctx()
    )
    totals = await backorder_totals()
    assert (totals.waiting_units, totals.waiting_lines, totals.orders) == (2, 1, 1)
    assert totals.value == Decimal("0.20")
    assert totals.booked == Decimal("40.18")  # 39.98 + 0.30 booked, 0.10 cancelled
    assert totals.recognised == Decimal("39.98")
    assert totals.refunds_due == Decimal("0.10")


async def test_rows_list_the_longest_queues_first_with_their_supply() -> None:
    supplier = await b.supplier()
    short = await b.product(supplier_=supplier)
    long = await b.product(supplier_=supplier)
    await b.purchase_order(
        supplier, b.TODAY - dt.timedelta(days=1), (long, 2), context=b.later(b.ctx(), days=-5)
    )
    await b.order((short, 1))
    await b.order((long, 3))
    await b.order((long, 2))
    page = await backorder_rows(today=b.TODAY, first=1)
    row = page.rows[0]
    assert (row.sku, row.waiting_units, row.waiting_lines, row.orders) == (long.sku, 5, 2, 2)
    assert (row.open_po_units, row.overdue_po_units) == (2, 2)
    assert page.has_next
    rest = await backorder_rows(today=b.TODAY, after=RowCursor(row.waiting_units, row.product_id))
    assert [r.sku for r in rest.rows] == [short.sku]
