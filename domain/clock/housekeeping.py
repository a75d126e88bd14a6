"""Forgetting what is kept only for a while: idempotency keys and sent emails (delivered
webhooks: ``webhooks.services.delete_sent_deliveries``).

Idempotency keys live on the rows they created (orders, purchase orders, parcels, custom-build
requests). Past ``idempotency_retention_days`` a retry with the same key creates anew, which no
client retries that late. Receipt keys are not idempotency keys: they are the delivery's
identity (rule 6) and are kept for ever.

Sent emails past ``sent_mail_retention_days`` are deleted, except each order's newest sent ETA
email: the sender tells every change since that one (``outbox.claims.coverage``).
"""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from domain.builds.models import BuildRequest
from domain.context import Context
from domain.db import Dialect, execute
from domain.ordering.models import Order
from domain.purchasing.models import PurchaseOrder
from domain.shipping.models import Shipment


async def forget_idempotency_keys(*, ctx: Context) -> int:
    """Clear the keys older than the retention; returns how many."""
    before = ctx.now - dt.timedelta(days=ctx.policy.idempotency_retention_days)
    async with in_transaction() as conn:
        forgotten = await (
            Order.filter(idempotency_key__isnull=False, placed_at__lt=before)
            .using_db(conn)
            .update(idempotency_key=None, request_fingerprint="")
        )
        for model in (PurchaseOrder, Shipment, BuildRequest):
            forgotten += await (
                model.filter(idempotency_key__isnull=False, created_at__lt=before)
                .using_db(conn)
                .update(idempotency_key=None)
            )
    return forgotten


async def delete_sent_mail(*, ctx: Context) -> int:
    """Delete sent outbox rows older than the retention; returns how many."""
    before = ctx.now - dt.timedelta(days=ctx.policy.sent_mail_retention_days)
    async with in_transaction() as conn:
        d = Dialect(conn)
        return await execute(
            conn,
            "DELETE FROM outbox_message WHERE status = 'sent'"
            f" AND COALESCE(sent_at, created_at) < {d.timestamp}"
            " AND id NOT IN (SELECT MAX(id) FROM outbox_message WHERE status = 'sent'"
            "  AND kind IN ('eta_changed', 'delay_notice') AND order_id IS NOT NULL"
            "  GROUP BY order_id)",
            [before],
        )
