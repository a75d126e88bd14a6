"""Supplier performance: how often a purchase order was delivered by the date first promised,
and by how many days deliveries slipped.

Each purchase order is judged against the expected date it was created with (the first
revision's old date, or its expected date when never revised):

- complete (closed) with goods received: delivered on the day of its last receipt;
- still open after that first date: late, slipping until today, whatever arrived in part;
  a supplier who delivers a little, or nothing, must not look punctual;
- open and not yet due, cancelled, or closed with nothing received: not judged.

Beside it, each supplier's slip quantiles (DOMAIN.md rule 21): the days each receipt came after
the date the supplier last confirmed, at 50, 90 and 95% (nearest rank, as the windows use).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.context import Context
from domain.db import connection, fetch
from domain.promises.slips import nearest_rank
from domain.rows import as_date, as_datetime


@dataclass(frozen=True)
class SupplierPerformance:
    supplier_id: int
    name: str
    judged: int
    on_time: int
    late_days: int  # summed over the judged purchase orders
    still_open: int  # judged while still open past the first promised date
    slips: tuple[int, ...] = ()  # each receipt's days after the date last confirmed

    @property
    def slip_p50(self) -> int | None:
        return nearest_rank(self.slips, 0.5)

    @property
    def slip_p90(self) -> int | None:
        return nearest_rank(self.slips, 0.9)

    @property
    def slip_p95(self) -> int | None:
        return nearest_rank(self.slips, 0.95)

    @property
    def on_time_percent(self) -> float | None:
        return None if self.judged == 0 else 100.0 * self.on_time / self.judged

    @property
    def average_slip_days(self) -> float | None:
        """Days late, averaged over every judged purchase order (on time counts as 0)."""
        return None if self.judged == 0 else self.late_days / self.judged


def _delivered(
    status: str, promised: dt.date, last_receipt: dt.datetime | None, ctx: Context
) -> tuple[dt.date, bool] | None:
    """When a purchase order counts as delivered, and whether it is still open; None: not judged."""
    if status == "closed" and last_receipt is not None:
        return last_receipt.astimezone(ctx.policy.zone).date(), False
    if status == "open" and promised < ctx.today:
        return ctx.today, True
    return None


async def supplier_performance(ctx: Context) -> list[SupplierPerformance]:
    rows = await fetch(
        connection(),
        "SELECT s.id, s.name, po.status, po.expected_date,"
        " (SELECT c.old_date FROM purchase_order_date_change c"
        "  WHERE c.purchase_order_id = po.id ORDER BY c.id LIMIT 1) AS first_date,"
        " (SELECT MAX(r.received_at) FROM receipt r WHERE r.purchase_order_id = po.id)"
        " AS last_receipt"
        " FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id"
        " WHERE po.status <> 'cancelled' ORDER BY s.name, s.id",
    )
    tally: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for row in rows:
        promised = as_date(row["first_date"]) or as_date(row["expected_date"])
        assert promised is not None
        judged = _delivered(row["status"], promised, as_datetime(row["last_receipt"]), ctx)
        if judged is None:
            continue
        delivered, still_open = judged
        late = max(0, (delivered - promised).days)
        counts = tally.setdefault(row["id"], [0, 0, 0, 0])
        names[row["id"]] = row["name"]
        counts[0] += 1
        counts[1] += 1 if late == 0 and not still_open else 0
        counts[2] += late
        counts[3] += 1 if still_open else 0
    slips: dict[int, list[int]] = {}
    for row in await fetch(
        connection(),
        "SELECT s.id, s.name, r.slip_days FROM receipt r"
        " JOIN purchase_order po ON po.id = r.purchase_order_id"
        " JOIN supplier s ON s.id = po.supplier_id WHERE r.slip_days IS NOT NULL"
        " ORDER BY s.name, s.id",
    ):
        slips.setdefault(row["id"], []).append(int(row["slip_days"]))
        names.setdefault(row["id"], row["name"])
        tally.setdefault(row["id"], [0, 0, 0, 0])
    return [
        SupplierPerformance(
            sid,
            names[sid],
            judged=tally[sid][0],
            on_time=tally[sid][1],
            late_days=tally[sid][2],
            still_open=tally[sid][3],
            slips=tuple(slips.get(sid, ())),
        )
        for sid in sorted(tally, key=lambda sid: (names[sid], sid))
    ]
