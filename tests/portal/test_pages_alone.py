"""A page is a module-level function of the request: it runs on a bare app that holds nothing but
the shared ``Web``, without the rest of the portal around it."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from portal.pages.feeds import products_feed
from portal.web import Web
from settings import Settings
from tests import builders

pytestmark = pytest.mark.usefixtures("db")


async def test_the_product_feed_page_runs_alone_on_a_bare_app() -> None:
    given = await builders.product(on_hand=3, sku="FEED-ALONE-1")
    policy = Settings(secret_key="test-secret", base_url="https://shop.example").policy
    app = Starlette(routes=[Route("/feed", products_feed)])
    app.state.web = Web(policy, production=False, store_name="Alone & Co")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        feed = await http.get("/feed")

    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/rss+xml")
    assert "<title>Alone &amp; Co</title>" in feed.text
    assert "https://shop.example/products/FEED-ALONE-1" in feed.text
    assert given.name in feed.text
