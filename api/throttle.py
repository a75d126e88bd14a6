"""Rate limits at the GraphQL door (``domain.ratelimit``): keyed by the caller's address unless
told otherwise, with ``Retry-After`` on the answer when refused.

A refusal is the domain's ``RateLimited``: inside a mutation's ``try`` it becomes a payload
error with code ``RATE_LIMITED``; in a query, a GraphQL error with that code in ``extensions``.
The HTTP status stays 200, as for every expected failure of this API.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection
from strawberry.types import Info

from api.context import ApiContext
from domain.errors import RateLimited
from domain.ratelimit.services import check


def client_of(request: HTTPConnection) -> str:
    """The caller's IP address (behind a proxy, only with uvicorn's --proxy-headers set)."""
    return request.client.host if request.client else "unknown"


async def limit(info: Info[ApiContext, Any], name: str, key: str | None = None) -> None:
    context = info.context
    caller = key if key is not None else client_of(context.request)
    try:
        await check(name, caller, ctx=context.customer)
    except RateLimited as error:
        context.response.headers["Retry-After"] = str(error.retry_after)
        raise
