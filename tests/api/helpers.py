"""Talking to /graphql in tests, and staff tokens with chosen scopes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from domain.context import Actor, Context
from domain.staff.services import SCOPES, create_api_token
from tests import builders as b


class Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body; asserts the HTTP exchange itself worked."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The data of a response that must have no errors."""
        body = await self.post(query, variables, token=token)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def payload(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The one mutation payload of a response."""
        data = await self.data(query, variables, token=token)
        return next(iter(data.values()))  # type: ignore[no-any-return]


def now_ctx() -> Context:
    """The API runs on the real clock; data built for it must too."""
    return b.ctx(now=dt.datetime.now(dt.UTC).replace(microsecond=0), actor=Actor("staff", "t"))


def today() -> dt.date:
    return now_ctx().today


async def staff_token(*scopes: str) -> str:
    issued = await create_api_token("tests", list(scopes or SCOPES))
    return issued.secret


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in payload["errors"]]
