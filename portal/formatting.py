"""Money, dates and delivery estimates in words a customer reads at a glance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.catalog.availability import Availability, ProductView
from domain.notifications.composing import words as wording
from domain.promises.eta import Window
from domain.vocabulary import AvailabilityMode, EtaBasis


def money(amount: Decimal | int | None, currency: str = "EUR") -> str:
    """The emails' spelling of an amount, so a page and its email always agree."""
    return "" if amount is None else wording.money(amount, currency)


def day(value: dt.date | None) -> str:
    """``Mar 3``; the year only when it is not the current one."""
    if value is None:
        return "to be confirmed"
    text = f"{value:%b} {value.day}"
    return text if value.year == dt.date.today().year else f"{text}, {value.year}"


def window(value: Window) -> str:
    """``Mar 3–6``, ``Mar 30 – Apr 2``, or ``date to be confirmed``: the ranges written the way
    the emails write them (``domain/notifications/wording.window``), with an en dash."""
    if value.earliest is None or value.latest is None:
        return "date to be confirmed"
    if value.earliest == value.latest:
        return day(value.earliest)
    if (value.earliest.year, value.earliest.month) == (value.latest.year, value.latest.month):
        same_month = f"{value.earliest:%b} {value.earliest.day}\u2013{value.latest.day}"
        if value.earliest.year == dt.date.today().year:
            return same_month
        return f"{same_month}, {value.earliest.year}"
    return f"{day(value.earliest)} \u2013 {day(value.latest)}"


def change(previous: Window | None, current: Window) -> str:
    """A moved estimate: ``Dec 8–11 → Dec 12–15``; a first one: ``expected Dec 8–11``."""
    if previous is None:
        return f"expected {window(current)}"
    return f"{window(previous)} \u2192 {window(current)}"


BASIS_WORDS = {
    EtaBasis.IN_STOCK: "in stock",
    EtaBasis.PURCHASE_ORDER: "from a confirmed supplier delivery",
    EtaBasis.LATE_DELIVERY: "the supplier's delivery is late; new estimate",
    EtaBasis.LEAD_TIME: "from the supplier's usual lead time",
    EtaBasis.RELEASE_DATE: "from the release date",
    EtaBasis.BUILD: "from the build time",
    EtaBasis.UNKNOWN: "not known yet",
    EtaBasis.DROPSHIP: "shipped by the maker straight to you",
}


def basis(value: EtaBasis | str) -> str:
    return BASIS_WORDS.get(EtaBasis(value), str(value))


def weeks(days: int | None) -> str:
    if days is None:
        return "lead time to be confirmed"
    if days < 14:
        return f"about {days} days"
    return f"about {round(days / 7)} weeks"


def estimate(product: ProductView, available: Availability) -> str:
    """The landing page's one-line promise for the next unit ordered."""
    eta = available.eta
    if product.mode == AvailabilityMode.CUSTOM_BUILD:
        return f"Built to your specification, {weeks(product.lead_time_days)}"
    if eta.basis == EtaBasis.DROPSHIP:
        return f"Shipped by the maker straight to you, arrives {window(eta)}"
    if available.sold_out:
        return "Sold out"
    if product.mode == AvailabilityMode.MADE_TO_ORDER and available.in_stock == 0:
        return f"Made to order, {weeks(product.lead_time_days)}"
    if product.mode == AvailabilityMode.PREORDER:
        if eta.basis == EtaBasis.RELEASE_DATE and product.release_date:
            return f"Preorder, ships from {day(product.release_date)}"
        if eta.basis == EtaBasis.LATE_DELIVERY:
            return f"Preorder, the supplier's delivery is late: now arrives {window(eta)}"
        return f"Preorder, arrives {window(eta)}"
    if available.in_stock > 0:
        return f"In stock, arrives {window(eta)}"
    if eta.basis == EtaBasis.UNKNOWN:
        return "Backordered, date to be confirmed"
    if eta.basis == EtaBasis.LATE_DELIVERY:
        return f"Backordered, the supplier's delivery is late: now arrives {window(eta)}"
    return f"Backordered, arrives {window(eta)}"
