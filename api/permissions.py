"""Which API-token scope each staff field needs: declared on the field, checked from there.

Scopes (``domain.staff.services.SCOPES``): ``read`` for every staff read, ``orders`` for order
priority, ``etas`` for expected-date revisions, ``purchasing`` for purchase orders and their
lines, ``receiving`` for receipts, ``shipping`` for shipments, ``builds`` for quotes.

A field declares its scope once, in its metadata: ``@strawberry.field(metadata=requires(READ))``.
Its resolver asks ``staff_context(info)`` / ``staff_read(info)`` (refused without the scope) or
``holds_scope(info)`` (a field that shows customers less). The check reads the scope from the
field's declaration, so declaration and check cannot disagree, and the authorisation tests
find every scoped field in the schema by the same declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.types import Info

from api.context import ApiContext
from api.errors import ExpectedError, refused_as_graphql_errors
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
CATALOG = "catalog"  # products, suppliers, stock counts and imports
WEBHOOKS = "webhooks"

SCOPE_KEY = "preorder.scope"


@dataclass(frozen=True)
class Scope:
    """The scope a field needs; with ``argument``, only when that argument is given."""

    scope: str
    argument: str | None = None


def requires(scope: str, *, argument: str | None = None) -> dict[str, Scope]:
    """Field metadata declaring the scope it needs."""
    return {SCOPE_KEY: Scope(scope, argument)}


def declared(metadata: object) -> Scope | None:
    """The scope declared in a field's metadata, if any."""
    found = metadata.get(SCOPE_KEY) if isinstance(metadata, Mapping) else None
    return found if isinstance(found, Scope) else None


def _scope_of(info: Info[ApiContext, Any]) -> str:
    scope = declared(info._field.metadata)
    if scope is None:  # a programming error: a staff check on an undeclared field
        raise RuntimeError(f"{info.field_name} checks a scope it does not declare")
    return scope.scope


async def staff_context(info: Info[ApiContext, Any]) -> Context:
    """The domain Context of the token's actor; PermissionDenied without the field's scope."""
    request = info.context
    actor = await request.staff()
    if actor is None:
        raise PermissionDenied(
            "This needs a staff API token: send 'Authorization: Bearer <token>'."
        )
    require_scope(actor, _scope_of(info))
    return Context(actor, request.now, request.policy)


async def staff_read(info: Info[ApiContext, Any]) -> Context:
    """For queries: a refusal (permission, rate) is a GraphQL error with ``extensions.code``."""
    try:
        return await staff_context(info)
    except DomainError as error:
        raise ExpectedError(error) from None


async def holds_scope(info: Info[ApiContext, Any]) -> bool:
    """Whether the request's token has the field's scope (customers have none)."""
    with refused_as_graphql_errors():  # a token past its rate
        actor = await info.context.staff()
    return actor is not None and _scope_of(info) in actor.scopes
