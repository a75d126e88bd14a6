"""DOMAIN.md rule 24: how many units of a product to order from its supplier. Pure.

The need is what must arrive for every waiting unit, every waitlisted request and the safety
stock to be covered, less what is on hand and what open POs will still bring:

    need = waiting + waitlist + safety_stock - on_hand - on_order      (never below 0)

A need of 0 orders nothing. Otherwise the order is at least the product's minimum order
quantity, then rounded up to whole packs: a minimum that is not a multiple of the pack size
becomes the next multiple.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Demand:
    """One product's figures, as read by ``domain/purchasing/suggestions.py``."""

    waiting: int  # units in the product's queue (rule 2)
    on_order: int  # units open POs still bring (ordered - received - cancelled)
    on_hand: int  # free stock
    safety_stock: int = 0
    waitlist: int = 0  # confirmed waitlist requests (rule 26), one unit each
    min_order_qty: int = 1
    pack_size: int = 1


@dataclass(frozen=True)
class Suggestion:
    need: int
    quantity: int
    why: str  # staff read why the quantity is what it is


def need_of(demand: Demand) -> int:
    wanted = demand.waiting + demand.waitlist + demand.safety_stock
    return max(0, wanted - demand.on_hand - demand.on_order)


def suggest(demand: Demand) -> Suggestion:
    need = need_of(demand)
    parts = [f"{demand.waiting} waiting"]
    if demand.waitlist:
        parts.append(f"+ {demand.waitlist} on the waitlist")
    if demand.safety_stock:
        parts.append(f"+ {demand.safety_stock} safety stock")
    if demand.on_hand:
        parts.append(f"- {demand.on_hand} on hand")
    if demand.on_order:
        parts.append(f"- {demand.on_order} already on order")
    why = " ".join(parts) + f" = {need} needed"
    if need == 0:
        return Suggestion(0, 0, why + "; nothing to order")
    minimum = max(1, demand.min_order_qty)
    pack = max(1, demand.pack_size)
    quantity = max(need, minimum)
    if quantity > need:
        why += f"; raised to the minimum order of {minimum}"
    packs = -(-quantity // pack)
    if packs * pack != quantity:
        why += f"; rounded up to {packs} packs of {pack}"
    return Suggestion(need, packs * pack, why)
