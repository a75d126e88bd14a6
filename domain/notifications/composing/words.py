"""Dates, windows, money and reasons in the words an email uses. Pure.

Emails are kept for months, so every date carries its year. Event details are written for
staff (they may name other customers' orders): an email shows a customer-facing sentence per
reason instead, plus the supplier's explanation of a rescheduled delivery, which staff write
for customers to read.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from domain.promises.eta import Window
from domain.vocabulary import EtaBasis, EtaReason

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


@lru_cache(maxsize=4096)  # the same few dates recur in every email of a batch
def day(value: dt.date | None) -> str:
    if value is None:
        return "a date to be confirmed"
    return f"{value.day} {value:%B %Y}"


@lru_cache(maxsize=4096)
def window(value: Window) -> str:
    """``3–6 March 2027``, ``30 March – 2 April 2027``, or that the date is unknown.

    The same en-dash ranges as the portal's ``Mar 3–6`` (portal/formatting.py)."""
    first, last = value.earliest, value.latest
    if first is None or last is None:
        return "date to be confirmed"
    if first == last:
        return day(first)
    if first.year != last.year:
        return f"{day(first)} \u2013 {day(last)}"
    if first.month != last.month:
        return f"{first.day} {first:%B} \u2013 {day(last)}"
    return f"{first.day}\u2013{day(last)}"


BASIS = {
    EtaBasis.IN_STOCK: "in stock",
    EtaBasis.PURCHASE_ORDER: "based on a confirmed delivery from our supplier",
    EtaBasis.LATE_DELIVERY: "our supplier's delivery is late; this is our new estimate",
    EtaBasis.LEAD_TIME: "based on our supplier's usual lead time (no delivery is booked yet)",
    EtaBasis.RELEASE_DATE: "based on the release date",
    EtaBasis.BUILD: "based on the time it takes to make",
    EtaBasis.UNKNOWN: "we do not know yet and will write as soon as we do",
    EtaBasis.DROPSHIP: "shipped by the maker straight to you: the maker's lead time plus delivery",
}


def basis(value: EtaBasis | str) -> str:
    return BASIS.get(EtaBasis(value), "")


def money(amount: Decimal | int, currency: str = "EUR") -> str:
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{SYMBOLS.get(currency, currency + ' ')}{value:,.2f}"


REASONS = {
    EtaReason.ORDER_PLACED: "Orders placed ahead of yours changed the queue.",
    EtaReason.PO_CREATED: "We ordered new stock from our supplier.",
    EtaReason.PO_DATE_CHANGED: "A supplier delivery your order is waiting for was rescheduled.",
    EtaReason.PO_LINE_CANCELLED: "Our supplier cancelled part of a delivery your order was "
    "waiting for.",
    EtaReason.RECEIPT: "A delivery from our supplier arrived.",
    EtaReason.ORDER_CANCELLED: "Other orders ahead of yours in the queue were cancelled.",
    EtaReason.PRIORITY_CHANGED: "The queue for these items was rearranged.",
    EtaReason.DAILY_REVIEW: "Our daily check of delivery dates found one we could no longer "
    "keep, so we set a new one.",
    EtaReason.PRODUCT_CHANGED: "The supply of this product changed.",
    EtaReason.SUPPLIER_CHANGED: "Our supplier's delivery times changed.",
    EtaReason.STOCK_ADJUSTED: "Our stock count of this product changed.",
    EtaReason.BUILD_SLIPPED: "Our workshop needs more time to build your item.",
}

# Catalogue changes write "<SKU>: <what changed>: <reason staff give>" (domain/catalog).
_CATALOG_DETAIL = re.compile(r"^[^:]+: [^:]+: (?P<why>.+)$", re.DOTALL)
_CATALOG_REASONS = (
    EtaReason.PRODUCT_CHANGED,
    EtaReason.SUPPLIER_CHANGED,
    EtaReason.STOCK_ADJUSTED,
    EtaReason.BUILD_SLIPPED,
)

# ``revise_expected_date`` writes "<PO> now expected <date> (was <date>): <reason>".
_PO_DATE_DETAIL = re.compile(r"^\S+ now expected \S+ \(was \S+\): (?P<why>.+)$", re.DOTALL)


def reason(value: EtaReason | str, detail: str = "") -> str:
    text = REASONS.get(EtaReason(value), "Our delivery schedule changed.")
    if EtaReason(value) == EtaReason.PO_DATE_CHANGED:
        match = _PO_DATE_DETAIL.match(detail or "")
        if match:
            why = match.group("why").strip().rstrip(".")
            return f"{text} Our supplier's explanation: {why}."
    if EtaReason(value) in _CATALOG_REASONS:
        match = _CATALOG_DETAIL.match(detail or "")
        if match:
            why = match.group("why").strip().rstrip(".")
            return f"{text} {why}."
    return text
