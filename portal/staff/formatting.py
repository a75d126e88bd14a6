"""Words and numbers staff read at a glance: timestamps, percentages, plurals, email kinds."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from portal.formatting import day

KINDS = {
    "order_confirmation": "order confirmation",
    "eta_changed": "new delivery date",
    "delay_notice": "delay notice",
    "shipment_sent": "parcel sent",
    "build_quote_ready": "custom build quote",
    "order_cancelled": "cancellation",
    "order_links": "order links",
}

REASONS = {
    "order_placed": "order placed",
    "po_created": "purchase order created",
    "po_date_changed": "purchase order date changed",
    "po_line_cancelled": "purchase order line cancelled",
    "receipt": "goods received",
    "order_cancelled": "an order cancelled",
    "priority_changed": "priority changed",
    "daily_review": "daily review",
}


def reason(value: str) -> str:
    return REASONS.get(str(value), str(value).replace("_", " "))


def when(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """``Mar 3, 14:05`` in the store's time zone."""
    if value is None:
        return "—"
    local = value.astimezone(zone)
    return f"{day(local.date())}, {local:%H:%M}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def signed(value: float | None) -> str:
    """A signed figure such as days early (+) or late (−), one decimal; ``—`` for none."""
    if value is None:
        return "—"
    return f"{value:+.1f}".replace("-", "−") if value else "0.0"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 line``, ``312 lines``, ``2 customers``."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def kind(value: str) -> str:
    return KINDS.get(str(value), str(value).replace("_", " "))


# ``revise_expected_date`` stores "<PO> now expected <ISO date> (was <ISO date>): <reason>".
_PO_DATE_DETAIL = re.compile(
    r"^(?P<po>\S+) now expected (?P<new>\d{4}-\d{2}-\d{2}) \(was (?P<old>\d{4}-\d{2}-\d{2})\)"
)


def detail(value: str) -> str:
    """An event's stored detail with its dates written like every other date staff read:
    ``PO-1 now expected Dec 12 (was Dec 8): ...``, not ISO."""

    def dates(found: re.Match[str]) -> str:
        new, old = dt.date.fromisoformat(found["new"]), dt.date.fromisoformat(found["old"])
        return f"{found['po']} now expected {day(new)} (was {day(old)})"

    return _PO_DATE_DETAIL.sub(dates, value or "", count=1)
