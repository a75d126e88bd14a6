"""Shipping: what may leave under each order's preference, packing, handing to a carrier."""

from __future__ import annotations

import httpx
import pytest

from domain.ordering.models import OrderLine
from domain.ordering.services import PlacedOrder
from domain.outbox.models import OutboxMessage
from domain.shipping.models import Shipment
from domain.vocabulary import ShipmentStatus, ShipPreference
from tests import builders as b
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import now_ctx, submit, text_of

pytestmark = pytest.mark.usefixtures("db")


async def _orders() -> tuple[PlacedOrder, PlacedOrder]:
    helmet = await b.product(on_hand=5, sku="HELMET")
    aircon = await b.product(on_hand=0, sku="AC-12")
    when_ready = await b.order(
        (helmet, 1), (aircon, 1), context=now_ctx(), email="ready@example.com"
    )
    complete = await b.order(
        (helmet, 1),
        (aircon, 1),
        context=now_ctx(),
        email="whole@example.com",
        preference=ShipPreference.SHIP_COMPLETE,
    )
    return when_ready, complete


async def test_ready_to_ship_follows_each_orders_preference(staff: httpx.AsyncClient) -> None:
    when_ready, complete = await _orders()
    page = text_of((await staff.get("/staff/shipping")).text)
    assert when_ready.order.number in page and "each part when ready" in page
    assert complete.order.number not in page  # ship complete: the air conditioner still waits


async def test_packing_then_shipping_a_parcel_with_carrier_and_tracking(
    staff: httpx.AsyncClient,
) -> None:
    when_ready, _ = await _orders()
    page = await staff.get("/staff/shipping")
    token = csrf_token(page.text)
    packed = await staff.post(
        f"/staff/orders/{when_ready.order.id}/shipments",
        data={"csrf_token": token, "key": "parcel-1"},
    )
    assert packed.status_code == 303
    twice = await staff.post(
        f"/staff/orders/{when_ready.order.id}/shipments",
        data={"csrf_token": token, "key": "parcel-1"},
    )
    assert twice.status_code == 303 and await Shipment.all().count() == 1
    parcel = await Shipment.get()
    listed = text_of((await staff.get("/staff/shipping")).text)
    assert "Packed, waiting for a carrier" in listed and "1 × Product" in listed
    sent = await submit(
        staff,
        "/staff/shipping",
        f"/staff/shipments/{parcel.id}/shipped",
        {"carrier": "DHL", "tracking_number": "JD0001"},
    )
    assert sent.status_code == 303
    parcel = await Shipment.get(id=parcel.id)
    assert parcel.status == ShipmentStatus.SHIPPED and parcel.tracking_number == "JD0001"
    assert await OutboxMessage.filter(kind="shipment_sent").count() == 1
    shipped_line = await OrderLine.get(order_id=when_ready.order.id, qty_shipped=1)
    assert shipped_line.qty_allocated == 0
    order_page = text_of((await staff.get(f"/staff/orders/{when_ready.order.id}")).text)
    assert "with DHL, tracking JD0001" in order_page


async def test_packing_from_the_order_page_returns_to_it(staff: httpx.AsyncClient) -> None:
    when_ready, _ = await _orders()
    url = f"/staff/orders/{when_ready.order.id}"
    packed = await submit(staff, url, f"{url}/shipments", {"key": "p", "back": "order"})
    assert packed.headers["location"].endswith(f"{url}?done=packed")


async def test_an_order_with_nothing_ready_cannot_be_packed(staff: httpx.AsyncClient) -> None:
    _, complete = await _orders()
    refused = await submit(
        staff, "/staff/shipping", f"/staff/orders/{complete.order.id}/shipments", {"key": "x"}
    )
    assert refused.status_code == 400 and "Nothing in this order can ship yet" in refused.text
    assert await Shipment.all().count() == 0


@pytest.mark.parametrize(
    ("carrier", "tracking"), [("", "JD1"), ("DHL", ""), ("DHL\nBcc: x", "JD1")]
)
async def test_a_parcel_needs_a_carrier_and_a_tracking_number(
    staff: httpx.AsyncClient, carrier: str, tracking: str
) -> None:
    when_ready, _ = await _orders()
    url = f"/staff/orders/{when_ready.order.id}"
    await submit(staff, url, f"{url}/shipments", {"key": "p"})
    parcel = await Shipment.get()
    refused = await submit(
        staff,
        "/staff/shipping",
        f"/staff/shipments/{parcel.id}/shipped",
        {"carrier": carrier, "tracking_number": tracking},
    )
    assert refused.status_code == 400
    assert (await Shipment.get(id=parcel.id)).status == ShipmentStatus.PLANNED
