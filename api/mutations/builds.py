"""Custom-build mutations: request (auto-quoted), accept a quote by link, staff quotes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.limits import check_list_sizes
from api.permissions import BUILDS, requires, staff_context
from api.throttle import limit
from api.types.builds import CustomBuild
from api.types.orders import Order
from domain.builds.services import (
    BuildRequestInput,
    accept_quote,
    adjust_quote,
    request_custom_build,
)
from domain.errors import DomainError


@strawberry.input
class RequestCustomBuildInput:
    email: str
    name: str
    shipping_address: str
    sku: str
    choice_ids: list[strawberry.ID] = strawberry.field(
        description="One `OptionChoice` id per required option group."
    )
    notes: str = ""
    idempotency_key: str | None = None


@strawberry.input
class AcceptCustomBuildQuoteInput:
    token: str = strawberry.field(description="The secret of the custom build's link.")
    quote_id: strawberry.ID


@strawberry.input
class QuoteCustomBuildInput:
    custom_build_id: strawberry.ID
    price: Decimal
    lead_time_days: int
    note: str = ""


@strawberry.type
class CustomBuildPayload:
    token: str | None = strawberry.field(
        default=None, description="The secret of the build's link (on request only)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
    build_pk: strawberry.Private[int | None] = None

    @strawberry.field
    async def custom_build(self, info: Info[ApiContext, Any]) -> CustomBuild | None:
        if self.build_pk is None:
            return None
        view = await info.context.loaders.build.load(self.build_pk)
        return CustomBuild.of(view) if view else None


@strawberry.type
class AcceptCustomBuildQuotePayload:
    order_token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
    order_pk: strawberry.Private[int | None] = None

    @strawberry.field(description="The order made of the build, with its build ETA.")
    async def order(self, info: Info[ApiContext, Any]) -> Order | None:
        if self.order_pk is None:
            return None
        view = await info.context.loaders.order.load(self.order_pk)
        return Order.of(view) if view else None


@strawberry.type
class BuildsMutation:
    @strawberry.mutation(description="Ask for a custom build; it is quoted at once.")
    async def request_custom_build(
        self,
        info: Info[ApiContext, Any],
        input: RequestCustomBuildInput,  # noqa: A002
    ) -> CustomBuildPayload:
        try:
            check_list_sizes(input)
            await limit(info, "build_request_client")
            data = BuildRequestInput(
                email=input.email,
                name=input.name,
                shipping_address=input.shipping_address,
                sku=input.sku,
                notes=input.notes,
                idempotency_key=input.idempotency_key,
                choice_ids=[ids.decode("OptionChoice", c) or 0 for c in input.choice_ids],
            )
            made = await request_custom_build(data, ctx=info.context.customer)
        except DomainError as error:
            return CustomBuildPayload(errors=user_errors(error, "requestCustomBuild"))
        return CustomBuildPayload(token=made.token, build_pk=made.request.id)

    @strawberry.mutation(description="Accept the current quote (the build link's token).")
    async def accept_custom_build_quote(
        self,
        info: Info[ApiContext, Any],
        input: AcceptCustomBuildQuoteInput,  # noqa: A002
    ) -> AcceptCustomBuildQuotePayload:
        try:
            accepted = await accept_quote(
                input.token,
                ids.decode("BuildQuote", input.quote_id) or 0,
                ctx=info.context.customer,
            )
        except DomainError as error:
            return AcceptCustomBuildQuotePayload(errors=user_errors(error))
        return AcceptCustomBuildQuotePayload(
            order_token=accepted.order_token, order_pk=accepted.order_id
        )

    @strawberry.mutation(
        description="Staff (scope `builds`): set the quote of a custom build.",
        metadata=requires(BUILDS),
    )
    async def quote_custom_build(
        self,
        info: Info[ApiContext, Any],
        input: QuoteCustomBuildInput,  # noqa: A002
    ) -> CustomBuildPayload:
        pk = ids.decode("CustomBuild", input.custom_build_id) or 0
        try:
            ctx = await staff_context(info)
            await adjust_quote(pk, input.price, input.lead_time_days, input.note, ctx=ctx)
        except DomainError as error:
            return CustomBuildPayload(errors=user_errors(error, "quoteCustomBuild"))
        return CustomBuildPayload(build_pk=pk)
