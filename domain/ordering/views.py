"""Read models of orders, shared by the GraphQL API and the portal (read in ``order_reads.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.ordering import amounts
from domain.promises.eta import Window
from domain.vocabulary import ShipPreference


@dataclass(frozen=True)
class LineView:
    id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    allocated: int
    waiting: int
    shipped: int
    cancelled: int
    promised: Window
    eta: Window
    dropship: bool = False  # shipped by the maker straight to the customer (rule 25)

    @property
    def open(self) -> int:
        return self.allocated + self.waiting


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    email: str
    customer_name: str
    shipping_name: str
    shipping_address: str
    ship_preference: ShipPreference
    priority: int
    placed_at: dt.datetime
    lines: list[LineView]

    @property
    def total(self) -> Decimal:
        """Every unit not cancelled; cancelled ones are in ``refund_due``."""
        return amounts.total(self.lines)

    @property
    def refund_due(self) -> Decimal:
        return amounts.refund_due(self.lines)
