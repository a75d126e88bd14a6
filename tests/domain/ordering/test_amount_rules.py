"""An order's total and the refund owed after cancellations (domain/ordering/amounts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.ordering.amounts import CartLine, cart_total, refund_due, total


@dataclass(frozen=True)
class Line:
    unit_price: Decimal
    quantity: int
    cancelled: int


def test_cancelled_units_leave_the_total_and_are_owed_back_in_full() -> None:
    lines = [Line(Decimal("100.00"), 3, 2), Line(Decimal("19.99"), 2, 0)]
    assert total(lines) == Decimal("139.98")
    assert refund_due(lines) == Decimal("200.00")
    assert total(lines) + refund_due(lines) == Decimal("339.98")  # what was ordered


def test_an_order_with_nothing_cancelled_owes_nothing_back() -> None:
    lines = [Line(Decimal("100.00"), 3, 0)]
    assert (total(lines), refund_due(lines)) == (Decimal("300.00"), Decimal(0))
    assert (total([]), refund_due([])) == (Decimal(0), Decimal(0))


def test_a_carts_total_is_what_the_order_placed_from_it_costs() -> None:
    cart = [CartLine(Decimal("100.00"), 3), CartLine(Decimal("19.99"), 2)]
    ordered = [Line(Decimal("100.00"), 3, 0), Line(Decimal("19.99"), 2, 0)]
    assert cart_total(cart) == total(ordered) == Decimal("339.98")
    assert cart_total([]) == Decimal(0)
