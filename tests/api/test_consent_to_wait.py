"""Consent to wait over GraphQL (``domain/ordering/consent.py``): ``placeOrder`` refuses and
accepts in the cases the portal's checkout does, names ``consentsToWaiting`` when it refuses, and
a storefront that never sends the answer places its orders as before."""

from __future__ import annotations

from typing import Any

import pytest

from domain.catalog.models import Product, Supplier
from domain.ordering.models import Order, OrderLine
from tests import builders as b
from tests.api.helpers import Api, codes

pytestmark = pytest.mark.usefixtures("db")

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { lines { quantities { allocated waiting } } } replayed errors { code field message } } }"""


def order_input(sku: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "shippingAddress": "1 Analytical Way\nLondon",
            "lines": [{"sku": sku, "quantity": quantity}],
            **extra,
        }
    }


async def _nothing_placed(product: Product, on_hand: int) -> None:
    assert await Order.all().count() == 0
    assert await OrderLine.all().count() == 0
    assert (await Product.get(id=product.id)).on_hand == on_hand


async def test_a_refusal_to_wait_is_refused_when_units_would_wait_and_nothing_is_placed(
    api: Api,
) -> None:
    product = await b.product(on_hand=1)
    payload = await api.payload(PLACE, order_input(product.sku, 3, consentsToWaiting=False))
    assert payload["order"] is None
    assert codes(payload) == [("INVALID", "consentsToWaiting")]
    assert "ships later" in payload["errors"][0]["message"]
    await _nothing_placed(product, on_hand=1)


async def test_a_refusal_to_wait_is_no_obstacle_when_everything_ships_now(api: Api) -> None:
    product = await b.product(on_hand=3)
    payload = await api.payload(PLACE, order_input(product.sku, 3, consentsToWaiting=False))
    assert payload["errors"] == []
    assert payload["order"]["lines"][0]["quantities"] == {"allocated": 3, "waiting": 0}


async def test_consent_to_wait_places_the_order_with_its_waiting_part(api: Api) -> None:
    product = await b.product(on_hand=1)
    payload = await api.payload(PLACE, order_input(product.sku, 3, consentsToWaiting=True))
    assert payload["errors"] == []
    assert payload["order"]["lines"][0]["quantities"] == {"allocated": 1, "waiting": 2}


@pytest.mark.parametrize("answer", ["absent", None], ids=["absent", "null"])
async def test_a_storefront_that_does_not_ask_places_orders_as_before(
    api: Api, answer: object
) -> None:
    product = await b.product(on_hand=1)
    extra = {} if answer == "absent" else {"consentsToWaiting": answer}
    payload = await api.payload(PLACE, order_input(product.sku, 3, **extra))
    assert payload["errors"] == []
    assert payload["order"]["lines"][0]["quantities"] == {"allocated": 1, "waiting": 2}


async def test_a_line_the_maker_ships_counts_as_waiting_as_on_the_portal(api: Api) -> None:
    maker = await b.supplier(name="Lumen", lead_time_days=6)
    await Supplier.filter(id=maker.id).update(email="ship@lumen.example")
    lamp = await b.product(on_hand=4, supplier_=maker, sku="LAMP")
    await Product.filter(id=lamp.id).update(dropship=True)
    payload = await api.payload(PLACE, order_input(lamp.sku, 1, consentsToWaiting=False))
    assert codes(payload) == [("INVALID", "consentsToWaiting")]
    await _nothing_placed(lamp, on_hand=4)


async def test_a_retry_finds_its_first_order_whatever_it_answers(api: Api) -> None:
    product = await b.product(on_hand=1)
    first = await api.payload(
        PLACE, order_input(product.sku, 3, consentsToWaiting=True, idempotencyKey="k-1")
    )
    assert first["errors"] == []
    again = await api.payload(
        PLACE, order_input(product.sku, 3, consentsToWaiting=False, idempotencyKey="k-1")
    )
    assert again["errors"] == [] and again["replayed"] is True
    assert await Order.all().count() == 1


@pytest.mark.parametrize("hostile", ["yes", "false", 1, 0, [], {}], ids=repr)
async def test_an_answer_that_is_not_a_json_boolean_is_refused_naming_the_field(
    api: Api, hostile: object
) -> None:
    product = await b.product(on_hand=1)
    body = await api.post(PLACE, order_input(product.sku, 3, consentsToWaiting=hostile))
    assert body.get("data") is None
    [error] = body["errors"]
    assert "consentsToWaiting" in error["message"]
    assert "Boolean cannot represent" in error["message"]
    await _nothing_placed(product, on_hand=1)


async def test_an_inline_answer_that_is_not_a_boolean_is_refused_naming_the_field(
    api: Api,
) -> None:
    product = await b.product(on_hand=1)
    body = await api.post(
        'mutation { placeOrder(input: {email: "ada@example.com", name: "Ada",'
        f' shippingAddress: "1 Way", lines: [{{sku: "{product.sku}", quantity: 3}}],'
        ' consentsToWaiting: "yes"}) { errors { code } } }'
    )
    assert body.get("data") is None
    assert "Boolean cannot represent" in body["errors"][0]["message"]
    await _nothing_placed(product, on_hand=1)
