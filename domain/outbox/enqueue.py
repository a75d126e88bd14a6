"""Writing outbox rows, always inside the transaction of the change that causes them."""

from __future__ import annotations

import secrets

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.context import Context
from domain.outbox.models import OutboxMessage
from domain.request_ids import current_request_id
from domain.vocabulary import OutboxKind


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
) -> OutboxMessage:
    return await OutboxMessage.create(
        kind=kind,
        recipient=recipient,
        order_id=order_id,
        shipment_id=shipment_id,
        build_request_id=build_request_id,
        payload=payload or {},
        message_id=secrets.token_hex(16),
        next_attempt_at=ctx.now,
        created_at=ctx.now,
        request_id=current_request_id(),
        using_db=conn,
    )
