"""Custom builds: the request from the configurator, the quote page, acceptance."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.builds.services import (
    BuildRequestInput,
    accept_quote,
    customer_build,
    request_custom_build,
)
from domain.catalog.availability import option_groups
from domain.catalog.reads import product_by_sku
from domain.errors import DomainError, NotFound
from portal.pages.catalog import product_values
from portal.web import field_errors, form_id, text, web_of


async def request_build(request: Request) -> Response:
    web = web_of(request)
    form = await web.form(request)
    await web.limit(request, "build_request_client")
    product = await product_by_sku(text(form, "sku"))
    if product is None:
        raise HTTPException(404)
    groups = (await option_groups([product.id]))[product.id]
    chosen = [form_id(form, f"group_{group.id}") for group in groups]
    values = {k: text(form, k) for k in ("email", "name", "shipping_address", "notes", "build_key")}
    try:
        requested = await request_custom_build(
            BuildRequestInput(
                email=values["email"],
                name=values["name"],
                shipping_address=values["shipping_address"],
                sku=product.sku,
                choice_ids=[c for c in chosen if c is not None],
                notes=values["notes"],
                idempotency_key=f"portal:{values['build_key']}" if values["build_key"] else None,
            ),
            ctx=web.context(),
        )
    except DomainError as error:
        page = await product_values(
            web,
            product,
            1,
            errors=field_errors(error),
            form={
                **values,
                **{f"group_{g.id}": c for g, c in zip(groups, chosen, strict=True)},
            },
        )
        return web.render(request, "product.html", page, status=400)
    return web.redirect(request, "portal:build-status", token=requested.token)


async def build_page(
    request: Request, *, errors: dict | None = None, status: int = 200
) -> Response:
    web = web_of(request)
    try:
        seen = await customer_build(request.path_params["token"], ctx=web.context())
    except NotFound:
        raise HTTPException(404) from None
    return web.render(
        request,
        "build.html",
        {
            "build": seen.build,
            "quote": seen.build.quote,
            "errors": errors or {},
            "token": request.path_params["token"],
            "order_token": seen.order_token,
            "expired": seen.expired,
        },
        status=status,
        private=True,
    )


async def build_status(request: Request) -> Response:
    return await build_page(request)


async def accept(request: Request) -> Response:
    web = web_of(request)
    form = await web.form(request)
    quote_id = form_id(form, "quote_id")
    try:
        accepted = await accept_quote(
            request.path_params["token"], quote_id or 0, ctx=web.context()
        )
    except NotFound as error:
        if error.field == "token":
            raise HTTPException(404) from None
        return await build_page(request, errors=field_errors(error), status=400)
    except DomainError as error:
        return await build_page(request, errors=field_errors(error), status=400)
    return web.redirect(request, "portal:order-status", token=accepted.order_token)


ROUTES = [
    Route("/builds", request_build, methods=["POST"], name="build-request"),
    Route("/builds/{token}", build_status, name="build-status"),
    Route("/builds/{token}/accept", accept, methods=["POST"], name="build-accept"),
]
