"""API tokens: created with scopes and shown once, stored hashed, revoked."""

from __future__ import annotations

import re

import httpx
import pytest

from domain.context import Context
from domain.staff.models import ApiToken
from domain.staff.services import actor_for_token
from tests.portal.staff.conftest import submit, text_of

pytestmark = pytest.mark.usefixtures("db")


async def test_a_new_token_is_shown_once_and_stored_only_as_a_hash(
    staff: httpx.AsyncClient,
) -> None:
    made = await submit(
        staff,
        "/staff/tokens",
        "/staff/tokens/new",
        {"name": "stock sync", "scopes": ["read", "etas"]},
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-token">([^<]+)<', made.text)
    assert secret and secret.group(1).startswith("pot_")
    token = await ApiToken.get()
    assert token.scopes == "etas read" and secret.group(1) not in token.token_hash
    assert token.staff_id is not None
    listed = await staff.get("/staff/tokens")
    assert "stock sync" in listed.text and secret.group(1) not in listed.text
    actor = await actor_for_token(secret.group(1), ctx=Context.system())
    assert actor is not None and actor.scopes == {"read", "etas"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": []}, "Scopes are some of"),
        ({"name": "x", "scopes": ["root"]}, "Scopes are some of"),
    ],
)
async def test_a_token_needs_a_name_and_known_scopes(
    staff: httpx.AsyncClient, data: dict[str, str | list[str]], message: str
) -> None:
    refused = await submit(staff, "/staff/tokens", "/staff/tokens/new", data)
    assert refused.status_code == 400 and message in refused.text
    assert await ApiToken.all().count() == 0


async def test_revoking_a_token_stops_it_at_once(staff: httpx.AsyncClient) -> None:
    made = await submit(
        staff, "/staff/tokens", "/staff/tokens/new", {"name": "robot", "scopes": ["read"]}
    )
    secret = re.search(r'id="new-token">([^<]+)<', made.text)
    assert secret
    token = await ApiToken.get()
    revoked = await submit(staff, "/staff/tokens", f"/staff/tokens/{token.id}/revoke", {})
    assert revoked.status_code == 303
    assert "Token revoked" in text_of((await staff.get(revoked.headers["location"])).text)
    assert await actor_for_token(secret.group(1), ctx=Context.system()) is None
    again = await submit(staff, "/staff/tokens", f"/staff/tokens/{token.id}/revoke", {})
    assert again.status_code == 400 and "No such active token" in again.text
