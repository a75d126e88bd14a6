"""``preorder serve`` over real HTTP: what the server itself adds to every answer."""

from __future__ import annotations

import httpx

from tests.portal.browser import live_server  # noqa: F401 - the fixture


async def test_the_served_app_does_not_name_its_server_software(live_server: str) -> None:  # noqa: F811
    async with httpx.AsyncClient(base_url=live_server) as client:
        answers = [
            await client.post("/graphql", json={"query": "{ __typename }"}),
            await client.get("/graphql", params={"query": "{ __typename }"}),
            await client.get("/healthz"),
            await client.get("/"),
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert "server" not in answer.headers, answer.headers
