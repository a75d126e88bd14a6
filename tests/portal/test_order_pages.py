"""Checkout, the order status page by secret link and its actions, and resending links."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from domain.catalog.models import Product
from domain.ordering.changes import CancelRequest, cancel_order_lines
from domain.ordering.models import DelayNotice, Order, OrderLine
from domain.outbox.models import OutboxMessage
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import OutboxKind, ShipPreference
from tests import builders as b
from tests.portal.conftest import csrf_token, post_form

pytestmark = pytest.mark.usefixtures("db")

CUSTOMER = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "shipping_address": "1 Analytical Way\nLondon",
    "ship_preference": "ship_when_ready",
}


async def _fill_cart(client: httpx.AsyncClient, *lines: tuple[Product, int]) -> str:
    for product, quantity in lines:
        await post_form(
            client,
            f"/products/{product.sku}",
            "/cart/add",
            {"sku": product.sku, "quantity": str(quantity)},
        )
    cart = await client.get("/cart")
    return cart.text


async def _checkout(client: httpx.AsyncClient, **overrides: str | None) -> httpx.Response:
    cart = await client.get("/cart")
    key = re.search(r'name="checkout_key" value="([^"]+)"', cart.text)
    assert key
    data = {**CUSTOMER, "consent": "yes", "checkout_key": key.group(1), **overrides}
    data = {k: v for k, v in data.items() if v is not None}
    return await client.post("/checkout", data={"csrf_token": csrf_token(cart.text), **data})


async def test_checkout_places_the_order_and_shows_the_split(client: httpx.AsyncClient) -> None:
    helmet = await b.product(on_hand=5, sku="HELMET")
    aircon = await b.product(on_hand=0, sku="AC")
    await _fill_cart(client, (helmet, 1), (aircon, 2))
    placed = await _checkout(client)
    assert placed.status_code == 303
    status = await client.get(placed.headers["location"])
    assert status.status_code == 200
    assert "Thank you, your order is placed" in status.text
    assert "1 ships now" in status.text and "2 wait, arriving" in status.text
    assert "the rest follows in separate parcels" in status.text
    assert status.headers["cache-control"] == "no-store"
    assert "Order R" in status.text and helmet.name in status.text and aircon.name in status.text
    line = await OrderLine.get(product_id=aircon.id)
    assert line.qty_waiting == 2
    assert "Your cart is empty" in (await client.get("/cart")).text


async def test_ship_complete_order_page_shows_every_line_the_parcels_dates(
    client: httpx.AsyncClient,
) -> None:
    supplier = await b.supplier()
    helmet = await b.product(on_hand=5, sku="HELMET")
    aircon = await b.product(supplier_=supplier, sku="AC")
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (aircon, 5))
    placed = await b.order((helmet, 1), (aircon, 1), preference=ShipPreference.SHIP_COMPLETE)
    page = await client.get(f"/orders/{placed.token}?done=placed")
    assert page.status_code == 200
    assert "ships now" not in page.text and "1 in stock, held to ship together" in page.text
    in_stock = f"{b.TODAY + dt.timedelta(days=2):%b} {(b.TODAY + dt.timedelta(days=2)).day}"
    assert in_stock not in page.text  # the helmet's own, earlier date is nowhere
    assert page.text.count("Mar 13") >= 4  # promised and current, for both lines


async def test_checkout_without_consent_to_a_later_part_is_refused(
    client: httpx.AsyncClient,
) -> None:
    aircon = await b.product(on_hand=0, sku="AC")
    await _fill_cart(client, (aircon, 1))
    refused = await _checkout(client, consent=None)
    assert refused.status_code == 400
    assert "ships later" in refused.text and 'id="consent-error"' in refused.text
    assert await Order.all().count() == 0


async def test_checkout_with_a_bad_email_names_the_field_and_saves_nothing(
    client: httpx.AsyncClient,
) -> None:
    helmet = await b.product(on_hand=5, sku="HELMET")
    await _fill_cart(client, (helmet, 1))
    refused = await _checkout(client, email="not-an-address")
    assert refused.status_code == 400
    assert 'id="email-error"' in refused.text and "valid email" in refused.text
    assert 'value="Ada Lovelace"' in refused.text
    assert await Order.all().count() == 0
    assert (await Product.get(id=helmet.id)).on_hand == 5


async def test_checkout_to_an_address_that_can_never_be_emailed_is_refused(
    client: httpx.AsyncClient,
) -> None:
    helmet = await b.product(on_hand=5, sku="HELMET")
    await _fill_cart(client, (helmet, 1))
    refused = await _checkout(client, email="nora@example..com")
    assert refused.status_code == 400
    assert 'id="email-error"' in refused.text and "valid email" in refused.text
    assert "we have emailed you" not in refused.text.lower()
    assert await Order.all().count() == 0 and await OutboxMessage.all().count() == 0


async def test_checkout_past_the_cap_says_how_many_remain(client: httpx.AsyncClient) -> None:
    capped = await b.product(on_hand=0, cap=2, sku="CAPPED")
    await _fill_cart(client, (capped, 1))
    await b.order((capped, 2))
    refused = await _checkout(client)
    assert refused.status_code == 400
    assert "only 0 can still be ordered" in refused.text


async def test_checkout_without_csrf_changes_nothing(client: httpx.AsyncClient) -> None:
    helmet = await b.product(on_hand=5, sku="HELMET")
    await _fill_cart(client, (helmet, 1))
    refused = await client.post("/checkout", data={**CUSTOMER, "consent": "yes"})
    assert refused.status_code == 403
    assert await Order.all().count() == 0


async def test_status_link_with_a_wrong_token_is_not_found(client: httpx.AsyncClient) -> None:
    await b.order((await b.product(on_hand=1), 1))
    page = await client.get("/orders/not-a-real-token")
    assert page.status_code == 404


async def test_customer_cancels_an_unshipped_line(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=0)
    placed = await b.order((product, 3))
    page = f"/orders/{placed.token}"
    done = await post_form(
        client, page, f"{page}/cancel", {"line_id": str(placed.order.lines[0].id), "quantity": "2"}
    )
    assert done.status_code == 303
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert (line.qty_cancelled, line.qty_waiting) == (2, 1)
    after = (await client.get(done.headers["location"])).text
    assert "Cancelled" in after
    assert "Total €100.00." in after and "Refund due to you: €200.00." in after


async def test_cancelling_more_than_is_open_shows_the_message_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    product = await b.product(on_hand=0)
    placed = await b.order((product, 1))
    page = f"/orders/{placed.token}"
    refused = await post_form(
        client, page, f"{page}/cancel", {"line_id": str(placed.order.lines[0].id), "quantity": "5"}
    )
    assert refused.status_code == 400
    assert "can still be cancelled" in refused.text
    assert (await OrderLine.get(id=placed.order.lines[0].id)).qty_cancelled == 0


async def test_cancel_without_csrf_is_refused(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=0)
    placed = await b.order((product, 1))
    await client.get(f"/orders/{placed.token}")
    refused = await client.post(
        f"/orders/{placed.token}/cancel", data={"line_id": str(placed.order.lines[0].id)}
    )
    assert refused.status_code == 403
    assert (await OrderLine.get(id=placed.order.lines[0].id)).qty_cancelled == 0


async def test_customer_changes_the_ship_preference(client: httpx.AsyncClient) -> None:
    placed = await b.order((await b.product(on_hand=0), 1))
    page = f"/orders/{placed.token}"
    done = await post_form(client, page, f"{page}/preference", {"ship_preference": "ship_complete"})
    assert done.status_code == 303
    assert (await Order.get(id=placed.order.id)).ship_preference == "ship_complete"
    bad = await post_form(client, page, f"{page}/preference", {"ship_preference": "by-pigeon"})
    assert bad.status_code == 400 and "Choose how the order should ship" in bad.text


async def test_customer_answers_a_delay_notice_by_keeping_waiting(
    client: httpx.AsyncClient,
) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    today = dt.date.today()
    po = await b.purchase_order(
        supplier,
        today + dt.timedelta(days=10),
        (product, 5),
        context=b.ctx(now=dt.datetime.now(dt.UTC)),
    )
    placed = await b.order((product, 1), context=b.ctx(now=dt.datetime.now(dt.UTC)))
    await revise_expected_date(
        po.id, today + dt.timedelta(days=30), "Factory fire", ctx=b.ctx(now=dt.datetime.now(dt.UTC))
    )
    notice = await DelayNotice.get(order_id=placed.order.id)
    page = f"/orders/{placed.token}"
    status = await client.get(page)
    assert "is delayed" in status.text and "Factory fire" in status.text
    done = await post_form(client, page, f"{page}/delay/{notice.id}", {"choice": "keep"})
    assert done.status_code == 303
    assert (await DelayNotice.get(id=notice.id)).status == "kept"


async def test_resending_links_answers_the_same_for_known_and_unknown_addresses(
    client: httpx.AsyncClient,
) -> None:
    await b.order((await b.product(on_hand=1), 1), email="known@example.com")
    known = await post_form(client, "/links", "/links", {"email": "known@example.com"})
    unknown = await post_form(client, "/links", "/links", {"email": "stranger@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r'value="[0-9a-f]{64}"', "", html)  # noqa: E731
    assert strip(known.text) == strip(unknown.text)
    assert await OutboxMessage.filter(kind=OutboxKind.ORDER_LINKS).count() == 1
    bad = await post_form(client, "/links", "/links", {"email": "nope"})
    assert bad.status_code == 400 and 'id="email-error"' in bad.text
    typo = await post_form(client, "/links", "/links", {"email": "known@example..com"})
    assert typo.status_code == 400 and 'id="email-error"' in typo.text
    assert await OutboxMessage.filter(kind=OutboxKind.ORDER_LINKS).count() == 1


async def test_timeline_never_names_another_customers_order(client: httpx.AsyncClient) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 2))
    first = await b.order((product, 2))
    second = await b.order((product, 1), context=b.later(b.ctx(), seconds=1))
    await cancel_order_lines(
        first.order.id, [CancelRequest(first.order.lines[0].id)], ctx=b.later(b.ctx(), seconds=2)
    )
    page = await client.get(f"/orders/{second.token}")
    assert "Other orders ahead of yours in the queue were cancelled." in page.text
    assert first.order.number not in page.text


async def test_the_timeline_writes_a_moved_estimate_as_old_window_arrow_new_window(
    client: httpx.AsyncClient,
) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 2))
    placed = await b.order((product, 1))
    await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=20), "Late ship", ctx=b.later(b.ctx(), seconds=1)
    )
    page = (await client.get(f"/orders/{placed.token}")).text
    a_window = r"[A-Z][a-z]{2} \d+(?:\u2013\d+| \u2013 [A-Z][a-z]{2} \d+)?(?:, \d{4})?"
    assert re.search(rf"{product.name}: {a_window} \u2192 {a_window}\.", page), page
    assert "moved from" not in page


async def test_the_placed_summary_leaves_out_a_line_cancelled_since(
    client: httpx.AsyncClient,
) -> None:
    helmet = await b.product(on_hand=5)
    aircon = await b.product(on_hand=0)
    placed = await b.order((helmet, 1), (aircon, 2))
    aircon_line = next(line for line in placed.order.lines if line.sku == aircon.sku)
    await cancel_order_lines(
        placed.order.id, [CancelRequest(aircon_line.id)], ctx=b.later(b.ctx(), seconds=1)
    )
    page = (await client.get(f"/orders/{placed.token}?done=placed")).text
    summary = page.split('<ul class="split">', 1)[1].split("</ul>", 1)[0]
    assert helmet.name in summary and aircon.name not in summary
    assert ": , arriving" not in page
