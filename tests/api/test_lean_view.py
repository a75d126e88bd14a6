"""The short path for a JSON POST (``GraphQLView._execute``, ``ApiSchema.execute``) answers every
request byte for byte as strawberry's own view and ``Schema.execute`` answer it: the same
body, status and headers, for answers, GraphQL errors and refusals of the request itself."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from api.http import MAX_BODY_BYTES, GraphQLView
from api.queries import catalog as catalog_queries
from app import create_app
from settings import Settings
from tests import builders as b
from tests.api.helpers import staff_token
from tests.outage import database_down

DEVELOPMENT = Settings(database_url="sqlite://:memory:", secret_key="test-secret")
PRODUCTION = Settings(
    database_url="sqlite://:memory:", secret_key="production-secret", environment="production"
)
JSON = {"content-type": "application/json"}
PAGE = "query Page($f: Int!, $a: String) { products(first: $f, after: $a) { nodes { sku } } }"
FRAGMENTS = """query Shop($f: Int!) {
  list: products(first: $f) { edges { cursor node { ...Card } } pageInfo { hasNextPage } }
  one: product(sku: "SAME-1") { ...Card availability { inStock eta { earliest basis } } }
}
fragment Card on Product { id sku name price mode }"""
TWO = "query A { __typename } query B { products(first: 1) { nodes { sku } } }"
STAFF_READ = "{ purchaseOrders(first: 2) { nodes { number } } }"
STAFF_WRITE = (
    'mutation { setProductActive(productId: "UHJvZHVjdDox", active: false)'
    " { errors { code field message } productId } }"
)
PLACE = """mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { orderToken errors { code field message available } }
}"""
UNKNOWN_SKU = {
    "email": "ada@example.com",
    "name": "Ada",
    "shippingAddress": "1 Way",
    "lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}],
}


COSTLY = (
    "{ "
    + " ".join(
        f"p{i}: products(first: 100) {{ nodes {{ sku availability {{ eta {{ basis }} }} }} }}"
        for i in range(6)
    )
    + " }"
)
JSON_TYPE = "application/json"


def body(query: object = None, **more: object) -> bytes:
    return json.dumps({"query": query, **more}).encode()


def deep(levels: int) -> str:
    inner = "sku"
    for _ in range(levels):
        inner = f'product(sku: "x") {{ sku }} products(first: 1) {{ nodes {{ {inner} }} }}'
    return "{ " + inner + " }"


# (name, body, extra headers)
CORPUS: list[tuple[str, bytes, dict[str, str]]] = [
    ("typename", body("{ __typename }"), {}),
    ("variables", body(PAGE, variables={"f": 2}), {}),
    ("variables again (answer cache)", body(PAGE, variables={"f": 2}), {}),
    ("after cursor", body(PAGE, variables={"f": 1, "a": "bm90LWEtY3Vyc29y"}), {}),
    ("fragments and aliases", body(FRAGMENTS, variables={"f": 3}), {}),
    (
        "charset parameter",
        body(PAGE, variables={"f": 1}),
        {"content-type": f"{JSON_TYPE}; charset=utf-8"},
    ),
    ("operation chosen", body(TWO, operationName="B"), {}),
    ("unknown operation", body(TWO, operationName="C"), {}),
    ("operation not named", body(TWO), {}),
    ("operation name not a string", body(TWO, operationName=5), {}),
    ("syntax error", body("{ products(first: "), {}),
    ("validation error", body("{ nope }"), {}),
    ("subscription", body("subscription { products { nodes { sku } } }"), {}),
    ("wrong variable type", body(PAGE, variables={"f": "many"}), {}),
    ("missing variable", body(PAGE, variables={}), {}),
    ("null variables", body("{ __typename }", variables=None), {}),
    ("extensions", body("{ __typename }", extensions={"persisted": 1}), {}),
    ("too deep", body(deep(8)), {}),
    ("too costly", body(COSTLY), {}),
    ("too many tokens", body("{ " + " ".join("__typename" for _ in range(2100)) + " }"), {}),
    ("introspection", body("{ __schema { queryType { name } } }"), {}),
    ("suggestion", body("{ prodcts { nodes { sku } } }"), {}),
    ("staff read without token", body(STAFF_READ), {}),
    ("staff read, bad token", body(STAFF_READ), {"authorization": "Bearer not-a-token"}),
    ("staff mutation without token", body(STAFF_WRITE), {}),
    ("mutation payload error", body(PLACE, variables={"input": UNKNOWN_SKU}), {}),
    ("mutation, bad input", body(PLACE, variables={"input": {"email": 1}}), {}),
    ("no query", body(), {}),
    ("no query, only variables", b'{"variables": {}}', {}),
    ("query not a string", body(5), {}),
    ("variables not an object", body("{ __typename }", variables=[1]), {}),
    ("extensions not an object", body("{ __typename }", extensions="x"), {}),
    ("bad JSON", b'{"query": ', {}),
    ("JSON number", b"5", {}),
    ("JSON string", b'"{ __typename }"', {}),
    ("JSON null", b"null", {}),
    ("batch", b'[{"query": "{ __typename }"}]', {}),
    ("empty batch", b"[]", {}),
    ("empty body", b"", {}),
    ("too big", body("{ __typename }", variables={"pad": "x" * MAX_BODY_BYTES}), {}),
    ("bad content-length", body("{ __typename }"), {"content-length": "many"}),
    ("another JSON type", body("{ __typename }"), {"content-type": "application/json-patch+json"}),
    # Hostile values: non-ASCII digits, huge numbers, wrong JSON types, 10 kB strings.
    ("non-ASCII digits in a variable", body(PAGE, variables={"f": "\u0663"}), {}),
    ("non-ASCII digits in the query", body("{ products(first: \u0663) { nodes { sku } } }"), {}),
    ("huge number in a variable", body(PAGE, variables={"f": 10**30}), {}),
    (
        "huge number in the query",
        body("{ products(first: 99999999999999999999) { nodes { sku } } }"),
        {},
    ),
    ("float where an Int is asked", body(PAGE, variables={"f": 2.5}), {}),
    ("object where an Int is asked", body(PAGE, variables={"f": {"n": 1}}), {}),
    ("10 kB cursor", body(PAGE, variables={"f": 1, "a": "x" * 10_000}), {}),
    ("10 kB operation name", body("{ __typename }", operationName="A" * 10_000), {}),
    ("10 kB non-ASCII SKU", body('{ product(sku: "' + "\u00e9" * 10_000 + '") { sku } }'), {}),
    ("not JSON", b"query=%7B__typename%7D", {"content-type": "application/x-www-form-urlencoded"}),
]


def with_view(settings: Settings, view: GraphQLView) -> Starlette:
    """The whole app, its /graphql view the one given."""
    app = create_app(settings, manage_database=False)
    for route in app.routes:
        if isinstance(route, Route) and route.name == "graphql":
            route.app = route.endpoint = view
    return app


def answer(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = [(k, v) for k, v in response.headers.multi_items() if k != "x-request-id"]
    return response.status_code, response.content, headers


class Both:
    def __init__(
        self, lean: httpx.AsyncClient, standard: httpx.AsyncClient, lean_view: GraphQLView
    ) -> None:
        self.lean, self.standard, self.lean_view = lean, standard, lean_view

    async def post(self, content: bytes, headers: dict[str, str]) -> tuple[object, object]:
        sent = {**JSON, "x-request-id": "same-id", **headers}
        lean = await self.lean.post("/graphql", content=content, headers=sent)
        standard = await self.standard.post("/graphql", content=content, headers=sent)
        return answer(lean), answer(standard)

    async def get(self, params: dict[str, str]) -> tuple[object, object]:
        sent = {"x-request-id": "same-id", "accept": "application/json"}
        lean = await self.lean.get("/graphql", params=params, headers=sent)
        standard = await self.standard.get("/graphql", params=params, headers=sent)
        return answer(lean), answer(standard)


@pytest.fixture(params=[DEVELOPMENT, PRODUCTION], ids=["development", "production"])
async def both(db: str, request: pytest.FixtureRequest) -> AsyncIterator[Both]:
    settings = request.param
    lean_view = GraphQLView(settings.policy, production=settings.production)
    standard_view = GraphQLView(settings.policy, production=settings.production, lean=False)
    assert lean_view.lean and not standard_view.lean
    lean = httpx.ASGITransport(app=with_view(settings, lean_view))
    standard = httpx.ASGITransport(app=with_view(settings, standard_view))
    base = "http://testserver"
    async with (
        httpx.AsyncClient(transport=lean, base_url=base) as lean_client,
        httpx.AsyncClient(transport=standard, base_url=base) as standard_client,
    ):
        yield Both(lean_client, standard_client, lean_view)


async def test_every_request_of_the_corpus_is_answered_the_same_both_ways(both: Both) -> None:
    await b.product(sku="SAME-1", on_hand=3)
    await b.product(sku="SAME-2")
    token = {"authorization": f"Bearer {await staff_token()}"}
    corpus = [*CORPUS, ("staff read", body(STAFF_READ), token)]
    seen = set()
    for name, content, headers in corpus:
        lean, standard = await both.post(content, headers)
        assert lean == standard, name
        assert lean[0] != 500, name  # type: ignore[index]  # hostile input is refused, never a crash
        seen.add(lean[0])  # type: ignore[index]
    assert {200, 400, 413} <= seen  # the corpus reaches answers and refusals


GETS = [
    {"query": "{ __typename }"},
    {"query": PAGE, "variables": json.dumps({"f": 1})},
    {"query": "{ nope }"},
    {"query": STAFF_WRITE},  # a mutation by GET: 405
    {"query": TWO, "operationName": "C"},
    {},
]


async def test_queries_by_get_are_answered_the_same_both_ways(both: Both) -> None:
    """GET goes strawberry's way in the view; the schema's short path still answers it."""
    await b.product(sku="SAME-1", on_hand=3)
    for params in GETS:
        lean, standard = await both.get(params)
        assert lean == standard, params


async def test_an_outage_is_answered_the_same_both_ways(both: Both, tmp_path: Path) -> None:
    await b.product(sku="SAME-1", on_hand=3)
    token = {"authorization": f"Bearer {await staff_token()}"}
    async with database_down(tmp_path):
        place = body(PLACE, variables={"input": UNKNOWN_SKU})
        for content in (body(PAGE, variables={"f": 2}), body(STAFF_WRITE), place):
            lean, standard = await both.post(content, token)
            assert lean == standard
            assert lean[0] == 503, lean  # type: ignore[index]


async def test_an_unexpected_error_is_masked_and_logged_the_same_both_ways(
    both: Both, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret connection string leaked here")

    monkeypatch.setattr(catalog_queries, "sku_snapshot", broken)
    with caplog.at_level(logging.ERROR, logger="preorder.api"):
        lean, standard = await both.post(body('{ product(sku: "X") { sku } }'), {})
    assert lean == standard
    assert b"Unexpected error." in lean[1]  # type: ignore[index]
    logged = [r.getMessage() for r in caplog.records if r.name == "preorder.api"]
    assert len(logged) == 2 and logged[0] == logged[1]  # once each way, the same line


async def test_the_comparison_sees_a_change_of_encoding(
    both: Both, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: spaces after separators in the short path's JSON are a difference."""
    monkeypatch.setattr(both.lean_view, "encode_json", json.dumps)
    lean, standard = await both.post(body("{ __typename }"), {})
    assert lean != standard
