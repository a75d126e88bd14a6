"""Custom builds: request from the configurator, quote page, acceptance."""

from __future__ import annotations

import re

import httpx
import pytest

from domain.builds.models import BuildRequest
from domain.catalog.models import Product
from domain.ordering.models import OrderLine
from domain.vocabulary import AvailabilityMode
from tests import builders as b
from tests.portal.conftest import post_form

pytestmark = pytest.mark.usefixtures("db")


async def _motorcycle() -> tuple[Product, dict]:
    product = await b.product(
        mode=AvailabilityMode.CUSTOM_BUILD, price="9000.00", lead_time_days=60, sku="MOTO"
    )
    options = await b.option_groups(
        product,
        {
            "Frame": [("Classic", "0", 0), ("Racer", "1000", 14)],
            "Engine": [("650", "0", 0), ("900", "2500", 21)],
        },
    )
    return product, options


async def test_customer_requests_a_build_and_accepts_its_quote(client: httpx.AsyncClient) -> None:
    product, options = await _motorcycle()
    frame, engine = options["Frame"]["Racer"], options["Engine"]["900"]
    page = await client.get("/products/MOTO")
    key = re.search(r'name="build_key" value="([^"]+)"', page.text)
    assert key
    requested = await post_form(
        client,
        "/products/MOTO",
        "/builds",
        {
            "sku": "MOTO",
            f"group_{frame.group_id}": str(frame.id),
            f"group_{engine.group_id}": str(engine.id),
            "notes": "Tall rider",
            "email": "rider@example.com",
            "name": "Rider",
            "shipping_address": "1 Road",
            "build_key": key.group(1),
        },
    )
    assert requested.status_code == 303
    quote = await client.get(requested.headers["location"])
    assert "€12,500.00" in quote.text and "Accept and order" in quote.text
    quote_id = re.search(r'name="quote_id" value="(\d+)"', quote.text)
    assert quote_id
    accepted = await post_form(
        client,
        requested.headers["location"],
        requested.headers["location"] + "/accept",
        {"quote_id": quote_id.group(1)},
    )
    assert accepted.status_code == 303
    line = await OrderLine.get(product_id=product.id)
    assert line.eta_basis == "build" and line.qty_waiting == 1


async def test_build_request_missing_a_required_group_names_it(client: httpx.AsyncClient) -> None:
    _, options = await _motorcycle()
    frame = options["Frame"]["Classic"]
    refused = await post_form(
        client,
        "/products/MOTO",
        "/builds",
        {
            "sku": "MOTO",
            f"group_{frame.group_id}": str(frame.id),
            "email": "rider@example.com",
            "name": "Rider",
            "shipping_address": "1 Road",
        },
    )
    assert refused.status_code == 400
    assert "Choose an option for: Engine" in refused.text
    assert await BuildRequest.all().count() == 0


async def test_build_request_to_an_address_that_can_never_be_emailed_is_refused(
    client: httpx.AsyncClient,
) -> None:
    _, options = await _motorcycle()
    frame, engine = options["Frame"]["Classic"], options["Engine"]["650"]
    refused = await post_form(
        client,
        "/products/MOTO",
        "/builds",
        {
            "sku": "MOTO",
            f"group_{frame.group_id}": str(frame.id),
            f"group_{engine.group_id}": str(engine.id),
            "email": "rider@example..com",
            "name": "Rider",
            "shipping_address": "1 Road",
        },
    )
    assert refused.status_code == 400
    assert "valid email address" in refused.text
    assert await BuildRequest.all().count() == 0


async def test_build_link_with_a_wrong_token_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/builds/wrong")).status_code == 404
