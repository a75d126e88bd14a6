"""What one ETA event did, read back from the rows it wrote: the "done" line after a change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.db import connection, fetch
from domain.rows import moment_of
from domain.vocabulary import EtaReason


@dataclass(frozen=True)
class EventImpact:
    id: int
    reason: EtaReason
    detail: str
    actor: str
    at: dt.datetime
    lines_moved: int
    orders_moved: int
    emails_queued: int
    customers_emailed: int
    delay_notices: int


async def event_impact(event_id: int) -> EventImpact | None:
    rows = await fetch(
        connection(),
        "SELECT e.id, e.reason, e.detail, e.actor, e.created_at,"
        " (SELECT COUNT(*) FROM eta_change c WHERE c.event_id = e.id) AS lines,"
        " (SELECT COUNT(DISTINCT l.order_id) FROM eta_change c JOIN order_line l"
        "  ON l.id = c.line_id WHERE c.event_id = e.id) AS orders,"
        " (SELECT COUNT(*) FROM outbox_message m WHERE m.event_id = e.id) AS emails,"
        " (SELECT COUNT(DISTINCT m.recipient) FROM outbox_message m WHERE m.event_id = e.id)"
        " AS customers,"
        " (SELECT COUNT(*) FROM delay_notice n WHERE n.event_id = e.id) AS notices"
        " FROM eta_event e WHERE e.id = ?",
        [event_id],
    )
    if not rows:
        return None
    r = rows[0]
    return EventImpact(
        r["id"],
        EtaReason(r["reason"]),
        r["detail"],
        r["actor"],
        moment_of(r["created_at"]),
        int(r["lines"]),
        int(r["orders"]),
        int(r["emails"]),
        int(r["customers"]),
        int(r["notices"]),
    )
