"""Staff order search: newest first, waiting, overdue, product and customer filters."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import InvalidInput
from domain.ordering.search import OrderFilter, search_orders
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_orders_waiting_on_an_overdue_po_are_overdue() -> None:
    supplier = await b.supplier(lead_time_days=90)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=3), (product, 2))
    pegged = await b.order((product, 2))
    beyond = await b.order((product, 1))
    later = b.TODAY + dt.timedelta(days=10)  # the PO is now 7 days late
    page = await search_orders(OrderFilter(overdue=True), today=later)
    assert [o.id for o in page.items] == [pegged.order.id]
    page = await search_orders(OrderFilter(overdue=False), today=later)
    assert [o.id for o in page.items] == [beyond.order.id]


async def test_filters_combine_and_pages_go_newest_first() -> None:
    stocked = await b.product(on_hand=10)
    other = await b.product(on_hand=10)
    made = [await b.order((stocked, 1), email="a@example.com") for _ in range(3)]
    await b.order((other, 1), email="b@example.com")
    wanted = OrderFilter(sku=stocked.sku, customer_email="A@example.com", waiting=False)
    page = await search_orders(wanted, today=b.TODAY, first=2)
    assert [o.id for o in page.items] == [made[2].order.id, made[1].order.id] and page.has_next
    rest = await search_orders(wanted, today=b.TODAY, before_id=made[1].order.id, first=2)
    assert [o.id for o in rest.items] == [made[0].order.id] and not rest.has_next
    with pytest.raises(InvalidInput):
        await search_orders(OrderFilter(customer_email="nope"), today=b.TODAY)
