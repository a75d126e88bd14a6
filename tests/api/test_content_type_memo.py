"""The parse of a request's Content-Type is kept per header value (api/content_type.py): the
same answers as strawberry's own parse, under concurrent requests of different types, and a
memo that neither a caller nor a flood of new values can spoil."""

from __future__ import annotations

import asyncio
import json

import pytest
from strawberry.http import async_base_view
from strawberry.http.parse_content_type import parse_content_type as strawberry_parse

from api import content_type
from tests.api.helpers import Api

HEADERS = [
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON;Charset=UTF-8",
    'multipart/form-data; boundary="abc def"',
    "text/plain",
    "",
]


@pytest.mark.parametrize("header", HEADERS)
def test_the_kept_parse_is_strawberrys_parse(header: str) -> None:
    assert content_type.parse_content_type(header) == strawberry_parse(header)
    assert content_type.parse_content_type(header) == strawberry_parse(header)  # kept now


def test_a_caller_changing_its_parameters_does_not_change_the_next_answer() -> None:
    _, params = content_type.parse_content_type("application/json; charset=utf-8")
    params["charset"] = "latin-1"
    assert content_type.parse_content_type("application/json; charset=utf-8")[1] == {
        "charset": "utf-8"
    }


def test_the_view_parses_through_the_memo() -> None:
    assert async_base_view.parse_content_type is content_type.parse_content_type  # type: ignore[attr-defined]


async def test_concurrent_requests_of_different_types_each_get_their_own_answer(api: Api) -> None:
    body = json.dumps({"query": "{ __typename }"}).encode()
    kinds = ["application/json", "application/json; charset=utf-8", "text/plain"] * 20

    async def send(kind: str) -> tuple[str, int, str]:
        response = await api.client.post("/graphql", content=body, headers={"content-type": kind})
        return kind, response.status_code, response.text

    for kind, status, text in await asyncio.gather(*(send(kind) for kind in kinds)):
        if kind.startswith("application/json"):
            assert (status, json.loads(text)) == (200, {"data": {"__typename": "Query"}})
        else:
            assert status == 400 and "Unsupported content type" in text


async def test_new_long_header_values_are_answered_but_never_kept(api: Api) -> None:
    before = content_type._parsed.cache_info().currsize
    body = json.dumps({"query": "{ __typename }"}).encode()
    for n in range(3):
        header = ("application/json; x=" + "é" * 5_000 + str(n)).encode()  # 10 kB, non-ASCII
        response = await api.client.post(
            "/graphql", content=body, headers=[(b"content-type", header)]
        )
        assert response.status_code in (200, 400)
    assert content_type._parsed.cache_info().currsize == before
    for n in range(2 * content_type.KEPT):
        content_type.parse_content_type(f"application/x-{n}")
    assert content_type._parsed.cache_info().currsize <= content_type.KEPT
