"""A database outage answers every page, customer or staff, with a friendly 503 page and
``Retry-After``: never the 500 page."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from domain.staff.services import add_staff
from tests import builders as b
from tests.outage import database_down
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import PASSWORD, sign_in

PAGES = ["/", "/products/SKU-1", "/cart", "/orders/not-a-real-token"]


def assert_unavailable_page(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"].startswith("text/html")
    assert "back in a moment" in response.text
    assert "Something went wrong" not in response.text


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_answers_the_503_page_when_the_database_is_down(
    client: httpx.AsyncClient, tmp_path: Path, path: str
) -> None:
    await b.product(sku="SKU-1", on_hand=2)
    (await client.get("/")).raise_for_status()
    if path == "/cart":
        form = await client.get("/products/SKU-1")
        await client.post(
            "/cart/add",
            data={"csrf_token": csrf_token(form.text), "sku": "SKU-1", "quantity": "1"},
        )
    async with database_down(tmp_path):
        response = await client.get(path)
    assert_unavailable_page(response)


async def test_a_form_sent_while_the_database_is_down_answers_the_503_page(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    page = await client.get("/links")
    async with database_down(tmp_path):
        response = await client.post(
            "/links", data={"csrf_token": csrf_token(page.text), "email": "ada@example.com"}
        )
    assert_unavailable_page(response)


async def test_a_staff_page_answers_the_503_page_when_the_database_is_down(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await add_staff("ada@example.com", "Ada Admin", PASSWORD)
    assert (await sign_in(client)).status_code == 303
    assert (await client.get("/staff/")).status_code == 200
    async with database_down(tmp_path):
        response = await client.get("/staff/")
    assert_unavailable_page(response)
