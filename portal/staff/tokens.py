"""API tokens for automation: created with scopes, shown once, revoked; stored hashed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.staff.admin_reads import api_tokens
from domain.staff.services import SCOPES, create_api_token, revoke_api_token
from portal.staff.desk import desk_of
from portal.web import field_errors, text

SCOPE_WORDS = {
    "read": "read orders, purchase orders, builds and the backlog",
    "orders": "change orders (priority, cancel)",
    "etas": "change expected dates",
    "purchasing": "create and cancel purchase orders",
    "receiving": "record receipts",
    "shipping": "pack and ship parcels",
    "builds": "quote custom builds",
    "webhooks": "manage webhook subscriptions and replay deliveries",
}


async def tokens_page(
    request: Request,
    *,
    errors: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    secret: str = "",
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    return desk.page(
        request,
        "tokens.html",
        {
            "tokens": await api_tokens(),
            "scopes": sorted(SCOPES),
            "scope_words": SCOPE_WORDS,
            "errors": errors or {},
            "form": form or {"scopes": ["read"]},
            "secret": secret,
            "done": request.query_params.get("done", ""),
        },
        status=status,
    )


async def listing(request: Request) -> Response:
    return await tokens_page(request)


async def create(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    name = text(form, "name")
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    try:
        issued = await create_api_token(name, scopes, staff_id=desk.staff(request).id)
    except DomainError as error:
        return await tokens_page(
            request,
            errors=field_errors(error),
            form={"name": name, "scopes": scopes},
            status=400,
        )
    # Shown once, on this response only (no-store), never stored in clear.
    return await tokens_page(
        request, secret=issued.secret, form={"name": "", "scopes": ["read"]}, status=200
    )


async def revoke(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    try:
        await revoke_api_token(desk.path_int(request, "token_id"), ctx=desk.context(request))
    except DomainError as error:
        return await tokens_page(request, errors={"form": error.message}, status=400)
    return desk.redirect(request, "staff:tokens", "done=revoked")


ROUTES = [
    Route("/tokens", listing, name="tokens"),
    Route("/tokens/new", create, methods=["POST"], name="token-create"),
    Route("/tokens/{token_id:int}/revoke", revoke, methods=["POST"], name="token-revoke"),
]
