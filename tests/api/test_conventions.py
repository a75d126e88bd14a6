"""Conventions of the whole API: limits, masking, introspection and IDE, transport, the SDL."""

from __future__ import annotations

import logging

import pytest

from api.export_schema import SDL, sdl
from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.queries import catalog as catalog_queries
from tests.api.helpers import Api

pytestmark = pytest.mark.usefixtures("db")


def test_the_committed_sdl_is_current() -> None:
    assert SDL.read_text() == sdl(), (
        "api/schema.graphql is stale: run `.venv/bin/python -m api.export_schema`"
    )


async def test_queries_deeper_than_the_limit_are_refused(api: Api) -> None:
    query = '{ product(sku: "X") { optionGroups { choices { id } } } }'
    assert "errors" not in await api.post(query)
    deep = '{ order(token: "t") ' + "{ shipments { order " * 5 + "{ id }" + " } }" * 5 + " }"
    body = await api.post(deep)
    assert body["data"] is None
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(api: Api) -> None:
    query = (
        "{ " + " ".join(f'a{i}: product(sku: "X") {{ sku }}' for i in range(MAX_ALIASES + 1)) + " }"
    )
    body = await api.post(query)
    assert "aliases" in body["errors"][0]["message"]


async def test_too_many_tokens_are_refused(api: Api) -> None:
    query = "{ products { edges { node { " + "sku " * MAX_TOKENS + "} } } }"
    body = await api.post(query)
    assert "token" in body["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret connection string leaked here")

    monkeypatch.setattr(catalog_queries, "sku_snapshot", broken)
    with caplog.at_level(logging.ERROR, logger="preorder.api"):
        body = await api.post('{ product(sku: "X") { sku } }')
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in str(body)
    assert "secret connection string" in caplog.text


async def test_validation_errors_stay_readable(api: Api) -> None:
    body = await api.post("{ products { edges { node { nope } } } }")
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]


async def test_introspection_and_graphiql_in_development(api: Api) -> None:
    body = await api.post("{ __schema { queryType { name } } }")
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_no_introspection_and_no_ide_in_production(production_api: Api) -> None:
    body = await production_api.post("{ __schema { queryType { name } } }")
    assert body["data"] is None and "introspection" in body["errors"][0]["message"].lower()
    page = await production_api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code != 200 or "graphiql" not in page.text.lower()
    assert "errors" not in await production_api.post('{ product(sku: "X") { sku } }')


async def test_queries_over_get_mutations_only_over_post(api: Api) -> None:
    got = await api.client.get("/graphql", params={"query": '{ product(sku: "X") { sku } }'})
    assert got.status_code == 200 and got.json() == {"data": {"product": None}}
    mutation = 'mutation { resendOrderLinks(input: {email: "a@example.com"}) { message } }'
    refused = await api.client.get("/graphql", params={"query": mutation})
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    assert refused.json() == {"errors": [{"message": "mutations are not allowed when using GET"}]}


@pytest.mark.parametrize("raw", ['"just a string"', "[1]", "[]", "null", "42", "true", "{bad"])
async def test_a_body_that_is_not_one_json_object_is_refused_with_a_json_error(
    api: Api, raw: str
) -> None:
    response = await api.client.post(
        "/graphql", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    errors = response.json()["errors"]
    assert len(errors) == 1 and errors[0]["message"], errors


async def test_post_is_answered_in_place_and_only_as_json(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}
    form = await api.client.post(
        "/graphql", files={"operations": (None, '{"query": "{ __typename }"}')}
    )
    assert form.status_code >= 400


async def test_an_oversized_body_is_refused_before_parsing(api: Api) -> None:
    query = "{ __typename }" + " " * 300_000
    response = await api.client.post("/graphql", json={"query": query})
    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "Request body too large."}]}


# Each would be answered with a "Did you mean ...?" naming part of the schema.
MISSPELLED = {
    "field": ("{ prodcts { edges { cursor } } }", None),
    "argument": ("{ products(frist: 1) { edges { cursor } } }", None),
    "type": ("{ products { edges { node { ... on Prodct { sku } } } } }", None),
    "input field": (
        '{ products(filter: {txt: "bike"}) { edges { cursor } } }',
        None,
    ),
    "input field in variables": (
        "query($f: ProductFilterInput) { products(filter: $f) { edges { cursor } } }",
        {"f": {"txt": "bike"}},
    ),
    "enum value": ("{ products(filter: {modes: [STOKED]}) { edges { cursor } } }", None),
    "enum value in variables": (
        "query($f: ProductFilterInput) { products(filter: $f) { edges { cursor } } }",
        {"f": {"modes": ["STOKED"]}},
    ),
}


@pytest.mark.parametrize("kind", list(MISSPELLED))
async def test_production_errors_suggest_no_names_from_the_schema(
    api: Api, production_api: Api, kind: str
) -> None:
    query, variables = MISSPELLED[kind]
    development = await api.post(query, variables)
    assert "Did you mean" in str(development["errors"]), development  # there is one to hide
    body = await production_api.post(query, variables)
    assert body["errors"], body
    assert not any("Did you mean" in error["message"] for error in body["errors"]), body
