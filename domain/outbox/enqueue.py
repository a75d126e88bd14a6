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
    d = Dialect(conn)
    json = "CAST(? AS JSONB)" if d.postgres else "?"
    rows = await fetch(
        conn,
        f"INSERT INTO outbox_message ({_COLUMNS}) VALUES"
        f" (?, ?, ?, ?, ?, {json}, ?, ?, 0, {d.timestamp}, '', {d.timestamp}, ?) RETURNING id",
        [
            OutboxKind(kind).value,
            recipient,
            order_id,
            shipment_id,
            build_request_id,
            _PAYLOAD.to_db_value(payload or {}, OutboxMessage),
            secrets.token_hex(16),
            OutboxStatus.PENDING.value,
            ctx.now,
            ctx.now,
            current_request_id(),
        ],
    )
    return Enqueued(rows[0]["id"])
