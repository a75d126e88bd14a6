"""What the warehouse can do now: orders with units that may ship under their preference
(rule 12), and parcels packed but not yet handed to a carrier.

The candidates are read in three queries whatever their number; which units may leave is the
same pure rule ``create_shipment`` applies (``shipping.planning.plan_shipment``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.db import connection, fetch
from domain.ordering.parcel_holds import held_sql
from domain.ordering.reads import ParcelView, shipments_by_id
from domain.rows import marks, moment_of
from domain.shipping.planning import plan_shipment, shippable_of
from domain.vocabulary import ShipPreference

CANDIDATES = 500


@dataclass(frozen=True)
class ReadyItem:
    line_id: int
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class ReadyOrder:
    order_id: int
    number: str
    email: str
    placed_at: dt.datetime
    preference: ShipPreference
    items: list[ReadyItem]
    held: int  # allocated units the preference keeps back (ship complete, unreleased)


@dataclass(frozen=True)
class PackedParcel:
    parcel: ParcelView
    order_number: str
    email: str


async def ready_to_ship(*, today: dt.date, first: int = 50) -> list[ReadyOrder]:
    """Oldest orders first; only those with something that may leave today."""
    conn = connection()
    orders = await fetch(
        conn,
        "SELECT o.id, o.number, c.email, o.placed_at, o.ship_preference FROM customer_order o"
        " JOIN customer c ON c.id = o.customer_id WHERE o.id IN"
        " (SELECT order_id FROM order_line WHERE qty_allocated > 0 AND NOT dropship)"
        " ORDER BY o.placed_at, o.id LIMIT ?",
        [CANDIDATES],
    )
    if not orders:
        return []
    ids = [row["id"] for row in orders]
    lines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for row in await fetch(
        conn,
        "SELECT l.id, l.order_id, p.sku, p.name, p.release_date, l.qty_allocated, l.qty_waiting,"
        f" {held_sql('l')} AS held"
        f" FROM order_line l JOIN product p ON p.id = l.product_id"
        f" WHERE l.order_id IN ({marks(ids)}) AND NOT l.dropship ORDER BY l.position, l.id",
        ids,
    ):
        lines[row["order_id"]].append(row)
    ready = []
    for order in orders:
        rows = lines[order["id"]]
        shippable = [shippable_of(r) for r in rows]
        preference = ShipPreference(order["ship_preference"])
        plan = plan_shipment(shippable, preference, today)
        if not plan:
            continue
        by_id = {r["id"]: r for r in rows}
        free = sum(r["qty_allocated"] - int(r["held"]) for r in rows)
        ready.append(
            ReadyOrder(
                order["id"],
                order["number"],
                order["email"],
                moment_of(order["placed_at"]),
                preference,
                [ReadyItem(i, by_id[i]["sku"], by_id[i]["name"], q) for i, q in plan.items()],
                free - sum(plan.values()),
            )
        )
        if len(ready) >= first:
            break
    return ready


async def packed_parcels() -> list[PackedParcel]:
    """Planned shipments waiting for a carrier and tracking number, oldest first."""
    rows = await fetch(
        connection(),
        "SELECT s.id, o.number, c.email FROM shipment s"
        " JOIN customer_order o ON o.id = s.order_id JOIN customer c ON c.id = o.customer_id"
        " WHERE s.status = 'planned' ORDER BY s.id",
    )
    parcels = await shipments_by_id([r["id"] for r in rows])
    return [PackedParcel(parcels[r["id"]], r["number"], r["email"]) for r in rows]
