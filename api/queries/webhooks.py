"""Staff reads of webhooks (scope `webhooks`)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.permissions import WEBHOOKS, requires, staff_read
from api.types.webhooks import WebhookDelivery, WebhookSubscription
from domain.webhooks import services
from domain.webhooks.events import EVENTS


@strawberry.type
class WebhooksQuery:
    @strawberry.field(
        description="Staff (scope `webhooks`): every webhook subscription.",
        metadata=requires(WEBHOOKS),
    )
    async def webhook_subscriptions(self, info: Info[ApiContext, Any]) -> list[WebhookSubscription]:
        await staff_read(info)
        return [WebhookSubscription.of(view) for view in await services.subscriptions()]

    @strawberry.field(
        description="Staff (scope `webhooks`): recent deliveries, newest first.",
        metadata=requires(WEBHOOKS),
    )
    async def webhook_deliveries(
        self,
        info: Info[ApiContext, Any],
        subscription_id: strawberry.ID | None = None,
        status: str | None = None,
        first: int = 50,
    ) -> list[WebhookDelivery]:
        await staff_read(info)
        pk = ids.decode("WebhookSubscription", subscription_id) if subscription_id else None
        if subscription_id and pk is None:
            return []
        views = await services.deliveries(pk, status=status, limit=first)
        return [WebhookDelivery.of(view) for view in views]

    @strawberry.field(description="The event names a webhook subscription can ask for.")
    def webhook_events(self) -> list[str]:
        return list(EVENTS)
