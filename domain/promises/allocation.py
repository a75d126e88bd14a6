"""How an ordered quantity splits into stock and backorder (DOMAIN.md rules 1 and 3). Pure."""

from __future__ import annotations

from dataclasses import dataclass

from domain.vocabulary import AvailabilityMode


@dataclass(frozen=True)
class Split:
    from_stock: int
    backordered: int


@dataclass(frozen=True)
class Refusal:
    available: int  # what could still be ordered: free stock plus room under the cap
    reason: str


def backorder_room(cap: int | None, waiting_units: int) -> int | None:
    """Units that may still wait; None means unlimited."""
    if cap is None:
        return None
    return max(cap - waiting_units, 0)


def split_line(
    quantity: int, *, on_hand: int, waiting_units: int, cap: int | None, mode: AvailabilityMode
) -> Split | Refusal:
    """Stock first, then the queue, within the cap.

    Stock goes first only when nobody waits (invariant 7 makes that the normal case); a line
    never takes stock that waiting backorders are owed.
    """
    from_stock = min(quantity, on_hand) if waiting_units == 0 else 0
    backordered = quantity - from_stock
    if mode == AvailabilityMode.CUSTOM_BUILD:
        return Refusal(0, "custom builds are ordered by accepting a quote")
    room = backorder_room(cap, waiting_units)
    if room is not None and backordered > room:
        available = from_stock + room
        if cap == 0:
            reason = f"only {available} in stock; this product takes no backorders"
        else:
            reason = f"only {available} can still be ordered"
        return Refusal(available, reason)
    return Split(from_stock, backordered)
