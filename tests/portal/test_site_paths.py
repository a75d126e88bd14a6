"""Addresses a browser or a person asks for without a link: the site icon, and the staff
console without its trailing slash."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("db")


async def test_the_favicon_every_browser_asks_for_is_served(client: httpx.AsyncClient) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


async def test_every_page_links_the_icon(client: httpx.AsyncClient) -> None:
    for path in ("/", "/cart", "/links", "/no-such-page", "/staff/sign-in"):
        page = await client.get(path)
        href = '<link rel="icon" href="http://testserver/static/favicon.svg"'
        assert href in page.text, path
    assert (await client.get("/static/favicon.svg")).status_code == 200


async def test_staff_without_the_slash_leads_to_the_console_not_the_customer_404(
    client: httpx.AsyncClient,
) -> None:
    bare = await client.get("/staff")
    assert bare.status_code == 308
    assert bare.headers["location"] == "http://testserver/staff/"
    followed = await client.get("/staff", follow_redirects=True)
    assert followed.status_code == 200 and "Staff sign-in" in followed.text
