"""Staff mutations of webhooks (scope `webhooks`): subscribe, change, rotate, replay, ping."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.limits import check_list_sizes
from api.permissions import WEBHOOKS, requires, staff_context
from api.types.webhooks import WebhookDelivery, WebhookSubscription
from domain.errors import DomainError
from domain.webhooks import services


@strawberry.input
class CreateWebhookSubscriptionInput:
    url: str
    events: list[str]
    description: str = ""


@strawberry.input
class UpdateWebhookSubscriptionInput:
    id: strawberry.ID
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    active: bool | None = None


@strawberry.type
class WebhookSubscriptionPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
    subscription: WebhookSubscription | None = None
    secret: str | None = strawberry.field(
        default=None, description="The signing secret, `whsec_...`: shown only in this answer."
    )


@strawberry.type
class WebhookDeliveryPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
    delivery: WebhookDelivery | None = None


def _production(info: Info[ApiContext, Any]) -> bool:
    """Production rules (https only) unless the app says it runs in development."""
    settings = getattr(info.context.request.app.state, "settings", None)
    return bool(getattr(settings, "production", True))


def _subscription_id(value: strawberry.ID) -> int:
    return ids.decode("WebhookSubscription", value) or 0


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(
        description="Staff (scope `webhooks`): send these events to a URL; the secret is "
        "shown once.",
        metadata=requires(WEBHOOKS),
    )
    async def create_webhook_subscription(
        self,
        info: Info[ApiContext, Any],
        input: CreateWebhookSubscriptionInput,  # noqa: A002
    ) -> WebhookSubscriptionPayload:
        try:
            ctx = await staff_context(info)
            check_list_sizes(input)
            made = await services.subscribe(
                input.url, input.events, input.description, ctx=ctx, production=_production(info)
            )
        except DomainError as error:
            return WebhookSubscriptionPayload(errors=user_errors(error))
        return WebhookSubscriptionPayload(
            subscription=WebhookSubscription.of(made.subscription), secret=made.secret
        )

    @strawberry.mutation(
        description="Staff (scope `webhooks`): change a subscription's URL, events, "
        "description or active flag.",
        metadata=requires(WEBHOOKS),
    )
    async def update_webhook_subscription(
        self,
        info: Info[ApiContext, Any],
        input: UpdateWebhookSubscriptionInput,  # noqa: A002
    ) -> WebhookSubscriptionPayload:
        try:
            ctx = await staff_context(info)
            check_list_sizes(input)
            view = await services.update_subscription(
                _subscription_id(input.id),
                ctx=ctx,
                production=_production(info),
                url=input.url,
                events=input.events,
                description=input.description,
                active=input.active,
            )
        except DomainError as error:
            return WebhookSubscriptionPayload(errors=user_errors(error))
        return WebhookSubscriptionPayload(subscription=WebhookSubscription.of(view))

    @strawberry.mutation(
        description="Staff (scope `webhooks`): a new signing secret, shown once.",
        metadata=requires(WEBHOOKS),
    )
    async def rotate_webhook_secret(
        self,
        info: Info[ApiContext, Any],
        id: strawberry.ID,  # noqa: A002
    ) -> WebhookSubscriptionPayload:
        try:
            ctx = await staff_context(info)
            made = await services.rotate_secret(_subscription_id(id), ctx=ctx)
        except DomainError as error:
            return WebhookSubscriptionPayload(errors=user_errors(error))
        return WebhookSubscriptionPayload(
            subscription=WebhookSubscription.of(made.subscription), secret=made.secret
        )

    @strawberry.mutation(
        description="Staff (scope `webhooks`): send a dead letter again, same webhook-id.",
        metadata=requires(WEBHOOKS),
    )
    async def replay_webhook_delivery(
        self,
        info: Info[ApiContext, Any],
        id: strawberry.ID,  # noqa: A002
    ) -> WebhookDeliveryPayload:
        try:
            ctx = await staff_context(info)
            view = await services.replay(ids.decode("WebhookDelivery", id) or 0, ctx=ctx)
        except DomainError as error:
            return WebhookDeliveryPayload(errors=user_errors(error))
        return WebhookDeliveryPayload(delivery=WebhookDelivery.of(view))
