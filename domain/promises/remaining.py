"""What a purchase-order line still has to deliver: the units ordered, less those received and
those cancelled. Pure: one home for the rule, as Python for lines and rows in hand and as a SQL
expression for queries (``tests/domain/purchasing/test_remaining_rule.py`` holds them equal)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def remaining(quantity: int, received: int, cancelled: int) -> int:
    return quantity - received - cancelled


def remaining_of(row: Mapping[str, Any], prefix: str = "") -> int:
    """Of a row read with ``values()``: its ``quantity``, ``quantity_received`` and
    ``quantity_cancelled``, each named after ``prefix`` (``po_line__`` through a relation)."""
    return remaining(
        row[f"{prefix}quantity"],
        row[f"{prefix}quantity_received"],
        row[f"{prefix}quantity_cancelled"],
    )


def remaining_sql(alias: str) -> str:
    """The same, in SQL, of the ``purchase_order_line`` row named ``alias``."""
    return f"{alias}.quantity - {alias}.quantity_received - {alias}.quantity_cancelled"
