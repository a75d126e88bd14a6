"""How expected failures reach clients.

Mutations: every payload has ``errors: [UserError!]!`` (empty on success), each with a stable
``code``, the offending input ``field`` and a message for people. This is Shopify's
``userErrors`` and Saleor's ``errors`` convention: one shape for every mutation, so a client
handles failures with one fragment, and a payload can carry a result and its errors side by
side without a union per mutation.

Queries: a missing object, or one the caller may not see, is ``null``. A refused argument or a
missing permission is a GraphQL error whose ``extensions`` carry the same ``code`` and
``field``. Anything else is a bug: masked as "Unexpected error." and logged.

Outages: a database that cannot serve (``domain.db.outage``), in a query or a mutation, is a
GraphQL error with code ``UNAVAILABLE``, answered with HTTP 503 and ``Retry-After``
(``api/http.py``): not a payload error, since nothing about the input was wrong.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from enum import Enum

import strawberry
from graphql import GraphQLError

from api.fields import api_field
from domain.db import outage
from domain.errors import DomainError, InsufficientAvailability

log = logging.getLogger("preorder.api")


@strawberry.enum(description="Stable codes of expected failures.")
class ErrorCode(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INSUFFICIENT_AVAILABILITY = "insufficient_availability"
    PERMISSION_DENIED = "permission_denied"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


_CODES = {code.value: code for code in ErrorCode}


@strawberry.type(description="An expected failure of a mutation: nothing was changed.")
class UserError:
    code: ErrorCode
    field: str | None = strawberry.field(
        description="The input field at fault, as a path: `lines[1].quantity`; null if none."
    )
    message: str
    available: int | None = strawberry.field(
        default=None,
        description="For INSUFFICIENT_AVAILABILITY: how many can still be ordered.",
    )


def code_of(error: DomainError) -> ErrorCode:
    return _CODES.get(error.code, ErrorCode.INVALID)


def user_errors(error: DomainError, mutation: str | None = None) -> list[UserError]:
    """The payload errors of a domain error, its field named as ``mutation``'s input names it
    (``api.fields``)."""
    field = api_field(error.field, mutation)
    available = error.available if isinstance(error, InsufficientAvailability) else None
    return [UserError(code=code_of(error), field=field, message=error.message, available=available)]


class ExpectedError(GraphQLError):
    """A refused query argument or permission: shown as is, with ``extensions.code``."""

    def __init__(self, error: DomainError) -> None:
        extensions: dict[str, object] = {"code": code_of(error).name}
        if error.field:
            extensions["field"] = api_field(error.field)
        super().__init__(error.message, extensions=extensions)


def should_mask(error: GraphQLError) -> bool:
    """Mask only what nobody expected: validation, limits and expected errors stay readable."""
    original = error.original_error
    if original is None or isinstance(original, (ExpectedError, DomainError)):
        return False
    if outage(original) is not None:
        return False  # told as UNAVAILABLE by ``unavailable``
    if isinstance(original, GraphQLError):
        return should_mask(original)
    return True


@contextlib.contextmanager
def refused_as_graphql_errors() -> Iterator[None]:
    """In a query resolver: a DomainError becomes an ``ExpectedError``."""
    try:
        yield
    except DomainError as error:
        raise ExpectedError(error) from None


def unavailable(error: GraphQLError) -> GraphQLError | None:
    """An error caused by an outage, as a readable ``UNAVAILABLE`` error at the same path."""
    original = error.original_error
    if original is None or isinstance(original, (ExpectedError, DomainError)):
        return None
    found = outage(original)
    if found is None:
        return None
    return GraphQLError(
        found.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=found,
        extensions={"code": ErrorCode.UNAVAILABLE.name},
    )
