"""A signed-in staff member on the app's HTTP client, and helpers for staff forms."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Mapping
from html import unescape

import httpx
import pytest

from domain.context import Context
from domain.staff.services import add_staff
from domain.staff.sessions import StaffMember
from tests import builders as b
from tests.portal.conftest import csrf_token

PASSWORD = "correct horse battery staple"


def now_ctx() -> Context:
    """Staff pages run on the real clock: data made for them must too."""
    return b.ctx(now=dt.datetime.now(dt.UTC))


def today() -> dt.date:
    return now_ctx().today


@pytest.fixture
async def staff_user(db: str) -> StaffMember:
    return await add_staff("ada@example.com", "Ada Admin", PASSWORD)


async def sign_in(
    client: httpx.AsyncClient,
    email: str = "ada@example.com",
    password: str = PASSWORD,
    next_: str = "",
) -> httpx.Response:
    page = await client.get("/staff/sign-in")
    assert page.status_code == 200, page.text[:300]
    data = {"csrf_token": csrf_token(page.text), "email": email, "password": password}
    if next_:
        data["next"] = next_
    return await client.post("/staff/sign-in", data=data)


@pytest.fixture
async def staff(
    client: httpx.AsyncClient, staff_user: StaffMember
) -> AsyncIterator[httpx.AsyncClient]:
    """The client, signed in as Ada Admin."""
    signed = await sign_in(client)
    assert signed.status_code == 303, signed.text[:500]
    yield client


async def submit(
    client: httpx.AsyncClient, page: str, action: str, data: Mapping[str, str | list[str]]
) -> httpx.Response:
    """Open ``page`` as a browser would, then post ``data`` with its CSRF token to ``action``."""
    opened = await client.get(page)
    assert opened.status_code == 200, opened.text[:800]
    return await client.post(action, data={"csrf_token": csrf_token(opened.text), **data})


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


def text_of(html: str) -> str:
    """The page's words, tags and extra spaces removed, for assertions that read as prose."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".").strip()
    return unescape(words)
