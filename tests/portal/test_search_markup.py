"""Dates where shoppers search: schema.org Product/Offer on product pages and the Merchant
Center feed, from the same ETA the product page shows, checked against their specs."""

from __future__ import annotations

import datetime as dt
import json
import re
from xml.etree import ElementTree as ET

import httpx
import pytest

from domain.catalog.offers import GOOGLE_NS
from domain.vocabulary import AvailabilityMode
from tests import builders as b
from tests.portal.staff.conftest import now_ctx, today

pytestmark = pytest.mark.usefixtures("db")

G = f"{{{GOOGLE_NS}}}"
MERCHANT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}([+-]\d{4}|Z)$")
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


async def _store() -> dict[str, object]:
    supplier = await b.supplier(lead_time_days=20)
    stocked = await b.product(on_hand=5, sku="IN-1", supplier_=supplier)
    backordered = await b.product(on_hand=0, sku="BO-1", supplier_=supplier)
    po_date = today() + dt.timedelta(days=12)
    await b.purchase_order(supplier, po_date, (backordered, 10), context=now_ctx())
    release = today() + dt.timedelta(days=40)
    preorder = await b.product(
        mode=AvailabilityMode.PREORDER, release_date=release, sku="PRE-1", supplier_=supplier
    )
    made = await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=30, sku="MTO-1")
    sold_out = await b.product(on_hand=0, cap=0, sku="OUT-1")
    far = await b.product(
        mode=AvailabilityMode.PREORDER,
        release_date=today() + dt.timedelta(days=500),
        sku="FAR-1",
    )
    return {
        "stocked": stocked,
        "backordered": backordered,
        "preorder": preorder,
        "made": made,
        "sold_out": sold_out,
        "far": far,
        "release": release,
    }


def _offer(html: str) -> dict:
    found = SCRIPT.search(html)
    assert found, "no JSON-LD on the page"
    data = json.loads(found.group(1))
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["sku"] and data["name"]
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["priceCurrency"] == "EUR"
    assert re.fullmatch(r"\d+\.\d{2}", offer["price"])
    return offer  # type: ignore[no-any-return]


async def test_product_pages_carry_schema_org_availability_and_the_date_they_show(
    client: httpx.AsyncClient,
) -> None:
    store = await _store()
    expected = {
        "IN-1": "InStock",
        "BO-1": "BackOrder",
        "PRE-1": "PreOrder",
        "MTO-1": "MadeToOrder",
        "OUT-1": "OutOfStock",
    }
    for sku, name in expected.items():
        page = await client.get(f"/products/{sku}")
        assert page.status_code == 200
        offer = _offer(page.text)
        assert offer["availability"] == f"https://schema.org/{name}", sku
        if name in ("InStock", "OutOfStock"):
            assert "availabilityStarts" not in offer
        else:
            starts = dt.date.fromisoformat(offer["availabilityStarts"])
            shown = f"{starts:%b} {starts.day}"  # the page's own window starts on that day
            assert shown in page.text, (sku, starts)
    pre = _offer((await client.get("/products/PRE-1")).text)
    assert pre["availabilityStarts"] == store["release"].isoformat()  # type: ignore[attr-defined]


async def test_json_ld_cannot_close_its_script_element(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=1, sku="XSS-1")
    from domain.catalog.models import Product

    await Product.filter(id=product.id).update(name="</script><script>alert(1)</script>")
    page = await client.get("/products/XSS-1")
    assert "</script><script>alert(1)" not in page.text
    assert _offer(page.text)["availability"].endswith("InStock")


async def test_the_merchant_feed_lists_every_product_with_availability_and_dates(
    client: httpx.AsyncClient,
) -> None:
    await _store()
    response = await client.get("/feeds/products.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    rss = ET.fromstring(response.content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert channel.findtext(required)
    items = {item.findtext(f"{G}id"): item for item in channel.findall("item")}
    assert set(items) == {"IN-1", "BO-1", "PRE-1", "MTO-1", "OUT-1", "FAR-1"}
    for sku, item in items.items():
        for required in ("id", "title", "description", "link", "price", "availability"):
            assert item.findtext(f"{G}{required}"), (sku, required)
        assert re.fullmatch(r"\d+\.\d{2} EUR", item.findtext(f"{G}price") or "")
        assert item.findtext(f"{G}link", "").endswith(f"/products/{sku}")
        availability = item.findtext(f"{G}availability")
        assert availability in ("in_stock", "out_of_stock", "preorder", "backorder")
        date = item.findtext(f"{G}availability_date")
        if availability in ("preorder", "backorder"):
            assert date and MERCHANT_DATE.match(date) and 1 <= len(date) <= 25, (sku, date)
            when = dt.date.fromisoformat(date[:10])
            assert today() <= when <= today() + dt.timedelta(days=365)
        else:
            assert date is None
    got = {sku: item.findtext(f"{G}availability") for sku, item in items.items()}
    assert got == {
        "IN-1": "in_stock",
        "BO-1": "backorder",
        "PRE-1": "preorder",
        "MTO-1": "backorder",
        "OUT-1": "out_of_stock",
        "FAR-1": "out_of_stock",  # more than a year ahead: no honest date Merchant accepts
    }
