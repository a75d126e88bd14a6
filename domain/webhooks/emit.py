"""Writing deliveries, always inside the transaction of the change that causes them.

One row per event and active subscription that asks for it. A store without subscriptions pays
one small SELECT per event. Fan-out events (a PO date moving 20,000 lines) are written by
:func:`emit_select`: one ``INSERT ... SELECT`` over the rows that describe them, no ORM object
per row.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.context import Context
from domain.db import Dialect, execute, fetch, is_postgres
from domain.rows import marks
from domain.webhooks.models import WebhookDelivery


@dataclass(frozen=True)
class Event:
    data: dict[str, Any]
    order_key: str | None = None  # deliveries with the same key go out in order


def new_webhook_id() -> str:
    return "msg_" + secrets.token_hex(16)


# Whether any subscription is active: a column other reads carry, so that a change made while
# none is (the usual case) costs no statement of its own for webhooks.
ANY_ACTIVE_SUBSCRIPTION = "EXISTS (SELECT 1 FROM webhook_subscription WHERE active)"


async def subscribers(conn: BaseDBAsyncClient, event: str) -> list[int]:
    """Active subscriptions that ask for ``event`` (``*``: for anything), in id order."""
    rows = await fetch(conn, "SELECT id, events FROM webhook_subscription WHERE active ORDER BY id")
    return [row["id"] for row in rows if event == "*" or event in _names(row["events"])]


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    loaded = json.loads(value or "[]")
    return loaded if isinstance(loaded, list) else []


async def emit(conn: BaseDBAsyncClient, ctx: Context, event: str, events: list[Event]) -> int:
    """Deliveries of ``events`` (all of type ``event``) to every subscription wanting them."""
    if not events:
        return 0
    subscriptions = await subscribers(conn, event)
    if not subscriptions:
        return 0
    rows = [
        WebhookDelivery(
            subscription_id=subscription,
            event=event,
            webhook_id=new_webhook_id(),
            order_key=item.order_key,
            payload=item.data,
            next_attempt_at=ctx.now,
            age_from=ctx.now,
            created_at=ctx.now,
        )
        for item in events
        for subscription in subscriptions
    ]
    await WebhookDelivery.bulk_create(rows, using_db=conn)
    return len(rows)


class Json:
    """JSON built in SQL, the same document on both databases."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.postgres = is_postgres(conn)

    def object(self, **members: str) -> str:
        """``members`` maps keys to SQL expressions."""
        function = "jsonb_build_object" if self.postgres else "json_object"
        parts = ", ".join(f"'{key}', {expression}" for key, expression in members.items())
        return f"{function}({parts})"

    def boolean(self, condition: str) -> str:
        if self.postgres:
            return f"({condition})"
        return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"


async def emit_select(
    conn: BaseDBAsyncClient,
    ctx: Context,
    event: str,
    select: str,
    values: list[Any],
) -> int:
    """Deliveries for every row of ``select``, which yields ``order_key`` and ``payload``
    (built with :class:`Json`), to every subscription wanting ``event``; one statement."""
    subscriptions = await subscribers(conn, event)
    if not subscriptions:
        return 0
    d = Dialect(conn)
    return await execute(
        conn,
        "INSERT INTO webhook_delivery (subscription_id, event, webhook_id, order_key, payload,"
        " status, attempts, next_attempt_at, age_from, created_at, last_error)"
        f" SELECT s.id, {d.text}, 'msg_' || {d.random_hex}, q.order_key, q.payload, 'pending', 0,"
        f" {d.timestamp}, {d.timestamp}, {d.timestamp}, ''"
        f" FROM ({select}) q CROSS JOIN webhook_subscription s"
        f" WHERE s.id IN ({marks(subscriptions)})"
        " ORDER BY q.order_key, s.id",
        [event, ctx.now, ctx.now, ctx.now, *values, *subscriptions],
    )
