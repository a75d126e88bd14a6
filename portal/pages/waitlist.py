"""The waitlist (DOMAIN.md rule 26): join from a sold-out product page, confirm and leave from
the emailed links. Every change is a POST with CSRF; the links open a page with one button,
so a mail scanner following links changes nothing."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.catalog.reads import product_by_sku
from domain.errors import DomainError, NotFound
from domain.supply.waitlist import (
    confirm_waitlist,
    join_waitlist,
    leave_waitlist,
    waitlist_place,
)
from portal.pages.catalog import product_values
from portal.web import field_errors, text, web_of

STATUS_WORDS = {
    "pending": "Confirm your address to join the waitlist.",
    "confirmed": "You are on the waitlist: we will email you when you can order.",
    "told": "We emailed you: you can order now.",
    "left": "You left the waitlist. You will not hear from us about it again.",
}


async def join(request: Request) -> Response:
    web = web_of(request)
    form = await web.form(request)
    await web.limit(request, "waitlist_client")
    sku, email = text(form, "sku"), text(form, "email")
    try:
        message = await join_waitlist(sku, email, ctx=web.context())
    except NotFound:
        raise HTTPException(404) from None
    except DomainError as error:
        product = await product_by_sku(sku)
        if product is None:
            raise HTTPException(404) from None
        values = await product_values(
            web,
            product,
            1,
            errors=field_errors(error, "portal:waitlist-join"),
            form={"waitlist_email": email},
        )
        return web.render(request, "product.html", values, status=400)
    return web.render(request, "waitlist.html", {"message": message, "place": None})


async def page(request: Request, *, leaving: bool) -> Response:
    web = web_of(request)
    token = request.path_params["token"]
    ctx = web.context()
    try:
        if request.method == "POST":
            await web.form(request)
            place = await (leave_waitlist if leaving else confirm_waitlist)(token, ctx=ctx)
        else:
            place = await waitlist_place(token, ctx=ctx)
    except NotFound:
        raise HTTPException(404) from None
    shows_button = request.method == "GET" and (
        (leaving and place.status != "left") or (not leaving and place.status == "pending")
    )
    name = "portal:waitlist-leave" if leaving else "portal:waitlist-confirm"
    return web.render(
        request,
        "waitlist.html",
        {
            "place": place,
            "message": STATUS_WORDS.get(place.status, ""),
            "action": str(request.url_for(name, token=token)) if shows_button else "",
            "button": "Leave the waitlist" if leaving else "Confirm and join the waitlist",
        },
        private=True,
    )


async def confirm(request: Request) -> Response:
    return await page(request, leaving=False)


async def leave(request: Request) -> Response:
    return await page(request, leaving=True)


ROUTES = [
    Route("/waitlist", join, methods=["POST"], name="waitlist-join"),
    Route("/waitlist/{token}", confirm, methods=["GET", "POST"], name="waitlist-confirm"),
    Route("/waitlist/{token}/leave", leave, methods=["GET", "POST"], name="waitlist-leave"),
]
