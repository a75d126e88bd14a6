"""Consent to wait: an order whose lines partly wait needs the customer's consent
(domain/ordering/consent.py), decided on the split as placed."""

from __future__ import annotations

import pytest

from domain.catalog.models import Product
from domain.errors import InvalidInput
from domain.ordering.consent import asks_consent, require_consent_to_wait
from domain.ordering.models import Order
from domain.ordering.services import LineRequest, OrderRequest, place_order
from tests import builders as b


def test_an_order_whose_lines_partly_wait_needs_the_customers_consent() -> None:
    assert asks_consent([0, 2]) and not asks_consent([0, 0]) and not asks_consent([])
    with pytest.raises(InvalidInput) as refused:
        require_consent_to_wait([0, 2], consented=False)
    assert refused.value.field == "consent"
    require_consent_to_wait([0, 2], consented=True)
    require_consent_to_wait([0, 0], consented=False)  # all ships now: nothing to confirm


def test_a_door_that_does_not_ask_for_consent_is_not_refused_for_it() -> None:
    require_consent_to_wait([5], consented=None)


def _request(product: Product, quantity: int, consents: bool | None) -> OrderRequest:
    return OrderRequest(
        email="ada@example.com",
        name="Ada Lovelace",
        shipping_address="1 Analytical Way\nLondon",
        lines=[LineRequest(product.sku, quantity)],
        consents_to_waiting=consents,
    )


@pytest.mark.usefixtures("db")
async def test_placing_a_partly_waiting_order_without_consent_is_refused_and_leaves_nothing() -> (
    None
):
    product = await b.product(on_hand=1)
    with pytest.raises(InvalidInput) as refused:
        await place_order(_request(product, 3, consents=False), ctx=b.ctx())
    assert refused.value.field == "consent"
    assert await Order.all().count() == 0
    untouched = await Product.get(id=product.id)
    assert (untouched.on_hand, untouched.waiting_units) == (1, 0)

    placed = await place_order(_request(product, 3, consents=True), ctx=b.ctx())
    assert (placed.order.lines[0].allocated, placed.order.lines[0].waiting) == (1, 2)


@pytest.mark.usefixtures("db")
async def test_an_order_that_ships_now_needs_no_consent() -> None:
    product = await b.product(on_hand=5)
    placed = await place_order(_request(product, 3, consents=False), ctx=b.ctx())
    assert placed.order.lines[0].waiting == 0
