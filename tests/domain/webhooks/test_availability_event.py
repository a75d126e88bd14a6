"""``product.availability_changed`` says what the catalogue says: the event applies the same
availability rule as every page and the API, to the rows the change committed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.catalog.availability import availability
from domain.catalog.models import Product
from domain.catalog.reads import products_by_sku
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b
from tests.domain.webhooks.helpers import drain, subscribed
from tests.domain.webhooks.receiver import receiving

pytestmark = pytest.mark.usefixtures("db")


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def _catalogue_says(sku: str) -> dict[str, Any]:
    product = (await products_by_sku([sku], active_only=False))[sku]
    shown = availability(product, b.ctx())
    return {
        "sku": product.sku,
        "mode": str(product.mode.value),
        "inStock": shown.in_stock,
        "canBackorder": shown.can_backorder,
        "backorderRemaining": shown.backorder_remaining,
        "eta": {
            "earliest": _day(shown.eta.earliest),
            "latest": _day(shown.eta.latest),
            "basis": str(shown.eta.basis.value),
        },
    }


async def _events_of(work: Any) -> list[dict[str, Any]]:
    async with receiving() as receiver:
        await subscribed(receiver.url(), "product.availability_changed")
        await work()
        await drain()
    # Ids travel as the API's opaque IDs; the SKU names the product here.
    return [
        {key: value for key, value in hit.json["data"].items() if key != "productId"}
        for hit in receiver.received
    ]


async def test_availability_event_says_what_the_catalogue_says_of_a_queued_product() -> None:
    supplier = await b.supplier(lead_time_days=20)
    product = await b.product(supplier_=supplier, on_hand=1, cap=10)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=12), (product, 4))

    events = await _events_of(lambda: b.order((product, 3)))

    assert events == [await _catalogue_says(product.sku)]
    assert events[0]["inStock"] == 0 and events[0]["backorderRemaining"] == 8


async def test_availability_event_says_what_the_catalogue_says_of_a_maker_shipped_product() -> None:
    maker = await b.supplier(lead_time_days=10, name="Sofa Makers")
    product = await b.product(on_hand=5, supplier_=maker, price="250.00")
    await Product.filter(id=product.id).update(dropship=True)

    events = await _events_of(lambda: b.order((product, 1)))

    # Shipped by the maker (rule 25): no shop stock or queue, the maker's window.
    assert events == [await _catalogue_says(product.sku)]
    assert events[0]["inStock"] == 0 and events[0]["canBackorder"] is True


async def test_availability_event_says_what_the_catalogue_says_after_a_po_date_change() -> None:
    supplier = await b.supplier(lead_time_days=20)
    product = await b.product(supplier_=supplier, on_hand=0, cap=10)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=12), (product, 4))
    await b.order((product, 3))

    events = await _events_of(
        lambda: revise_expected_date(po.id, b.TODAY + dt.timedelta(days=40), "late", ctx=b.ctx())
    )

    # The queue moved: the window a new order would get now is the later one.
    assert events == [await _catalogue_says(product.sku)]
    assert events[0]["eta"]["earliest"] >= (b.TODAY + dt.timedelta(days=40)).isoformat()
