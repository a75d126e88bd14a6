"""Writing outbox rows, always inside the transaction of the change that causes them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.context import Context
from domain.db import Dialect, fetch
from domain.outbox.models import OutboxMessage
from domain.request_ids import current_request_id
from domain.vocabulary import OutboxKind, OutboxStatus

# The row as ``OutboxMessage.create`` writes it, in one raw statement: every order placed and
# every parcel shipped writes one, and the ORM's model and query building cost more than the
# statement itself. The payload goes through the model's own JSON encoder.
_PAYLOAD = OutboxMessage._meta.fields_map["payload"]
_COLUMNS = (
    "kind, recipient, order_id, shipment_id, build_request_id, payload, message_id, status,"
    " attempts, next_attempt_at, last_error, created_at, request_id"
)


@dataclass(frozen=True)
class Enqueued:
    """The row written (read it as ``OutboxMessage`` by its id when needed)."""

    id: int


async def enqueue(
    conn: BaseDBAsyncClient,
    ctx: Context,
    kind: OutboxKind,
    recipient: str,
    *,
    order_id: int | None = None,
    shipment_id: int | None = None,
    build_request_id: int | None = None,
    payload: dict | None = None,
) -> Enqueued:
    rows = await fetch(
        conn,
        f"{insert_sql(Dialect(conn))} RETURNING id",
        insert_values(ctx, kind, recipient, order_id, shipment_id, build_request_id, payload),
    )
    return Enqueued(rows[0]["id"])


def insert_sql(d: Dialect, *, order_id: str = "?") -> str:
    """The INSERT of one outbox row, its values from :func:`insert_values`; ``order_id`` may
    be a subquery instead (a statement that writes the order too), its value then left out."""
    json = "CAST(? AS JSONB)" if d.postgres else "?"
    return (
        f"INSERT INTO outbox_message ({_COLUMNS}) VALUES (?, ?, {order_id}, ?, ?, {json}, ?, ?,"
        f" 0, {d.timestamp}, '', {d.timestamp}, ?)"
    )


def insert_values(
    ctx: Context,
    kind: OutboxKind,
    recipient: str,
    order_id: int | None = None,
    shipment_id: int | None = None,
    build_request_id: int | None = None,
    payload: dict | None = None,
    *,
    with_order_id: bool = True,
) -> list[object]:
    return [
        OutboxKind(kind).value,
        recipient,
        *([order_id] if with_order_id else []),
        shipment_id,
        build_request_id,
        _PAYLOAD.to_db_value(payload or {}, OutboxMessage),
        secrets.token_hex(16),
        OutboxStatus.PENDING.value,
        ctx.now,
        ctx.now,
        current_request_id(),
    ]
