"""``resendOrderLinks``: the answer is the same whether the address is known or not.

An address asked for too often gets the same answer too (the domain simply queues nothing);
a caller past its own rate is told RATE_LIMITED, which says nothing about any address.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.context import ApiContext
from api.errors import UserError, user_errors
from api.throttle import limit
from domain.customers.services import resend_order_links
from domain.errors import DomainError

SENT = "If we know this address, its order links are on their way."


@strawberry.input
class ResendOrderLinksInput:
    email: str


@strawberry.type
class ResendOrderLinksPayload:
    message: str | None = None
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Only for an address that is not an email address."
    )


@strawberry.type
class CustomersMutation:
    @strawberry.mutation(description="Email the customer the links to their orders (rule 15).")
    async def resend_order_links(
        self,
        info: Info[ApiContext, Any],
        input: ResendOrderLinksInput,  # noqa: A002
    ) -> ResendOrderLinksPayload:
        try:
            await limit(info, "links_client")
            await resend_order_links(input.email, ctx=info.context.customer)
        except DomainError as error:
            return ResendOrderLinksPayload(errors=user_errors(error))
        return ResendOrderLinksPayload(message=SENT)
