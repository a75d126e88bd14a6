"""Dropship on the portal (rule 25): the customer chooses the maker per line at checkout, the
supplier's link page lists each parcel with its address and records carrier and tracking
without JavaScript; forged posts and links not ours change nothing."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.catalog.models import Product, Supplier
from domain.ordering.models import OrderLine
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.shipping.models import Shipment
from domain.supply.link import supplier_token
from tests import builders as b
from tests.portal.conftest import csrf_token, post_form

pytestmark = pytest.mark.usefixtures("db")


def _ctx():  # type: ignore[no-untyped-def]
    return b.ctx(now=dt.datetime.now(dt.UTC))


async def _lamp(optional: bool = False, name: str = "Lumen") -> Product:
    maker = await b.supplier(name=name, lead_time_days=6)
    await Supplier.filter(id=maker.id).update(email=f"ship@{name.lower()}.example")
    lamp = await b.product(on_hand=4, supplier_=maker, sku=f"LAMP-{name}")
    await Product.filter(id=lamp.id).update(dropship=True, dropship_optional=optional)
    return await Product.get(id=lamp.id)


async def _dropship_po(name: str = "Lumen") -> tuple[PurchaseOrder, str, PurchaseOrderLine]:
    lamp = await _lamp(name=name)
    await b.order((lamp, 1), context=_ctx(), email=f"buyer@{name.lower()}.example")
    po = await PurchaseOrder.get(dropship=True, supplier_id=lamp.supplier_id)
    assert po.link_expires is not None
    token = supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)
    return po, token, await PurchaseOrderLine.get(purchase_order_id=po.id)


async def test_the_customer_chooses_the_maker_for_one_line_at_checkout(
    client: httpx.AsyncClient,
) -> None:
    lamp = await _lamp(optional=True)
    added = await post_form(
        client, f"/products/{lamp.sku}", "/cart/add", {"sku": lamp.sku, "quantity": "1"}
    )
    assert added.status_code in (302, 303)
    cart = await client.get("/cart")
    assert "Who ships" in cart.text and "The maker, straight to you" in cart.text
    placed = await post_form(
        client,
        "/cart",
        "/checkout",
        {
            "email": "ada@example.com",
            "name": "Ada",
            "shipping_address": "1 Analytical Way\nLondon",
            "ship_preference": "ship_when_ready",
            f"ship_by_{lamp.sku}": "maker",
            "consent": "yes",
        },
    )
    assert placed.status_code in (200, 302, 303), placed.text[:500]
    [line] = await OrderLine.all()
    assert line.dropship is True
    assert (await Product.get(id=lamp.id)).on_hand == 4
    assert await PurchaseOrderLine.filter(order_line_id=line.id).exists()


async def test_the_supplier_page_lists_each_parcel_with_its_address_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    po, token, _ = await _dropship_po()
    other, _, _ = await _dropship_po("Brass")
    page = await client.get(f"/supplier/po/{token}")
    assert page.status_code == 200
    assert "(dropship)" in page.text and "1 Analytical Way" in page.text
    assert other.number not in page.text and "buyer@brass.example" not in page.text
    assert "<script" not in page.text and page.headers["cache-control"] == "no-store"


async def test_the_supplier_marks_a_parcel_sent_without_javascript(
    client: httpx.AsyncClient,
) -> None:
    po, token, line = await _dropship_po()
    done = await post_form(
        client,
        f"/supplier/po/{token}",
        f"/supplier/po/{token}/parcel",
        {"line_id": str(line.id), "carrier": "DPD", "tracking_number": "DPD-4455"},
    )
    assert done.status_code == 200, done.text[:500]
    assert "recorded as sent" in done.text and "tracking DPD-4455" in done.text
    [shipment] = await Shipment.all()
    assert (shipment.carrier, shipment.tracking_number) == ("DPD", "DPD-4455")


async def test_hostile_parcel_input_is_shown_beside_its_field_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    po, token, line = await _dropship_po()
    for carrier, tracking, field_id in (
        ("<img src=x onerror=alert(1)>", "T1", f"carrier-{line.id}-error"),
        ("DPD", "X" * 10_000, f"tracking-{line.id}-error"),
        ("DPD\r\nBcc: x@example.com", "T1", f"carrier-{line.id}-error"),
    ):
        refused = await post_form(
            client,
            f"/supplier/po/{token}",
            f"/supplier/po/{token}/parcel",
            {"line_id": str(line.id), "carrier": carrier, "tracking_number": tracking},
        )
        assert refused.status_code == 400
        assert f'id="{field_id}"' in refused.text
        assert "<img src=x" not in refused.text
    assert await Shipment.all().count() == 0


async def test_forged_posts_and_links_not_ours_change_nothing(client: httpx.AsyncClient) -> None:
    po, token, line = await _dropship_po()
    data = {"line_id": str(line.id), "carrier": "DPD", "tracking_number": "T1"}
    forged = await client.post(
        f"/supplier/po/{token}/parcel", data={"csrf_token": "forged", **data}
    )
    assert forged.status_code == 403
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    opened = await client.get(f"/supplier/po/{token}")
    refused = await client.post(
        f"/supplier/po/{tampered}/parcel", data={"csrf_token": csrf_token(opened.text), **data}
    )
    assert refused.status_code == 403
    assert await Shipment.all().count() == 0
