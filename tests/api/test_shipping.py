"""Staff shipping: pack a parcel (idempotent), mark it shipped; the customer sees tracking."""

from __future__ import annotations

from typing import Any

import pytest

from api.ids import encode
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token

pytestmark = pytest.mark.usefixtures("db")

CREATE = """mutation($input: CreateShipmentInput!) { createShipment(input: $input) {
  shipment { id status lines { lineId sku quantity } order { number } }
  errors { code field message } } }"""
SHIP = """mutation($input: MarkShipmentShippedInput!) { markShipmentShipped(input: $input) {
  shipment { status carrier trackingNumber shippedAt } errors { code field message } } }"""
ORDER = """query($token: String!) { order(token: $token) {
  lines { quantities { allocated shipped } } shipments { status carrier trackingNumber } } }"""


async def _order_with_stock() -> tuple[Any, Any]:
    product = await b.product(on_hand=5)
    return product, await b.order((product, 3), context=now_ctx())


async def test_pack_and_ship_a_parcel(api: Api) -> None:
    product, placed = await _order_with_stock()
    token = await staff_token("shipping")
    order_id = encode("Order", placed.order.id)
    created = await api.payload(
        CREATE, {"input": {"orderId": order_id, "idempotencyKey": "s-1"}}, token=token
    )
    assert created["errors"] == []
    shipment = created["shipment"]
    assert shipment["status"] == "PLANNED" and shipment["lines"][0]["quantity"] == 3
    assert shipment["order"] == {"number": placed.order.number}
    replay = await api.payload(
        CREATE, {"input": {"orderId": order_id, "idempotencyKey": "s-1"}}, token=token
    )
    assert replay["shipment"]["id"] == shipment["id"]
    shipped = await api.payload(
        SHIP,
        {"input": {"shipmentId": shipment["id"], "carrier": "DHL", "trackingNumber": "JD0001"}},
        token=token,
    )
    assert shipped["errors"] == []
    assert shipped["shipment"]["status"] == "SHIPPED" and shipped["shipment"]["shippedAt"]
    seen = (await api.data(ORDER, {"token": placed.token}))["order"]
    assert seen["lines"][0]["quantities"] == {"allocated": 0, "shipped": 3}
    assert seen["shipments"] == [
        {"status": "SHIPPED", "carrier": "DHL", "trackingNumber": "JD0001"}
    ]
    again = await api.payload(
        SHIP,
        {"input": {"shipmentId": shipment["id"], "carrier": "UPS", "trackingNumber": "1Z"}},
        token=token,
    )
    assert codes(again) == [("CONFLICT", "shipmentId")]


async def test_a_reused_shipment_key_for_other_lines_is_refused(api: Api) -> None:
    _, placed = await _order_with_stock()
    token = await staff_token("shipping")
    line_id = encode("OrderLine", placed.order.lines[0].id)
    order_id = encode("Order", placed.order.id)

    def packing(quantity: int) -> dict[str, Any]:
        return {
            "input": {
                "orderId": order_id,
                "idempotencyKey": "s-2",
                "lines": [{"lineId": line_id, "quantity": quantity}],
            }
        }

    assert (await api.payload(CREATE, packing(1), token=token))["errors"] == []
    assert codes(await api.payload(CREATE, packing(2), token=token)) == [
        ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    ]


async def test_shipment_errors_name_the_input_position(api: Api) -> None:
    _, placed = await _order_with_stock()
    token = await staff_token("shipping")
    line_id = encode("OrderLine", placed.order.lines[0].id)
    too_many = await api.payload(
        CREATE,
        {
            "input": {
                "orderId": encode("Order", placed.order.id),
                "lines": [{"lineId": line_id, "quantity": 9}],
            }
        },
        token=token,
    )
    assert codes(too_many) == [("INVALID", "lines[0].quantity")]
    nothing = await b.order((await b.product(), 1), context=now_ctx())
    waits = await api.payload(
        CREATE, {"input": {"orderId": encode("Order", nothing.order.id)}}, token=token
    )
    assert codes(waits) == [("CONFLICT", "lines")]
    missing = await api.payload(CREATE, {"input": {"orderId": "nope"}}, token=token)
    assert codes(missing) == [("NOT_FOUND", "orderId")]
    unknown = await api.payload(
        SHIP,
        {"input": {"shipmentId": encode("Shipment", 77), "carrier": "DHL", "trackingNumber": "X"}},
        token=token,
    )
    assert codes(unknown) == [("NOT_FOUND", "shipmentId")]


async def test_shipping_needs_the_shipping_scope(api: Api) -> None:
    _, placed = await _order_with_stock()
    payload = await api.payload(
        CREATE,
        {"input": {"orderId": encode("Order", placed.order.id)}},
        token=await staff_token("read", "orders"),
    )
    assert codes(payload) == [("PERMISSION_DENIED", None)]
    anonymous = await api.payload(CREATE, {"input": {"orderId": encode("Order", placed.order.id)}})
    assert codes(anonymous) == [("PERMISSION_DENIED", None)]
