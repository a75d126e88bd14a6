"""The daily review of build lines (made to order, custom build): rules 18 and 19.

A build's window is fixed when it is ordered (lead time from that day), and no queue moves
it. So the calendar alone must: a build still waiting after the day it was due to be ready
is dated again from today (:func:`domain.promises.eta.overdue_build_window`: the end steps by
the late-delivery margin), and a build whose date staff moved (a workshop slip,
:mod:`domain.builds.slips`) is due from that date instead, so the review keeps it until it
passes; and a built unit still on the shelf when its window begins is dated
from today like any unit in stock. The changes are one ``daily_review`` event with history,
emails by rule 9 and delay notices by rule 10, written by a few statements whatever the
number of lines.
"""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.catalog import stock
from domain.context import Context
from domain.db import Dialect, fetch
from domain.ordering.models import EtaEvent
from domain.ordering.queue import Recomputed, announce_event
from domain.ordering.redating import redate
from domain.promises.eta import Window, delivery_window, overdue_build_window
from domain.rows import as_date
from domain.vocabulary import AvailabilityMode, EtaBasis, EtaReason

BUILD_MODES = (AvailabilityMode.MADE_TO_ORDER.value, AvailabilityMode.CUSTOM_BUILD.value)


def _candidates(d: Dialect, columns: str, ctx: Context) -> tuple[str, list[object]]:
    policy, today = ctx.policy, ctx.today
    return (
        f"SELECT {columns} FROM order_line l JOIN product p ON p.id = l.product_id"
        " WHERE p.mode IN (?, ?) AND NOT l.dropship AND ("
        f" (l.qty_waiting > 0 AND l.build_ready_on IS NULL AND l.promised_earliest < {d.date})"
        f" OR (l.qty_waiting > 0 AND l.build_ready_on < {d.date})"
        f" OR (l.qty_waiting = 0 AND l.qty_allocated > 0 AND l.eta_earliest <= {d.date}))",
        [*BUILD_MODES, today + dt.timedelta(days=policy.transit_days_min), today, today],
    )


async def _due(conn: BaseDBAsyncClient, ctx: Context) -> list[tuple[int, Window, Window]]:
    """Each build line whose window depends on today: (line, old window, new window)."""
    policy, today = ctx.policy, ctx.today
    query, parameters = _candidates(
        Dialect(conn),
        "l.id, l.qty_waiting, l.eta_earliest, l.eta_latest, l.eta_basis, l.promised_earliest,"
        " l.build_ready_on",
        ctx,
    )
    rows = await fetch(conn, query + " ORDER BY l.id", parameters)
    due = []
    for row in rows:
        old = Window(
            as_date(row["eta_earliest"]),
            as_date(row["eta_latest"]),
            EtaBasis(row["eta_basis"]),
        )
        if row["qty_waiting"] > 0:
            promised = as_date(row["promised_earliest"])
            assert promised is not None
            ready_by = promised - dt.timedelta(days=policy.transit_days_min)
            slipped = as_date(row["build_ready_on"])
            if slipped is not None:  # the workshop's recorded date, not the promise
                ready_by = slipped
            new = overdue_build_window(ready_by, today, policy)
        else:
            new = delivery_window(today, EtaBasis.IN_STOCK, policy)
        if new != old:
            due.append((int(row["id"]), old, new))
    return due


async def review_builds(conn: BaseDBAsyncClient, *, ctx: Context) -> Recomputed:
    """Re-date the build lines of ``ctx.today`` as one ``daily_review`` event."""
    query, parameters = _candidates(Dialect(conn), "DISTINCT l.product_id", ctx)
    products = sorted(int(r["product_id"]) for r in await fetch(conn, query, parameters))
    if not products:
        return Recomputed(None, 0, 0, 0, 0)
    # Held as every other change holds them: a receipt filling a build waits for the review.
    await stock.lock(conn, products)
    due = await _due(conn, ctx)
    if not due:
        return Recomputed(None, 0, 0, 0, 0)
    event = await EtaEvent.create(
        product_id=None,
        reason=EtaReason.DAILY_REVIEW,
        detail=f"daily review of {ctx.today}: builds past their date",
        actor=str(ctx.actor),
        created_at=ctx.now,
        using_db=conn,
    )
    await redate(conn, event.id, due, ctx.policy.email_threshold_days)
    return await announce_event(conn, event.id, len(due), ctx)
