"""What an ETA event would do, before anyone commits to it (DOMAIN.md rule 8).

The preview is exact because it is the change itself: the service runs in full inside an outer
transaction (it opens a savepoint there), the outcome is read from the rows it wrote (ETA
history, delay notices, outbox), and a private exception then rolls everything back. Nothing
leaves the transaction: no email is queued, no history is kept, no lock outlives it. Confirming
later runs the same work for real; the numbers match unless the queue changed in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.db import fetch
from domain.ordering.queue import Recomputed, queue_order
from domain.ordering.reads import window
from domain.promises.eta import Window
from domain.rows import as_date

TOUCHED_SHOWN = 100


@dataclass(frozen=True)
class TouchedLine:
    """One order line the change would move."""

    order_id: int
    order_number: str
    email: str
    name: str
    quantity: int
    old: Window | None
    new: Window
    promised_latest: dt.date | None
    delay_notice: bool  # the new date passes what the customer was promised or accepted
    emailed: bool


@dataclass(frozen=True)
class EventImpact:
    """What any ETA event would do (rule 8): the same figures as a PO date change."""

    lines_moved: int
    orders_moved: int
    emails_queued: int
    customers_emailed: int
    delay_notices: int
    touched: list[TouchedLine]

    @property
    def nothing_moves(self) -> bool:
        return self.lines_moved == 0


class _RollBack(Exception):
    def __init__(self, impact: EventImpact) -> None:
        super().__init__("preview rolled back")
        self.impact = impact


async def preview_event(work: Callable[[], Awaitable[Recomputed]]) -> EventImpact:
    """The exact outcome of ``work`` (a service that opens its own transaction and returns its
    ETA event), with nothing kept: it runs inside an outer transaction that is rolled back."""
    try:
        async with in_transaction() as conn:
            done = await work()
            raise _RollBack(await _impact(conn, done))
    except _RollBack as rolled_back:
        return rolled_back.impact
    raise AssertionError("unreachable: the preview always rolls back")


async def _impact(conn: BaseDBAsyncClient, done: Recomputed) -> EventImpact:
    customers, touched = 0, []
    if done.event_id is not None:
        counted = await fetch(
            conn,
            "SELECT COUNT(DISTINCT recipient) AS n FROM outbox_message WHERE event_id = ?",
            [done.event_id],
        )
        customers = int(counted[0]["n"])
        touched = await _touched(conn, done.event_id)
    return EventImpact(
        done.lines_moved,
        done.orders_moved,
        done.emails_queued,
        customers,
        done.delay_notices,
        touched,
    )


async def _touched(conn: BaseDBAsyncClient, event_id: int) -> list[TouchedLine]:
    rows = await fetch(
        conn,
        "SELECT o.id AS order_id, o.number, cu.email, p.name, l.qty_waiting, c.old_earliest,"
        " c.old_latest, c.old_basis, c.new_earliest, c.new_latest, c.new_basis,"
        " l.promised_latest,"
        " EXISTS (SELECT 1 FROM delay_notice n WHERE n.event_id = c.event_id"
        "  AND n.line_id = l.id) AS notice,"
        " EXISTS (SELECT 1 FROM outbox_message m WHERE m.event_id = c.event_id"
        "  AND m.order_id = o.id) AS emailed"
        " FROM eta_change c JOIN order_line l ON l.id = c.line_id"
        " JOIN customer_order o ON o.id = l.order_id JOIN customer cu ON cu.id = o.customer_id"
        " JOIN product p ON p.id = l.product_id"
        f" WHERE c.event_id = ? ORDER BY {queue_order('l')} LIMIT ?",
        [event_id, TOUCHED_SHOWN],
    )
    return [
        TouchedLine(
            row["order_id"],
            row["number"],
            row["email"],
            row["name"],
            row["qty_waiting"],
            window(row["old_earliest"], row["old_latest"], row["old_basis"])
            if row["old_basis"] is not None
            else None,
            window(row["new_earliest"], row["new_latest"], row["new_basis"]),
            as_date(row["promised_latest"]),
            bool(row["notice"]),
            bool(row["emailed"]),
        )
        for row in rows
    ]
