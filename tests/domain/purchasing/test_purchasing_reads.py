"""Purchase orders for staff: overdue first, then by expected date; what is pegged to them."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.purchasing.models import PurchaseOrderLine
from domain.purchasing.reads import (
    po_cursor,
    purchase_order_page,
    purchase_orders_by_line_id,
    supplier_page,
)
from domain.vocabulary import PurchaseOrderStatus
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_overdue_purchase_orders_come_first_and_pages_follow_on() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    early = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=2), (product, 1))
    late = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=20), (product, 1))
    mid = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=9), (product, 1))
    today = b.TODAY + dt.timedelta(days=5)  # ``early`` is overdue now
    page = await purchase_order_page(today=today, first=2)
    assert [p.id for p in page.items] == [early.id, mid.id] and page.has_next
    assert page.items[0].overdue(today) and not page.items[1].overdue(today)
    rest = await purchase_order_page(today=today, after=po_cursor(page.items[-1], today))
    assert [p.id for p in rest.items] == [late.id] and not rest.has_next
    closed = await purchase_order_page(today=today, status=PurchaseOrderStatus.CLOSED)
    assert closed.items == []


async def test_lines_show_what_waits_on_them_and_belong_to_their_po() -> None:
    supplier = await b.supplier(name="Acme")
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=4), (product, 6))
    await b.order((product, 4))
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    view = (await purchase_orders_by_line_id([line.id]))[line.id]
    assert view.supplier_name == "Acme"
    assert (view.lines[0].remaining, view.lines[0].waiting_pegged) == (6, 4)
    suppliers = await supplier_page()
    assert [s.name for s in suppliers.items] == ["Acme"]
