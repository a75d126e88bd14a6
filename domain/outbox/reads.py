"""The outbox as staff watch it: waiting, failing (retrying after an error), sent, dead letters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from domain.db import connection, fetch
from domain.rows import as_datetime, moment_of
from domain.vocabulary import OutboxKind, OutboxStatus

MAX_PAGE = 100


class MailView(StrEnum):
    WAITING = "waiting"  # pending, no error yet
    FAILING = "failing"  # pending, the last attempt failed: it will be retried
    SENT = "sent"
    DEAD = "dead"  # given up: permanent failure or too old
    SUPERSEDED = "superseded"  # a newer ETA email of the same order said it all


_WHERE = {
    MailView.WAITING: "status = 'pending' AND last_error = ''",
    MailView.FAILING: "status = 'pending' AND last_error <> ''",
    MailView.SENT: "status = 'sent'",
    MailView.DEAD: "status = 'dead'",
    MailView.SUPERSEDED: "status = 'superseded'",
}


@dataclass(frozen=True)
class MailRow:
    id: int
    kind: OutboxKind
    recipient: str
    order_id: int | None
    order_number: str | None
    status: OutboxStatus
    attempts: int
    last_error: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class MailPage:
    items: list[MailRow]
    has_next: bool


async def mail_counts() -> dict[MailView, int]:
    columns = ", ".join(
        f"SUM(CASE WHEN {where} THEN 1 ELSE 0 END) AS {view.value}"
        for view, where in _WHERE.items()
    )
    row = (await fetch(connection(), f"SELECT {columns} FROM outbox_message"))[0]
    return {view: int(row[view.value] or 0) for view in MailView}


async def mail_page(
    view: MailView, *, before_id: int | None = None, order_id: int | None = None, first: int = 50
) -> MailPage:
    """Newest first."""
    first = max(0, min(first, MAX_PAGE))
    clauses, values = [_WHERE[view]], []
    if before_id is not None:
        clauses.append("m.id < ?")
        values.append(before_id)
    if order_id is not None:
        clauses.append("m.order_id = ?")
        values.append(order_id)
    rows = await fetch(
        connection(),
        "SELECT m.id, m.kind, m.recipient, m.order_id, o.number, m.status, m.attempts,"
        " m.last_error, m.created_at, m.next_attempt_at, m.sent_at FROM outbox_message m"
        " LEFT JOIN customer_order o ON o.id = m.order_id"
        f" WHERE {' AND '.join(clauses)} ORDER BY m.id DESC LIMIT ?",
        [*values, first + 1],
    )
    items = [
        MailRow(
            r["id"],
            OutboxKind(r["kind"]),
            r["recipient"],
            r["order_id"],
            r["number"],
            OutboxStatus(r["status"]),
            r["attempts"],
            r["last_error"],
            moment_of(r["created_at"]),
            moment_of(r["next_attempt_at"]),
            as_datetime(r["sent_at"]),
        )
        for r in rows[:first]
    ]
    return MailPage(items, len(rows) > first)
