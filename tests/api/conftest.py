"""The API through HTTP: the real app (create_app) behind httpx's ASGI transport.

The session's ORM is already up (tests/conftest.py), so the app is built without managing the
database; httpx's transport sends no lifespan events anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from app import create_app
from settings import Settings
from tests.api.helpers import Api
from tests.api.live import serving

SETTINGS = Settings(database_url="sqlite://:memory:", secret_key="test-secret")


@pytest.fixture
async def api(db: str) -> AsyncIterator[Api]:
    app = create_app(SETTINGS, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client)


@pytest.fixture
async def production_api(db: str) -> AsyncIterator[Api]:
    settings = Settings(
        database_url="sqlite://:memory:", secret_key="production-secret", environment="production"
    )
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client)


@pytest.fixture
async def live_api(db: str) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """An httpx client of the development app served by uvicorn on a loopback port, and the app."""
    async for served in serving(SETTINGS):
        yield served


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "api: GraphQL API tests")
