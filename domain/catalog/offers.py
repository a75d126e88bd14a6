"""Availability where shoppers search: schema.org ``Offer`` markup and the Google Merchant
Center feed, both from the same ETA the product page shows (``availability``).

Merchant Center knows four values (in_stock, out_of_stock, preorder, backorder); the last two
need ``availability_date`` (ISO 8601 with a zone, 1-25 characters, at most a year ahead). A
date we cannot give honestly (no supply known, or beyond a year) makes the product
``out_of_stock`` in the feed rather than a made-up date; the page markup then carries no
``availabilityStarts`` either.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from domain.catalog.availability import ProductView, availability
from domain.context import Context
from domain.vocabulary import AvailabilityMode, EtaBasis

SCHEMA = "https://schema.org/"
GOOGLE_NS = "http://base.google.com/ns/1.0"
MAX_AHEAD = dt.timedelta(days=365)


class ItemAvailability(StrEnum):
    IN_STOCK = "InStock"
    BACK_ORDER = "BackOrder"
    PRE_ORDER = "PreOrder"
    MADE_TO_ORDER = "MadeToOrder"
    OUT_OF_STOCK = "OutOfStock"


MERCHANT = {
    ItemAvailability.IN_STOCK: "in_stock",
    ItemAvailability.BACK_ORDER: "backorder",
    ItemAvailability.PRE_ORDER: "preorder",
    ItemAvailability.MADE_TO_ORDER: "backorder",  # Merchant Center has no made-to-order
    ItemAvailability.OUT_OF_STOCK: "out_of_stock",
}


@dataclass(frozen=True)
class Offer:
    availability: ItemAvailability
    starts: dt.date | None  # the first day of the window the product page shows

    @property
    def merchant_availability(self) -> str:
        return MERCHANT[self.availability]

    def merchant_date(self, today: dt.date) -> dt.date | None:
        """The feed's date: only for preorder/backorder, never past a year ahead."""
        if self.merchant_availability not in ("preorder", "backorder"):
            return None
        if self.starts is None or self.starts > today + MAX_AHEAD:
            return None
        return max(self.starts, today)


def offer_of(product: ProductView, ctx: Context) -> Offer:
    available = availability(product, ctx)
    eta = available.eta
    shown = eta.earliest
    if (
        product.mode == AvailabilityMode.PREORDER
        and eta.basis == EtaBasis.RELEASE_DATE
        and product.release_date
    ):
        shown = product.release_date  # the page says "ships from <release date>"
    if available.sold_out:
        return Offer(ItemAvailability.OUT_OF_STOCK, None)
    if available.in_stock > 0:
        return Offer(ItemAvailability.IN_STOCK, None)
    if product.mode in (AvailabilityMode.MADE_TO_ORDER, AvailabilityMode.CUSTOM_BUILD):
        return Offer(ItemAvailability.MADE_TO_ORDER, shown)
    if product.mode == AvailabilityMode.PREORDER:
        return Offer(ItemAvailability.PRE_ORDER, shown)
    return Offer(ItemAvailability.BACK_ORDER, shown)


def merchant_when(day: dt.date, zone: ZoneInfo) -> str:
    """``2027-03-14T00:00+0100``: 21 characters, with the store's zone (never naive)."""
    moment = dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone)
    return moment.strftime("%Y-%m-%dT%H:%M%z")


def json_ld(
    product: ProductView,
    url: str,
    currency: str,
    ctx: Context,
    *,
    images: list[str] | None = None,
) -> str:
    """The product page's schema.org Product/Offer, safe inside a <script> element."""
    offer = offer_of(product, ctx)
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "sku": product.sku,
        "name": product.name,
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": f"{product.price:.2f}",
            "priceCurrency": currency,
            "availability": SCHEMA + offer.availability.value,
        },
    }
    if product.description:
        data["description"] = product.description
    if images:
        data["image"] = images
    if offer.starts is not None:
        offers = data["offers"]
        assert isinstance(offers, dict)
        offers["availabilityStarts"] = offer.starts.isoformat()
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</script>" or "<!--" inside a name must not end or change the element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _price(value: Decimal, currency: str) -> str:
    return f"{value:.2f} {currency}"


def merchant_feed(
    products: list[ProductView],
    *,
    title: str,
    base_url: str,
    link_of: dict[str, str],
    currency: str,
    image_of: dict[str, str] | None = None,
    ctx: Context,
) -> bytes:
    """RSS 2.0 with the ``g:`` namespace, one item per product (every product: one left out is
    removed from Merchant Center)."""
    ET.register_namespace("g", GOOGLE_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = base_url
    ET.SubElement(channel, "description").text = f"Products of {title} with delivery dates"

    def g(parent: ET.Element, name: str, value: str) -> None:
        ET.SubElement(parent, f"{{{GOOGLE_NS}}}{name}").text = value

    for product in products:
        offer = offer_of(product, ctx)
        date = offer.merchant_date(ctx.today)
        merchant = offer.merchant_availability
        if merchant in ("preorder", "backorder") and date is None:
            merchant = "out_of_stock"  # no honest date to give
        item = ET.SubElement(channel, "item")
        g(item, "id", product.sku)
        g(item, "title", product.name[:150])
        g(item, "description", (product.description or product.name)[:5000])
        g(item, "link", link_of[product.sku])
        if image_of and product.sku in image_of:
            g(item, "image_link", image_of[product.sku])
        g(item, "price", _price(product.price, currency))
        g(item, "condition", "new")
        g(item, "availability", merchant)
        if date is not None:
            g(item, "availability_date", merchant_when(date, ctx.policy.zone))
    return bytes(ET.tostring(rss, encoding="utf-8", xml_declaration=True))
