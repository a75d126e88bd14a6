"""Browsing: the landing page, product pages with the split preview, and the cart."""

from __future__ import annotations

import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import numbers
from domain.catalog import reads as product_list
from domain.catalog.availability import ProductView, availability, option_groups, preview_split
from domain.catalog.image_reads import images_of
from domain.catalog.offers import json_ld
from domain.catalog.reads import ProductFilter, product_by_sku
from domain.errors import InvalidInput
from domain.ordering.amounts import CartLine, cart_total
from domain.ordering.consent import asks_consent
from domain.vocabulary import AvailabilityMode
from portal import formatting
from portal.cart import MAX_LINES, MAX_QUANTITY, read_cart, write_cart
from portal.pages.feeds import media_url, product_url
from portal.web import Web, query_page, text, web_of

PAGE_SIZE = 12
MODE_LABELS = {
    AvailabilityMode.STOCKED: "In stock or backordered",
    AvailabilityMode.PREORDER: "Preorder",
    AvailabilityMode.MADE_TO_ORDER: "Made to order",
    AvailabilityMode.CUSTOM_BUILD: "Custom build",
}


async def home(request: Request) -> Response:
    web = web_of(request)
    query = request.query_params.get("q", "")[:100]
    mode_value = request.query_params.get("mode", "")
    mode = (
        AvailabilityMode(mode_value) if mode_value in AvailabilityMode._value2member_map_ else None
    )
    after = query_page(request, "after")
    wanted = ProductFilter(text=query, modes=(mode,) if mode else ())
    page = await product_list.product_page(wanted, after_id=after or 0, first=PAGE_SIZE)
    total = await product_list.count_products(wanted)
    ctx = web.context()
    cards = []
    pictures = await images_of([product.id for product in page.items])
    for product in page.items:
        available = availability(product, ctx)
        cards.append(
            {
                "product": product,
                "available": available,
                "estimate": formatting.estimate(product, available),
                "image": pictures[product.id][0] if product.id in pictures else None,
            }
        )
    return web.render(
        request,
        "home.html",
        {
            "cards": cards,
            "query": query,
            "mode": mode_value,
            "modes": MODE_LABELS,
            "total": total,
            "has_next": page.has_next,
            "next_after": page.items[-1].id if page.items else 0,
            "paged": after is not None,
            "empty_store": total == 0 and not query and not mode_value and after is None,
        },
    )


async def product_page(request: Request) -> Response:
    web = web_of(request)
    product = await product_by_sku(request.path_params["sku"])
    if product is None:
        raise HTTPException(404)
    raw = request.query_params.get("quantity", "")
    try:
        quantity = numbers.quantity(raw or "1", field="preview_quantity", maximum=MAX_QUANTITY)
    except InvalidInput as error:
        # The preview of one unit, and next to the field why the asked quantity was not used.
        values = await product_values(
            web, product, 1, errors={error.field: error.message}, preview_asked=raw[:20]
        )
        return web.render(request, "product.html", values, status=400)
    return web.render(request, "product.html", await product_values(web, product, quantity))


async def cart_page(request: Request) -> Response:
    return await render_cart(web_of(request), request)


async def cart_add(request: Request) -> Response:
    web = web_of(request)
    form = await web.form(request)
    sku = text(form, "sku")
    product = await product_by_sku(sku)
    if product is None or product.mode == AvailabilityMode.CUSTOM_BUILD:
        raise HTTPException(404)
    cart = read_cart(request, web.policy.secret_key)
    try:
        quantity = numbers.quantity(text(form, "quantity"), field="quantity", maximum=MAX_QUANTITY)
    except InvalidInput as error:
        values = await product_values(
            web,
            product,
            1,
            errors={"quantity": error.message},
            form={"quantity": text(form, "quantity")[:20]},
        )
        return web.render(request, "product.html", values, status=400)
    if sku not in cart and len(cart) >= MAX_LINES:
        raise HTTPException(400, f"A cart holds at most {MAX_LINES} products.")
    cart[sku] = min(cart.get(sku, 0) + quantity, MAX_QUANTITY)
    response = web.redirect(request, "portal:cart")
    write_cart(response, cart, web.policy.secret_key, secure=web.production)
    return response


async def cart_remove(request: Request) -> Response:
    web = web_of(request)
    form = await web.form(request)
    cart = read_cart(request, web.policy.secret_key)
    cart.pop(text(form, "sku"), None)
    response = web.redirect(request, "portal:cart")
    write_cart(response, cart, web.policy.secret_key, secure=web.production)
    return response


async def product_values(
    web: Web, product: ProductView, quantity: int, **extra: object
) -> dict[str, object]:
    """What the product page shows: estimate, split preview, configurator options."""
    ctx = web.context()
    available = availability(product, ctx)
    pictures = (await images_of([product.id])).get(product.id, [])
    return {
        "images": pictures,
        "product": product,
        "available": available,
        "estimate": formatting.estimate(product, available),
        "quantity": quantity,
        "preview": preview_split(product, quantity, ctx),
        "groups": (
            (await option_groups([product.id]))[product.id]
            if product.mode == AvailabilityMode.CUSTOM_BUILD
            else []  # only the configurator shows them: two queries saved on every other page
        ),
        "build_key": secrets.token_urlsafe(16),
        "json_ld": json_ld(
            product,
            product_url(web, product.sku),
            web.policy.currency,
            ctx,
            images=[media_url(web, image.filename) for image in pictures],
        ),
        **extra,
    }


async def cart_lines(web: Web, request: Request) -> list[dict]:
    """Each cart line with how it would split now and its estimates."""
    cart = read_cart(request, web.policy.secret_key)
    views = await product_list.products_by_sku(list(cart))
    ctx = web.context()
    lines = []
    for sku, quantity in cart.items():
        view = views.get(sku)
        if view is None:
            continue
        lines.append(
            {
                "product": view,
                "quantity": quantity,
                "preview": preview_split(view, quantity, ctx),
                # Rule 25: the maker's window, where the maker ships (or may ship) it.
                "maker_eta": availability(view, ctx).maker_eta,
                "by": view.shipped_by.value,
            }
        )
    return lines


def _later_units(line: dict) -> int:
    """The units of a cart line that leave later: those that wait, or all of them where the
    maker ships the line in its own time."""
    return int(line["preview"].waits) if line["by"] == "shop" else int(line["quantity"])


async def render_cart(
    web: Web,
    request: Request,
    *,
    errors: dict | None = None,
    form: dict | None = None,
    status: int = 200,
) -> Response:
    lines = await cart_lines(web, request)
    return web.render(
        request,
        "cart.html",
        {
            "lines": lines,
            "anything_waits": asks_consent(_later_units(line) for line in lines),
            "total": cart_total(
                CartLine(line["product"].price, line["quantity"]) for line in lines
            ),
            "errors": errors or {},
            "form": form or {"ship_preference": "ship_when_ready"},
            "checkout_key": (form or {}).get("checkout_key") or secrets.token_urlsafe(16),
        },
        status=status,
    )


ROUTES = [
    Route("/", home, name="home"),
    Route("/products/{sku}", product_page, name="product"),
    Route("/cart", cart_page, name="cart"),
    Route("/cart/add", cart_add, methods=["POST"], name="cart-add"),
    Route("/cart/remove", cart_remove, methods=["POST"], name="cart-remove"),
]
