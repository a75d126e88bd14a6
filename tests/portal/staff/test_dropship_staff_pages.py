"""Dropship in the console (rule 25): staff set who ships a product on its form, and see a
dropship PO marked, with each customer's address and whether its parcel left."""

from __future__ import annotations

import httpx
import pytest

from domain.catalog.models import Product, Supplier
from domain.purchasing.models import PurchaseOrder
from tests import builders as b
from tests.portal.staff.conftest import now_ctx, submit

pytestmark = pytest.mark.usefixtures("db")

FORM = {
    "sku": "LAMP-1",
    "name": "Arc lamp",
    "description": "",
    "price": "329.00",
    "mode": "stocked",
    "backorders": "unlimited",
    "cap": "",
    "release_date": "",
    "lead_time_days": "",
    "per_order_limit": "",
}


async def test_staff_set_a_product_to_be_shipped_by_its_maker(staff: httpx.AsyncClient) -> None:
    maker = await b.supplier(name="Lumen", lead_time_days=6)
    form = await staff.get("/staff/products/new")
    assert 'name="shipped_by"' in form.text
    created = await submit(
        staff,
        "/staff/products/new",
        "/staff/products/new",
        {**FORM, "supplier_id": str(maker.id), "shipped_by": "either"},
    )
    assert created.status_code == 303, created.text[:2000]
    lamp = await Product.get(sku="LAMP-1")
    assert (lamp.dropship, lamp.dropship_optional) == (True, True)
    refused = await submit(
        staff,
        "/staff/products/new",
        "/staff/products/new",
        {**FORM, "sku": "LAMP-2", "supplier_id": "", "shipped_by": "maker"},
    )
    assert refused.status_code == 400 and "needs a supplier" in refused.text
    assert not await Product.filter(sku="LAMP-2").exists()


async def test_staff_see_the_dropship_po_marked(staff: httpx.AsyncClient) -> None:
    maker = await b.supplier(name="Lumen", lead_time_days=6)
    await Supplier.filter(id=maker.id).update(email="ship@lumen.example")
    lamp = await b.product(on_hand=0, supplier_=maker, sku="LAMP-9")
    await Product.filter(id=lamp.id).update(dropship=True)
    await b.order((lamp, 1), context=now_ctx())
    po = await PurchaseOrder.get(dropship=True)
    listed = await staff.get("/staff/purchase-orders")
    assert listed.status_code == 200 and po.number in listed.text
    assert '<span class="badge">dropship</span>' in listed.text
    detail = await staff.get(f"/staff/purchase-orders/{po.id}")
    assert detail.status_code == 200
    assert "1 Analytical Way" in detail.text and "to send" in detail.text
