"""Claiming due deliveries with a lease, and recording what became of them.

Same recipe as the mail outbox (``domain/outbox/claims.py``): a lease, written by one
guarded ``UPDATE`` that checks the row is still free, so two senders never hold the same row.
A delivery is claimable only when no older delivery of the same subscription and order key is
still pending (per-order ordering), and a subscription gets at most ``per_target`` rows per
claim, so one slow receiver cannot fill the sender's hands.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import Dialect, execute, fetch
from domain.outbox.claims import db_time
from domain.rows import marks, moment

FREE = "status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)"


@dataclass(eq=False)
class Claimed:
    id: int
    subscription_id: int
    url: str
    secret: str
    event: str
    webhook_id: str
    payload: dict[str, Any]
    attempts: int  # including this one
    created_at: dt.datetime
    age_from: dt.datetime
    lease_until: dt.datetime


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def claim(
    conn: BaseDBAsyncClient,
    *,
    now: dt.datetime,
    lease: float,
    limit: int,
    per_target: int,
    busy: dict[int, int],
) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries, oldest first; ``busy`` counts those in hand per
    subscription (a subscription at ``per_target`` gets none)."""
    if limit <= 0:
        return []
    full = [sub for sub, count in busy.items() if count >= per_target]
    skip = f" AND d.subscription_id NOT IN ({marks(full)})" if full else ""
    candidates = await fetch(
        conn,
        "SELECT d.id, d.subscription_id FROM webhook_delivery d"
        " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
        " AND (d.lease_until IS NULL OR d.lease_until < ?)"
        f"{skip} AND NOT EXISTS (SELECT 1 FROM webhook_delivery e"
        " WHERE e.subscription_id = d.subscription_id AND e.order_key = d.order_key"
        " AND e.status = 'pending' AND e.id < d.id)"
        " ORDER BY d.next_attempt_at, d.id LIMIT ?",
        [db_time(conn, now), db_time(conn, now), *full, limit * 4],
    )
    taken: dict[int, int] = {}
    ids: list[int] = []
    for row in candidates:
        sub = row["subscription_id"]
        if busy.get(sub, 0) + taken.get(sub, 0) >= per_target:
            continue
        taken[sub] = taken.get(sub, 0) + 1
        ids.append(row["id"])
        if len(ids) >= limit:
            break
    if not ids:
        return []
    until = now + dt.timedelta(seconds=lease)
    rows = await fetch(
        conn,
        "UPDATE webhook_delivery SET lease_until = ?, attempts = attempts + 1"
        f" WHERE id IN ({marks(ids)}) AND {FREE}"
        " RETURNING id, subscription_id, event, webhook_id, payload, attempts, created_at,"
        " age_from",
        [db_time(conn, until), *ids, db_time(conn, now), db_time(conn, now)],
    )
    if not rows:
        return []
    subs = {row["subscription_id"] for row in rows}
    targets = {
        row["id"]: row
        for row in await fetch(
            conn,
            f"SELECT id, url, secret FROM webhook_subscription WHERE id IN ({marks(list(subs))})",
            list(subs),
        )
    }
    claimed = [
        Claimed(
            id=row["id"],
            subscription_id=row["subscription_id"],
            url=targets[row["subscription_id"]]["url"],
            secret=targets[row["subscription_id"]]["secret"],
            event=row["event"],
            webhook_id=row["webhook_id"],
            payload=_json(row["payload"]),
            attempts=row["attempts"],
            created_at=moment(row["created_at"]),
            age_from=moment(row["age_from"]),
            lease_until=until,
        )
        for row in rows
    ]
    return sorted(claimed, key=lambda row: row.id)


@dataclass(frozen=True)
class Outcome:
    row: Claimed
    status: str  # sent, pending (retry), dead
    code: int | None
    latency_ms: int | None
    error: str = ""
    next_attempt_at: dt.datetime | None = None
    at: dt.datetime | None = None


async def record(conn: BaseDBAsyncClient, outcomes: list[Outcome]) -> None:
    """Write outcomes, each only while the row is still under this sender's lease."""
    sent = [o for o in outcomes if o.status == "sent"]
    if sent:
        ids = [o.row.id for o in sent]
        integer = Dialect(conn).integer
        codes = " ".join(f"WHEN ? THEN {integer}" for _ in sent)
        await execute(
            conn,
            f"UPDATE webhook_delivery SET status = 'sent', lease_until = NULL, sent_at = ?,"
            f" last_error = '', last_status_code = CASE id {codes} END,"
            f" last_latency_ms = CASE id {codes} END"
            f" WHERE id IN ({marks(ids)}) AND status = 'pending'",
            [
                db_time(conn, sent[0].at or sent[0].row.created_at),
                *[v for o in sent for v in (o.row.id, o.code)],
                *[v for o in sent for v in (o.row.id, o.latency_ms)],
                *ids,
            ],
        )
    for o in outcomes:
        if o.status == "sent":
            continue
        await execute(
            conn,
            "UPDATE webhook_delivery SET status = ?, lease_until = NULL, next_attempt_at ="
            " COALESCE(?, next_attempt_at), last_status_code = ?, last_latency_ms = ?,"
            " last_error = ? WHERE id = ? AND status = 'pending' AND lease_until = ?",
            [
                o.status,
                db_time(conn, o.next_attempt_at) if o.next_attempt_at else None,
                o.code,
                o.latency_ms,
                o.error[:500],
                o.row.id,
                db_time(conn, o.row.lease_until),
            ],
        )
