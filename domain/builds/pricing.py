"""Custom-build quotes from option prices and lead times (rule 14). Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.vocabulary import BuildStatus


@dataclass(frozen=True)
class Choice:
    id: int
    group_id: int
    price_delta: Decimal
    lead_time_delta_days: int


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    required: bool


def quote_expired(valid_until: dt.date, today: dt.date) -> bool:
    """Rule 14: a quote can be accepted through its last valid day, and not after it."""
    return valid_until < today


def quote_has_expired(status: BuildStatus, valid_until: dt.date, today: dt.date) -> bool:
    """Rule 14, as both doors tell it and acceptance enforces it: a request's quote is over once
    the clock marked the request expired, or once its last valid day has passed (before the
    clock's next run has marked it)."""
    return status == BuildStatus.EXPIRED or quote_expired(valid_until, today)


@dataclass(frozen=True)
class Quote:
    price: Decimal
    lead_time_days: int
    valid_until: dt.date


def missing_groups(groups: list[Group], chosen: list[Choice]) -> list[Group]:
    """Required groups without a choice."""
    picked = {choice.group_id for choice in chosen}
    return [group for group in groups if group.required and group.id not in picked]


def doubled_groups(chosen: list[Choice]) -> set[int]:
    seen: set[int] = set()
    doubled: set[int] = set()
    for choice in chosen:
        (doubled if choice.group_id in seen else seen).add(choice.group_id)
    return doubled


def automatic_quote(
    base_price: Decimal, base_lead_days: int, chosen: list[Choice], today: dt.date, valid_days: int
) -> Quote:
    price = base_price + sum((c.price_delta for c in chosen), Decimal("0"))
    lead = base_lead_days + sum(c.lead_time_delta_days for c in chosen)
    return Quote(
        price.quantize(Decimal("0.01")), max(lead, 0), today + dt.timedelta(days=valid_days)
    )
