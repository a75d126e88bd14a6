"""The waitlist over GraphQL (DOMAIN.md rule 26): join a sold-out product's waitlist, confirm
and leave it with the token of the emailed link."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.context import ApiContext
from api.errors import UserError, user_errors
from api.throttle import limit
from domain.errors import DomainError
from domain.supply.waitlist import confirm_waitlist, join_waitlist, leave_waitlist


@strawberry.input
class JoinWaitlistInput:
    sku: str
    email: str


@strawberry.input
class WaitlistTokenInput:
    token: str


@strawberry.type
class JoinWaitlistPayload:
    message: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WaitlistPayload:
    status: str | None = strawberry.field(
        default=None, description="pending, confirmed, told or left."
    )
    sku: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WaitlistMutation:
    @strawberry.mutation(
        description="Ask to be told when a sold-out product can be ordered; an email with a"
        " confirmation link follows. The answer is the same for a new or a known address."
    )
    async def join_waitlist(
        self,
        info: Info[ApiContext, Any],
        input: JoinWaitlistInput,  # noqa: A002
    ) -> JoinWaitlistPayload:
        try:
            await limit(info, "waitlist_client")
            message = await join_waitlist(input.sku, input.email, ctx=info.context.customer)
        except DomainError as error:
            return JoinWaitlistPayload(errors=user_errors(error))
        return JoinWaitlistPayload(message=message)

    @strawberry.mutation(description="Confirm a waitlist address by its emailed token.")
    async def confirm_waitlist(
        self,
        info: Info[ApiContext, Any],
        input: WaitlistTokenInput,  # noqa: A002
    ) -> WaitlistPayload:
        try:
            place = await confirm_waitlist(input.token, ctx=info.context.customer)
        except DomainError as error:
            return WaitlistPayload(errors=user_errors(error))
        return WaitlistPayload(status=place.status, sku=place.sku)

    @strawberry.mutation(description="Leave a waitlist by its emailed token.")
    async def leave_waitlist(
        self,
        info: Info[ApiContext, Any],
        input: WaitlistTokenInput,  # noqa: A002
    ) -> WaitlistPayload:
        try:
            place = await leave_waitlist(input.token, ctx=info.context.customer)
        except DomainError as error:
            return WaitlistPayload(errors=user_errors(error))
        return WaitlistPayload(status=place.status, sku=place.sku)
