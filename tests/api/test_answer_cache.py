"""The catalogue answer cache under concurrent requests through uvicorn, with writes between.

Every answer must be a 200 with today's data: identical requests racing to revalidate the same
entry, different requests racing to fill the cache past its bound while older entries are being
revalidated, and orders placed between the bursts so that entries go stale.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api import cache as answer_cache
from api.http import GraphQLView
from tests import builders as b
from tests.api.helpers import now_ctx

pytestmark = pytest.mark.usefixtures("db")

PRODUCT = 'query {{ product(sku: "{sku}") {{ sku availability {{ inStock }} }} }}'
PRODUCTS = (
    "query {{ products(first: {first}) "
    "{{ edges {{ node {{ sku availability {{ inStock }} }} }} }} }}"
)


def view_of(app: Starlette) -> GraphQLView:
    views = (getattr(route, "app", None) for route in app.routes)
    return next(view for view in views if isinstance(view, GraphQLView))


async def burst(client: httpx.AsyncClient, bodies: list[str]) -> list[dict[str, Any]]:
    """Send every body at once; each must be answered 200 with JSON and no errors."""
    responses = await asyncio.gather(
        *(
            client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
            for body in bodies
        )
    )
    statuses = [response.status_code for response in responses]
    assert statuses == [200] * len(bodies), statuses
    answers = [response.json() for response in responses]
    assert all("errors" not in answer for answer in answers), answers
    return answers


def body(query: str, tag: str = "") -> str:
    """The request body; ``tag`` (a comment) makes a distinct body for the same query."""
    return json.dumps({"query": query + (f" # {tag}" if tag else "")})


async def test_identical_catalogue_requests_at_once_after_a_write_all_answer_the_new_data(
    live_api: Any,
) -> None:
    client, _ = live_api
    product = await b.product(on_hand=50)
    queries = [PRODUCT.format(sku=product.sku), PRODUCTS.format(first=5)]
    for round_ in range(5):
        for query in queries:
            await burst(client, [body(query)])  # primed (kept, or revalidated and kept)
        await b.order((product, 1), context=now_ctx())  # every entry is now stale
        for query in queries:
            answers = await burst(client, [body(query)] * 8)
            stock = [_in_stock(answer) for answer in answers]
            assert stock == [50 - (round_ + 1)] * 8, (round_, query, stock)


async def test_different_catalogue_requests_at_once_with_writes_between_answer_fresh_data(
    live_api: Any,
) -> None:
    client, _ = live_api
    products = [await b.product(on_hand=40) for _ in range(4)]
    queries = [PRODUCT.format(sku=p.sku) for p in products] + [
        PRODUCTS.format(first=n) for n in (1, 2, 3, 4)
    ]
    for round_ in range(4):
        bodies = [body(query) for query in queries] * 3
        writes = [b.order((products[round_], 1), context=now_ctx())]
        answers, _ = await asyncio.gather(burst(client, bodies), asyncio.gather(*writes))
        # After the burst and its write, a repeated body agrees with one never seen before.
        again = await burst(client, [body(query) for query in queries])
        fresh = await burst(client, [body(query, f"fresh {round_}") for query in queries])
        assert again == fresh, round_
        assert len(answers) == len(bodies)


async def test_filling_the_cache_past_its_bound_at_once_keeps_answering_and_stays_bounded(
    live_api: Any,
) -> None:
    client, app = live_api
    product = await b.product(on_hand=1000)
    light = PRODUCT.format(sku=product.sku)
    # Fifteen root fields: revalidating it awaits fifteen reads, one after another.
    heavy = "query { " + " ".join(f"p{i}: " + light[8:-2] for i in range(15)) + " }"
    bound = answer_cache.MAX_ENTRIES
    heavies = [body(heavy, f"h{n}") for n in range(16)]
    for heavy_body in heavies:  # kept first: the next to be evicted (one at a time, as each
        await burst(client, [heavy_body])  # runs its fifteen reads on fifteen connections)
    lights = [body(light, f"l{n}") for n in range(bound + 64)]
    for start in range(0, bound - len(heavies), 32):
        await burst(client, lights[start : min(start + 32, bound - len(heavies))])
    assert len(view_of(app).cache.entries) == bound
    # Each new light body evicts a heavy one while the heavy one revalidates.
    answers = await burst(client, heavies + lights[bound - len(heavies) : bound])
    assert {_in_stock(answer) for answer in answers} == {1000}
    await b.order((product, 1), context=now_ctx())
    # Stale now: new bodies and the oldest kept ones, sent at once, all answer afresh.
    answers = await burst(client, lights[bound:] + lights[:16])
    assert {_in_stock(answer) for answer in answers} == {999}
    assert len(view_of(app).cache.entries) == bound


def _in_stock(answer: dict[str, Any]) -> int:
    data = answer["data"]
    if "products" not in data:
        stock = {int(product["availability"]["inStock"]) for product in data.values()}
        assert len(stock) == 1, data
        return stock.pop()
    return int(data["products"]["edges"][0]["node"]["availability"]["inStock"])
