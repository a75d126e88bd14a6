"""An HTTP client on the whole app (portal routes, middleware, error pages), no server needed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from app import create_app
from settings import Settings
from tests.portal.browser import browser, live_server  # noqa: F401 - fixtures

SETTINGS = Settings(secret_key="test-secret")


@pytest.fixture
async def client(db: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(SETTINGS, manage_database=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Open ``page`` like a browser (cookie and token), then submit ``data`` to ``action``."""
    opened = await client.get(page)
    assert opened.status_code == 200, opened.text[:500]
    return await client.post(action, data={"csrf_token": csrf_token(opened.text), **data})
