"""``/feeds/products.xml``: the Google Merchant Center feed, availability from real supply."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.catalog import reads as product_list
from domain.catalog.availability import ProductView
from domain.catalog.image_reads import images_of
from domain.catalog.offers import merchant_feed
from domain.catalog.reads import ProductFilter
from portal.web import Web, web_of

MAX_PRODUCTS = 100_000  # Merchant Center's own limits are far above a shop of this kind


def product_url(web: Web, sku: str) -> str:
    """The product page's address under the configured base URL (what search engines link)."""
    return f"{web.policy.base_url.rstrip('/')}/products/{quote(sku, safe='')}"


def media_url(web: Web, name: str) -> str:
    return f"{web.policy.base_url.rstrip('/')}/media/{quote(name)}"


async def all_products() -> list[ProductView]:
    products: list[ProductView] = []
    after = 0
    while len(products) < MAX_PRODUCTS:
        page = await product_list.product_page(ProductFilter(), after_id=after, first=100)
        products += page.items
        if not page.has_next or not page.items:
            break
        after = page.items[-1].id
    return products


async def products_feed(request: Request) -> Response:
    web = web_of(request)
    products = await all_products()
    pictures = await images_of([p.id for p in products])
    body = merchant_feed(
        products,
        title=web.store_name,
        base_url=web.policy.base_url,
        link_of={p.sku: product_url(web, p.sku) for p in products},
        image_of={
            p.sku: media_url(web, pictures[p.id][0].filename) for p in products if p.id in pictures
        },
        currency=web.policy.currency,
        ctx=web.context(),
    )
    return Response(
        body,
        media_type="application/rss+xml; charset=utf-8",
        headers={"Cache-Control": "public, max-age=900"},
    )


ROUTES = [Route("/feeds/products.xml", products_feed, name="feed-products")]
