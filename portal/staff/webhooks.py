"""Webhooks: subscriptions (the secret shown once), their events and active flag, the recent
deliveries with status code and latency, and a replay of a dead letter."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.webhooks import services
from domain.webhooks.events import EVENTS
from portal.staff.desk import desk_of
from portal.web import field_errors, text


async def webhooks_page(
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
        "webhooks.html",
        {
            "subscriptions": await services.subscriptions(),
            "deliveries": await services.deliveries(limit=50),
            "events": EVENTS,
            "errors": errors or {},
            "form": form or {"events": []},
            "secret": secret,
            "production": desk.web.production,
            "done": request.query_params.get("done", ""),
        },
        status=status,
    )


async def listing(request: Request) -> Response:
    return await webhooks_page(request)


async def create(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    url = text(form, "url")
    description = text(form, "description")
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    try:
        made = await services.subscribe(
            url, events, description, ctx=desk.context(request), production=desk.web.production
        )
    except DomainError as error:
        return await webhooks_page(
            request,
            errors=field_errors(error),
            form={"url": url[:2000], "description": description[:200], "events": events},
            status=400,
        )
    # Shown once, on this response only (no-store); later pages never show it.
    return await webhooks_page(request, secret=made.secret)


async def toggle(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    try:
        await services.update_subscription(
            desk.path_int(request, "subscription_id"),
            active=text(form, "active") == "1",
            ctx=desk.context(request),
            production=desk.web.production,
        )
    except DomainError as error:
        return await webhooks_page(request, errors={"form": error.message}, status=400)
    return desk.redirect(request, "staff:webhooks", "done=changed")


async def replay(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    try:
        await services.replay(desk.path_int(request, "delivery_id"), ctx=desk.context(request))
    except DomainError as error:
        return await webhooks_page(request, errors={"form": error.message}, status=400)
    return desk.redirect(request, "staff:webhooks", "done=replayed")


ROUTES = [
    Route("/webhooks", listing, name="webhooks"),
    Route("/webhooks/new", create, methods=["POST"], name="webhook-create"),
    Route(
        "/webhooks/{subscription_id:int}/active",
        toggle,
        methods=["POST"],
        name="webhook-active",
    ),
    Route(
        "/webhooks/deliveries/{delivery_id:int}/replay",
        replay,
        methods=["POST"],
        name="webhook-replay",
    ),
]
