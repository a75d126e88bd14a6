"""Which allocated units may ship now, under the order's ship preference (rule 12). Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.rows import as_date
from domain.vocabulary import ShipPreference


@dataclass(frozen=True)
class ShippableLine:
    line_id: int
    allocated: int  # stock allocated and not shipped
    waiting: int
    in_planned_shipments: int
    release_date: dt.date | None


def shippable_of(row: Mapping[str, Any]) -> ShippableLine:
    """Of a row with the line's ``id``, ``qty_allocated``, ``qty_waiting``, ``held``
    (``held_sql``) and its product's ``release_date``."""
    return ShippableLine(
        row["id"],
        row["qty_allocated"],
        row["qty_waiting"],
        int(row["held"]),
        as_date(row["release_date"]),
    )


def plan_shipment(
    lines: list[ShippableLine], preference: ShipPreference, today: dt.date
) -> dict[int, int]:
    """Units per line for the next parcel; empty when nothing may leave yet.

    ``ship_when_ready`` sends every allocated unit that is released; ``ship_complete`` holds
    everything until no unit waits and every line is released.
    """

    def released(line: ShippableLine) -> bool:
        return line.release_date is None or line.release_date <= today

    free = {line.line_id: line.allocated - line.in_planned_shipments for line in lines}
    if preference == ShipPreference.SHIP_COMPLETE:
        open_lines = [line for line in lines if line.allocated + line.waiting > 0]
        if any(line.waiting > 0 or not released(line) for line in open_lines):
            return {}
    return {
        line.line_id: free[line.line_id]
        for line in lines
        if free[line.line_id] > 0 and released(line)
    }
