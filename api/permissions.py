"""Which API-token scope each staff operation needs, and the check itself.

Scopes (``domain.staff.services.SCOPES``): ``read`` for every staff read, ``orders`` for order
priority, ``etas`` for expected-date revisions, ``purchasing`` for purchase orders and their
lines, ``receiving`` for receipts, ``shipping`` for shipments, ``builds`` for quotes.
"""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from api.context import ApiContext
from api.errors import ExpectedError
from domain.context import Context
from domain.errors import DomainError, PermissionDenied
from domain.staff.services import require_scope

READ = "read"
ORDERS = "orders"
ETAS = "etas"
PURCHASING = "purchasing"
RECEIVING = "receiving"
SHIPPING = "shipping"
BUILDS = "builds"


async def staff_context(info: Info[ApiContext, Any], scope: str) -> Context:
    """The domain Context of the token's actor; PermissionDenied without the scope."""
    request = info.context
    actor = await request.staff()
    if actor is None:
        raise PermissionDenied(
            "This needs a staff API token: send 'Authorization: Bearer <token>'."
        )
    require_scope(actor, scope)
    return Context(actor, request.now, request.policy)


async def staff_read(info: Info[ApiContext, Any]) -> Context:
    """For queries: a refusal (permission, rate) is a GraphQL error with ``extensions.code``."""
    try:
        return await staff_context(info, READ)
    except DomainError as error:
        raise ExpectedError(error) from None
