"""Checkout, the order status page by secret link, its actions, and resending links."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain import numbers
from domain.customers.services import resend_order_links
from domain.errors import DomainError, InvalidInput, NotFound
from domain.ordering.changes import (
    CancelRequest,
    cancel_order_lines,
    respond_to_delay_notice,
    set_ship_preference,
)
from domain.ordering.detail import order_detail
from domain.ordering.services import (
    LineRequest,
    OrderRef,
    OrderRequest,
    find_order_by_token,
    place_order,
)
from domain.vocabulary import ShipPreference
from portal.cart import write_cart
from portal.pages.catalog import cart_lines, render_cart
from portal.web import field_errors, form_id, text, web_of

CHECKOUT_FIELDS = ("email", "name", "shipping_address", "ship_preference", "checkout_key")


async def checkout(request: Request) -> Response:
    web = web_of(request)
    form = await web.form(request)
    await web.limit(request, "place_order_client")
    values = {name: text(form, name) for name in CHECKOUT_FIELDS}
    values |= {k: text(form, k) for k in form.keys() if k.startswith("ship_by_")}
    lines = await cart_lines(web, request)
    if not lines:
        return web.redirect(request, "portal:cart")
    order_request = OrderRequest(
        email=values["email"],
        name=values["name"],
        shipping_address=values["shipping_address"],
        lines=[
            LineRequest(line["product"].sku, line["quantity"], _by_maker(form, line))
            for line in lines
        ],
        ship_preference=values["ship_preference"] or ShipPreference.SHIP_WHEN_READY,  # type: ignore[arg-type]
        idempotency_key=f"portal:{values['checkout_key']}" if values["checkout_key"] else None,
        consents_to_waiting=text(form, "consent") == "yes",
    )
    try:
        placed = await place_order(order_request, ctx=web.context())
    except DomainError as error:
        errors = field_errors(error)
        return await render_cart(web, request, form=values, errors=errors, status=400)
    url = request.url_for("portal:order-status", token=placed.token)
    response = RedirectResponse(f"{url}?done=placed", status_code=303)
    write_cart(response, {}, web.policy.secret_key, secure=web.production)
    return response


async def load(request: Request) -> OrderRef:
    try:
        return await find_order_by_token(request.path_params["token"])
    except NotFound:
        raise HTTPException(404) from None


async def status_page(
    request: Request, *, errors: dict | None = None, status: int = 200, notice: str = ""
) -> Response:
    web = web_of(request)
    order = await load(request)
    detail = await order_detail(order.id)
    if detail is None:
        raise HTTPException(404)
    return web.render(
        request,
        "order.html",
        {
            "detail": detail,
            "token": request.path_params["token"],
            "errors": errors or {},
            "notice": notice or request.query_params.get("done", ""),
            "preferences": ShipPreference,
        },
        status=status,
        private=True,
    )


async def order_status(request: Request) -> Response:
    return await status_page(request)


async def act(request: Request, action, done: str) -> Response:  # type: ignore[no-untyped-def]
    """Run one order action; on an expected failure, show the page again with the message."""
    web = web_of(request)
    form = await web.form(request)
    order = await load(request)
    try:
        await action(order, form)
    except DomainError as error:
        return await status_page(request, errors=field_errors(error), status=400)
    url = request.url_for("portal:order-status", token=request.path_params["token"])
    return RedirectResponse(f"{url}?done={done}", status_code=303)


async def cancel(request: Request) -> Response:
    web = web_of(request)

    async def action(order: OrderRef, form) -> None:  # type: ignore[no-untyped-def]
        line_id = form_id(form, "line_id")
        if line_id is None:
            raise InvalidInput("Choose a line to cancel.", field="lines")
        raw = text(form, "quantity").strip()
        quantity = numbers.quantity(raw, field="lines[0].quantity") if raw else None
        await cancel_order_lines(
            order.id,
            [CancelRequest(line_id, quantity)],
            ctx=web.context(),
            reason="cancelled by the customer",
        )

    return await act(request, action, "cancelled")


async def preference(request: Request) -> Response:
    web = web_of(request)

    async def action(order: OrderRef, form) -> None:  # type: ignore[no-untyped-def]
        await set_ship_preference(order.id, text(form, "ship_preference"), ctx=web.context())

    return await act(request, action, "preference")


async def delay_answer(request: Request) -> Response:
    web = web_of(request)

    async def action(order: OrderRef, form) -> None:  # type: ignore[no-untyped-def]
        choice = text(form, "choice")
        if choice not in ("keep", "cancel"):
            raise InvalidInput("Choose to keep waiting or to cancel.", field="choice")
        notice_id = numbers.database_id_or_none(request.path_params["notice_id"])
        if notice_id is None:
            raise HTTPException(404)
        await respond_to_delay_notice(order.id, notice_id, choice == "keep", ctx=web.context())

    return await act(request, action, "answered")


async def links(request: Request) -> Response:
    web = web_of(request)
    if request.method == "GET":
        return web.render(request, "links.html")
    form = await web.form(request)
    await web.limit(request, "links_client")  # an address asked too often: see the service
    email = text(form, "email")
    try:
        await resend_order_links(email, ctx=web.context())
    except DomainError as error:
        return web.render(
            request,
            "links.html",
            {
                "errors": field_errors(error),
                "form": {"email": email},
            },
            status=400,
        )
    return web.render(request, "links.html", {"sent": True})


def _by_maker(form: FormData, line: dict) -> bool | None:
    """Rule 25: where the product allows both, the customer's choice for this line."""
    if line["by"] != "either":
        return None
    return text(form, f"ship_by_{line['product'].sku}") == "maker"


ROUTES = [
    Route("/checkout", checkout, methods=["POST"], name="checkout"),
    Route("/orders/{token}", order_status, name="order-status"),
    Route("/orders/{token}/cancel", cancel, methods=["POST"], name="order-cancel"),
    Route("/orders/{token}/preference", preference, methods=["POST"], name="order-preference"),
    Route(
        "/orders/{token}/delay/{notice_id:int}",
        delay_answer,
        methods=["POST"],
        name="order-delay-answer",
    ),
    Route("/links", links, methods=["GET", "POST"], name="links"),
]
