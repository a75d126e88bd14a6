"""A database outage answers every GraphQL request with 503, ``Retry-After`` and an error coded
``UNAVAILABLE``: never a masked "Unexpected error.", never a 500."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests import builders as b
from tests.api.helpers import Api, staff_token
from tests.outage import database_down

PRODUCTS = "{ products(first: 5) { nodes { sku name availability { inStock } } } }"
PLACE = """mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { orderToken errors { code field message } }
}"""


def order_input(sku: str, key: str | None) -> dict[str, object]:
    return {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "shippingAddress": "1 Analytical Way\nLondon",
        "lines": [{"sku": sku, "quantity": 1}],
        "idempotencyKey": key,
    }


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAVAILABLE"], body
    assert "Unexpected error" not in response.text


async def test_a_catalogue_query_answered_before_answers_503_when_the_database_goes_down(
    api: Api, tmp_path: Path
) -> None:
    await b.product(on_hand=3)
    first = await api.client.post("/graphql", json={"query": PRODUCTS})
    assert first.status_code == 200 and first.json()["data"]["products"]["nodes"]
    async with database_down(tmp_path):
        again = await api.client.post("/graphql", json={"query": PRODUCTS})
    assert_unavailable(again)


@pytest.mark.parametrize("key", ["retry-key-1", None], ids=["with-key", "without-key"])
async def test_place_order_answers_503_unavailable_when_the_database_is_down(
    api: Api, tmp_path: Path, key: str | None
) -> None:
    product = await b.product(on_hand=3)
    async with database_down(tmp_path):
        response = await api.client.post(
            "/graphql",
            json={"query": PLACE, "variables": {"input": order_input(product.sku, key)}},
        )
    assert_unavailable(response)


READS = {
    "catalogue": ("{ products(first: 3) { nodes { sku } } }", False),
    "product": ('{ product(sku: "SKU-X") { sku } }', False),
    "order by link": ('{ order(token: "not-a-real-token") { number } }', False),
    "staff orders": ("{ purchaseOrders(first: 3) { nodes { number } } }", True),
}


@pytest.mark.parametrize("name", list(READS))
async def test_every_read_path_answers_503_unavailable_when_the_database_is_down(
    api: Api, tmp_path: Path, name: str
) -> None:
    query, staff = READS[name]
    headers = {"Authorization": f"Bearer {await staff_token()}"} if staff else {}
    async with database_down(tmp_path):
        response = await api.client.post("/graphql", json={"query": query}, headers=headers)
    assert_unavailable(response)


async def test_healthz_names_the_database_as_down_with_503(api: Api, tmp_path: Path) -> None:
    up = await api.client.get("/healthz")
    assert (up.status_code, up.json()["database"]) == (200, "up")
    async with database_down(tmp_path):
        down = await api.client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "down"}
