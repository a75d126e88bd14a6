"""``preorder webhooks test ID``: send a ``webhook.ping`` to one subscription now and say what
came back. The ping is a delivery like any other (listed in the console); it is sent here,
at once, instead of waiting for the sender, and not retried."""

from __future__ import annotations

from domain.context import Context
from domain.webhooks.config import WebhookConfig
from domain.webhooks.events import body
from domain.webhooks.models import WebhookDelivery, WebhookSubscription
from domain.webhooks.sender import Attempt, Poster
from domain.webhooks.services import DeliveryView, ping


async def send_ping(subscription_id: int, *, config: WebhookConfig, ctx: Context) -> Attempt:
    queued: DeliveryView = await ping(subscription_id, ctx=ctx)
    subscription = await WebhookSubscription.get(id=subscription_id)
    row = await WebhookDelivery.get(id=queued.id)
    poster = Poster(config)
    try:
        attempt = await poster.post(
            subscription.id,
            subscription.url,
            subscription.secret,
            row.webhook_id,
            body(row.event, row.payload, row.created_at),
        )
    finally:
        await poster.close()
    await WebhookDelivery.filter(id=row.id).update(
        status="sent" if attempt.ok else "dead",
        attempts=1,
        sent_at=ctx.now if attempt.ok else None,
        last_status_code=attempt.code,
        last_latency_ms=attempt.latency_ms,
        last_error=attempt.error[:500],
    )
    return attempt
