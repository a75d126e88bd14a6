"""Units of an order line that planned parcels hold (DOMAIN.md rule 12).

A parcel being packed holds the units it lists until it ships or is dropped: they can no
longer be cancelled, and are not planned into another parcel. Seen from the line, so that
ordering (a cancel) and shipping (planning) read the same rule.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import fetch
from domain.vocabulary import ShipmentStatus


def held_sql(line: str) -> str:
    """SQL: the units of the order line aliased ``line`` that planned parcels already hold."""
    return (
        "COALESCE((SELECT SUM(sl.quantity) FROM shipment_line sl"
        " JOIN shipment s ON s.id = sl.shipment_id"
        f" WHERE sl.line_id = {line}.id AND s.status = '{ShipmentStatus.PLANNED.value}'), 0)"
    )


async def held_units(conn: BaseDBAsyncClient, line_ids: list[int]) -> dict[int, int]:
    """Line id -> units planned parcels hold, for the lines that have any."""
    if not line_ids:
        return {}
    rows = await fetch(
        conn,
        f"SELECT l.id, {held_sql('l')} AS held FROM order_line l"
        f" WHERE l.id IN ({', '.join('?' for _ in line_ids)})",
        list(line_ids),
    )
    return {row["id"]: int(row["held"]) for row in rows if row["held"]}
