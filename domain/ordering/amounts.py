"""What an order costs and what is owed back (DOMAIN.md rules 4, 10 and 13). Pure.

Cancelled units are refunded in full and leave the order's total; every other unit (waiting,
ready or shipped) is still bought. Both read models (pages, API and emails) use these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class Priced(Protocol):
    @property
    def unit_price(self) -> Decimal: ...

    @property
    def quantity(self) -> int: ...

    @property
    def cancelled(self) -> int: ...


def total(lines: Iterable[Priced]) -> Decimal:
    """The order's total now: every unit ordered and not cancelled."""
    return sum((line.unit_price * (line.quantity - line.cancelled) for line in lines), Decimal(0))


def refund_due(lines: Iterable[Priced]) -> Decimal:
    """What the customer gets back: the cancelled units, at the price they were ordered at."""
    return sum((line.unit_price * line.cancelled for line in lines), Decimal(0))


@dataclass(frozen=True)
class CartLine:
    """A product in a cart at its price now; nothing of it is cancelled yet."""

    unit_price: Decimal
    quantity: int
    cancelled: int = 0


def cart_total(lines: Iterable[CartLine]) -> Decimal:
    """What a cart costs if ordered now: the total the order placed from it starts at."""
    return total(lines)
