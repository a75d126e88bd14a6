"""Landing page, product pages and the cart."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.vocabulary import AvailabilityMode
from tests import builders as b
from tests.portal.conftest import post_form

pytestmark = pytest.mark.usefixtures("db")


async def test_landing_page_states_each_delivery_estimate_in_words(
    client: httpx.AsyncClient,
) -> None:
    supplier = await b.supplier(lead_time_days=30)
    in_stock = await b.product(on_hand=5, sku="HELMET")
    backordered = await b.product(cap=10, sku="AC", supplier_=supplier)
    await b.product(
        mode=AvailabilityMode.PREORDER,
        release_date=dt.date.today() + dt.timedelta(days=40),
        sku="EBIKE",
    )
    await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=21, sku="SOFA")
    await b.product(cap=0, sku="GONE")
    page = await client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "In stock, arrives" in html
    assert "Backordered, arrives" in html and "10 left to order" in html
    assert "Preorder, ships from" in html
    assert "Made to order, about 3 weeks" in html
    assert "Sold out" in html
    assert in_stock.name in html and backordered.name in html


async def test_landing_page_searches_filters_and_pages(client: httpx.AsyncClient) -> None:
    for index in range(14):
        await b.product(on_hand=1, sku=f"LAMP-{index}")
    await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=10, sku="CHAIR")
    first = await client.get("/", params={"q": "LAMP"})
    assert "14 products" in first.text and "Next page" in first.text
    filtered = await client.get("/", params={"mode": "made_to_order"})
    assert "1 product<" in filtered.text


async def test_product_page_previews_the_split_before_ordering(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=2, sku="AC-1")
    page = await client.get(f"/products/{product.sku}", params={"quantity": "5"})
    assert page.status_code == 200
    assert "<strong>2</strong> ship now" in page.text
    assert "<strong>3</strong> wait, arriving" in page.text


async def test_unknown_product_is_a_friendly_404(client: httpx.AsyncClient) -> None:
    page = await client.get("/products/NOPE")
    assert page.status_code == 404
    assert "We cannot find that page" in page.text


async def test_adding_to_cart_needs_a_quantity_from_1_to_999(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=2, sku="AC-2")
    refused = await post_form(
        client, f"/products/{product.sku}", "/cart/add", {"sku": product.sku, "quantity": "two"}
    )
    assert refused.status_code == 400
    assert "Enter a quantity from 1 to 999." in refused.text
    cart = await client.get("/cart")
    assert "Your cart is empty" in cart.text


async def test_cart_shows_what_ships_now_and_what_waits(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=1, sku="AC-3")
    added = await post_form(
        client, f"/products/{product.sku}", "/cart/add", {"sku": product.sku, "quantity": "3"}
    )
    assert added.status_code == 303
    cart = await client.get("/cart")
    assert "1, arriving" in cart.text and "2, arriving" in cart.text
    assert "I understand part of this order ships later" in cart.text


async def test_form_without_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    product = await b.product(on_hand=2, sku="AC-4")
    await client.get("/")
    refused = await client.post("/cart/add", data={"sku": product.sku, "quantity": "1"})
    assert refused.status_code == 403
    assert "portal_cart" not in refused.headers.get("set-cookie", "")


async def test_form_with_a_foreign_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=2, sku="AC-5")
    await client.get("/")
    refused = await client.post(
        "/cart/add", data={"sku": product.sku, "quantity": "1", "csrf_token": "0" * 64}
    )
    assert refused.status_code == 403


async def test_pages_carry_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"


async def test_product_text_is_escaped(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=2, sku="XSS")
    product.name = "<script>alert(1)</script>"
    await product.save()
    page = await client.get("/products/XSS")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_a_search_holding_a_nul_byte_finds_what_the_rest_finds(
    client: httpx.AsyncClient,
) -> None:
    await b.product(on_hand=2, sku="HELMET")
    page = await client.get("/", params={"q": "HEL\x00MET"})
    found = await client.get("/", params={"q": "HELMET"})
    assert page.status_code == 200
    assert page.text.count("/products/HELMET") == found.text.count("/products/HELMET") > 0
    assert (await client.get("/products/HELMET%00")).status_code == 404
