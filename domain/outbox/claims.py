"""Claiming due outbox rows with a lease, so that several senders never send the same row twice
while each is alive, and a row claimed by a sender that died is picked up once its lease ends.

The claim is one conditional ``UPDATE ... RETURNING``. On PostgreSQL the inner ``SELECT`` takes
``FOR UPDATE SKIP LOCKED``, so concurrent senders split the due rows without waiting on each
other. On SQLite the whole statement runs under the database's single write lock, and the
condition (``lease_until IS NULL OR lease_until < now``) is checked again by the ``UPDATE``
itself. Statements hold no transaction open while mail is sent.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import execute, fetch, is_postgres
from domain.rows import marks, moment
from domain.vocabulary import OutboxKind

ETA_KINDS = (OutboxKind.ETA_CHANGED.value, OutboxKind.DELAY_NOTICE.value)
_ETA_IN = "('eta_changed', 'delay_notice')"

COLUMNS = (
    "id, kind, recipient, order_id, event_id, shipment_id, build_request_id, payload,"
    " message_id, attempts, created_at, request_id"
)


@dataclass(eq=False)
class Claimed:
    """A row this sender may send until ``lease_until``.

    ``lease_until`` moves forward while the row is in hand: the recorder renews the lease
    (:func:`renew`) and is the only writer of it, so guarded writes always name the lease the
    database holds.
    """

    id: int
    kind: OutboxKind
    recipient: str
    order_id: int | None
    event_id: int | None
    shipment_id: int | None
    build_request_id: int | None
    payload: dict[str, Any]
    message_id: str
    attempts: int  # including this one
    created_at: dt.datetime
    lease_until: dt.datetime
    request_id: str | None = None

    @property
    def is_eta(self) -> bool:
        return self.kind in ETA_KINDS

    def payload_int(self, key: str) -> int:
        """The whole number (an id, a count) the payload holds under ``key``; 0 when none."""
        return int(self.payload.get(key, 0) or 0)


def db_time(conn: BaseDBAsyncClient, value: dt.datetime) -> Any:
    """A timestamp parameter. SQLite compares text: use the exact form Tortoise stores."""
    value = value.astimezone(dt.UTC)
    return value if is_postgres(conn) else value.isoformat(sep=" ")


def _payload(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    loaded = json.loads(value or "{}")
    return loaded if isinstance(loaded, dict) else {}


async def claim(
    conn: BaseDBAsyncClient, *, now: dt.datetime, lease: float, limit: int
) -> list[Claimed]:
    """Lease up to ``limit`` due rows, oldest due first; counts the attempt at once."""
    until = now + dt.timedelta(seconds=lease)
    free = (
        "status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)"
    )
    lock = " FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
    rows = await fetch(
        conn,
        "UPDATE outbox_message SET lease_until = ?, attempts = attempts + 1"
        f" WHERE id IN (SELECT id FROM outbox_message WHERE {free}"
        f" ORDER BY next_attempt_at, id LIMIT ?{lock})"
        f" AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?)"
        f" RETURNING {COLUMNS}",
        [db_time(conn, until), db_time(conn, now), db_time(conn, now), limit, db_time(conn, now)],
    )
    claimed = [
        Claimed(
            id=row["id"],
            kind=OutboxKind(row["kind"]),
            recipient=row["recipient"],
            order_id=row["order_id"],
            event_id=row["event_id"],
            shipment_id=row["shipment_id"],
            build_request_id=row["build_request_id"],
            payload=_payload(row["payload"]),
            message_id=row["message_id"],
            attempts=row["attempts"],
            created_at=moment(row["created_at"]),
            lease_until=until,
            request_id=row["request_id"],
        )
        for row in rows
    ]
    return sorted(claimed, key=lambda row: row.id)


async def supersede(conn: BaseDBAsyncClient, rows: list[Claimed]) -> set[int]:
    """ETA emails of an order that a newer ETA email of the same order replaces.

    The newest row's content covers every change since the order's last *sent* ETA email
    (:func:`coverage`), so an older unsent row has nothing left to say, whatever state the newer
    row is in. Returns the ids taken out of this batch.
    """
    ids = [row.id for row in rows if row.is_eta and row.order_id is not None]
    if not ids:
        return set()
    done = await fetch(
        conn,
        "UPDATE outbox_message SET status = 'superseded', lease_until = NULL,"
        " last_error = 'superseded by a newer ETA email of the same order'"
        f" WHERE id IN ({marks(ids)}) AND status = 'pending' AND EXISTS (SELECT 1 FROM"
        f" outbox_message n WHERE n.order_id = outbox_message.order_id AND n.kind IN {_ETA_IN}"
        " AND n.id > outbox_message.id) RETURNING id",
        ids,
    )
    return {row["id"] for row in done}


async def coverage(conn: BaseDBAsyncClient, rows: list[Claimed]) -> dict[int, list[int]]:
    """The ETA events each ETA row must tell: its own and those of every unsent older row of
    its order since the order's last sent ETA email."""
    ids = [row.id for row in rows if row.is_eta and row.order_id is not None]
    if not ids:
        return {}
    found = await fetch(
        conn,
        "SELECT r.id AS row_id, m.event_id FROM outbox_message r JOIN outbox_message m"
        f" ON m.order_id = r.order_id AND m.kind IN {_ETA_IN} AND m.id <= r.id"
        " AND m.status <> 'sent'"
        f" WHERE r.id IN ({marks(ids)}) AND m.event_id IS NOT NULL AND m.id > COALESCE(("
        f"SELECT MAX(s.id) FROM outbox_message s WHERE s.order_id = r.order_id"
        f" AND s.kind IN {_ETA_IN} AND s.status = 'sent' AND s.id < r.id), 0)",
        ids,
    )
    events: dict[int, list[int]] = {row_id: [] for row_id in ids}
    for row in found:
        events[row["row_id"]].append(row["event_id"])
    return {row_id: sorted(set(found_events)) for row_id, found_events in events.items()}


async def renew(
    conn: BaseDBAsyncClient, rows: list[Claimed], *, now: dt.datetime, lease: float
) -> set[int]:
    """Extend the lease of rows still in hand, each only if it is still this sender's lease.

    One statement per lease held (in practice per batch). A row renewed gets its new
    ``lease_until``; one whose lease was lost (it ran out and another sender took it) keeps
    the old one, and the sender gives it up before sending. Returns the ids renewed.
    """
    until = now + dt.timedelta(seconds=lease)
    renewed: set[int] = set()
    for held in {row.lease_until for row in rows}:
        group = [row for row in rows if row.lease_until == held]
        found = await fetch(
            conn,
            f"UPDATE outbox_message SET lease_until = ? WHERE id IN ({marks(group)})"
            " AND status = 'pending' AND lease_until = ? RETURNING id",
            [db_time(conn, until), *[row.id for row in group], db_time(conn, held)],
        )
        ids = {row["id"] for row in found}
        for row in group:
            if row.id in ids:
                row.lease_until = until
        renewed |= ids
    return renewed


async def release(conn: BaseDBAsyncClient, rows: list[Claimed]) -> int:
    """Give claimed rows back at once (a clean stop) without counting the attempt.

    Only rows still under this sender's lease: one that expired may be another sender's now.
    """
    released = 0
    for until in {row.lease_until for row in rows}:
        ids = [row.id for row in rows if row.lease_until == until]
        released += await execute(
            conn,
            "UPDATE outbox_message SET lease_until = NULL, attempts = attempts - 1"
            f" WHERE id IN ({marks(ids)}) AND status = 'pending' AND lease_until = ?",
            [*ids, db_time(conn, until)],
        )
    return released
