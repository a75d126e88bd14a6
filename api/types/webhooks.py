"""Webhook subscriptions and deliveries as staff read them (scope `webhooks`)."""

from __future__ import annotations

import datetime as dt

import strawberry

from api import ids
from domain.webhooks.services import DeliveryView, SubscriptionView


@strawberry.type
class WebhookSubscription:
    id: strawberry.ID
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: dt.datetime

    @staticmethod
    def of(view: SubscriptionView) -> WebhookSubscription:
        return WebhookSubscription(
            id=ids.encode("WebhookSubscription", view.id),
            url=view.url,
            description=view.description,
            events=list(view.events),
            active=view.active,
            created_at=view.created_at,
        )


@strawberry.type
class WebhookDelivery:
    id: strawberry.ID
    subscription_id: strawberry.ID
    event: str
    webhook_id: str = strawberry.field(description="The `webhook-id` header; kept across retries.")
    status: str = strawberry.field(description="`pending`, `sent` or `dead` (a dead letter).")
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    status_code: int | None = strawberry.field(description="Of the last attempt; null: none.")
    latency_ms: int | None
    error: str

    @staticmethod
    def of(view: DeliveryView) -> WebhookDelivery:
        return WebhookDelivery(
            id=ids.encode("WebhookDelivery", view.id),
            subscription_id=ids.encode("WebhookSubscription", view.subscription_id),
            event=view.event,
            webhook_id=view.webhook_id,
            status=view.status,
            attempts=view.attempts,
            created_at=view.created_at,
            sent_at=view.sent_at,
            status_code=view.status_code,
            latency_ms=view.latency_ms,
            error=view.error,
        )
