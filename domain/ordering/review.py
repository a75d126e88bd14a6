"""The daily ETA review (DOMAIN.md rules 18-20): dates move because days pass.

Nothing but the calendar changes overnight, so only windows that depend on today can move:
a waiting line behind an overdue PO (``late_delivery``, rule 20), behind supplier lead time
("from today"), behind a release date that has come, and any unshipped line whose window has
begun (stock still on the shelf, or a date about to be in the past). Their products' queues
are recomputed by the one recompute of rule 8, as one ``daily_review`` event: history, emails
by rule 9 and delay notices by rule 10, so a line that can no longer reach its promised date
gets its notice that day (rule 19). Running it twice on a day changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.catalog import stock
from domain.context import Context
from domain.db import Dialect, fetch
from domain.ordering.build_review import review_builds
from domain.ordering.queue import Recomputed, recompute_queues
from domain.promises.remaining import remaining_sql
from domain.vocabulary import AvailabilityMode, EtaBasis, EtaReason


@dataclass(frozen=True)
class Review:
    day: dt.date
    queues: int  # products whose queue was reviewed
    lines_moved: int
    orders_moved: int
    emails_queued: int
    delay_notices: int

    def summary(self) -> dict[str, int]:
        return {
            "queues": self.queues,
            "lines_moved": self.lines_moved,
            "orders_moved": self.orders_moved,
            "emails_queued": self.emails_queued,
            "delay_notices": self.delay_notices,
        }


async def due_for_review(conn: BaseDBAsyncClient, today: dt.date) -> list[int]:
    """The queue-driven products with an unshipped line whose window depends on today."""
    d = Dialect(conn)
    rows = await fetch(
        conn,
        "SELECT DISTINCT l.product_id FROM order_line l JOIN product p ON p.id = l.product_id"
        " WHERE p.mode IN (?, ?) AND (l.qty_waiting > 0 OR l.qty_allocated > 0)"
        " AND NOT l.dropship AND ("
        f" l.eta_earliest <= {d.date}"
        " OR (l.qty_waiting > 0 AND l.eta_basis IN (?, ?))"
        f" OR (l.qty_waiting > 0 AND l.eta_basis = ? AND p.release_date <= {d.date})"
        " OR (l.qty_waiting > 0 AND EXISTS (SELECT 1 FROM purchase_order_line pl"
        "  JOIN purchase_order po ON po.id = pl.purchase_order_id"
        "  WHERE pl.product_id = l.product_id AND po.status = 'open' AND NOT po.dropship"
        f"  AND po.expected_date < {d.date}"
        f"  AND {remaining_sql('pl')} > 0)))"
        " ORDER BY l.product_id",
        [
            AvailabilityMode.STOCKED.value,
            AvailabilityMode.PREORDER.value,
            today,
            EtaBasis.LEAD_TIME.value,
            EtaBasis.LATE_DELIVERY.value,
            EtaBasis.RELEASE_DATE.value,
            today,
            today,
        ],
    )
    return [int(row["product_id"]) for row in rows]


async def review_etas(*, ctx: Context) -> Review:
    """Review the ETAs of ``ctx.today``: one ``daily_review`` event over every due queue."""
    async with in_transaction() as conn:
        products = await due_for_review(conn, ctx.today)
        if products:
            # Hold the products as every other recompute does, in a stable order: a receipt
            # or an order for one of them waits for the review rather than racing it.
            await stock.lock(conn, products)
            result = await recompute_queues(
                conn, products, ctx, EtaReason.DAILY_REVIEW, f"daily review of {ctx.today}"
            )
        else:
            result = Recomputed(None, 0, 0, 0, 0)
        builds = await review_builds(conn, ctx=ctx)  # rules 18-19 for made to order, custom
        return Review(
            ctx.today,
            len(products),
            result.lines_moved + builds.lines_moved,
            result.orders_moved + builds.orders_moved,
            result.emails_queued + builds.emails_queued,
            result.delay_notices + builds.delay_notices,
        )
