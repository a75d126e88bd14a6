"""Every field that declares a scope, found in the schema: it opens with that scope and no other.

Root fields (staff queries and mutations) are called with arguments filled from their types:
permission is checked before anything is looked up. A field deeper down (a detail shown to
customers in other words, or not at all) is reached from a customer's order link, and must
answer staff's version with its scope, and the customer's version with any other token.
A scoped field added later is covered here without editing this file.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from graphql import GraphQLObjectType

from domain.staff.services import SCOPES
from tests.api import schema_walk as walk
from tests.api.helpers import Api, staff_token
from tests.api.world import build_world

pytestmark = pytest.mark.usefixtures("db")

SCOPED = walk.scoped_fields()
ROOTS = [f for f in SCOPED if f.type_name in ("Query", "Mutation")]
NESTED = [f for f in SCOPED if f.type_name not in ("Query", "Mutation")]


async def _tokens() -> dict[str, str | None]:
    """No token, a forged one, one per scope, and one with every scope."""
    tokens: dict[str, str | None] = {"none": None, "forged": "pot_forged"}
    for scope in sorted(SCOPES):
        tokens[scope] = await staff_token(scope)
    tokens["all"] = await staff_token(*SCOPES)
    return tokens


def _denied(type_name: str, body: dict[str, Any]) -> bool:
    if type_name == "Query":
        return any(
            e.get("extensions", {}).get("code") == "PERMISSION_DENIED"
            for e in body.get("errors", [])
        )
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    return [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]


@pytest.mark.parametrize("field", ROOTS, ids=[f.id for f in ROOTS])
async def test_a_scoped_root_field_opens_with_its_scope_and_no_other(
    api: Api, field: walk.ScopedField
) -> None:
    operation = walk.root_call(field.type_name, field.field_name)
    for name, token in (await _tokens()).items():
        body = await api.post(operation, token=token)
        allowed = name in (field.scope.scope, "all")
        assert _denied(field.type_name, body) is not allowed, (name, operation, body)


@pytest.mark.parametrize("field", NESTED, ids=[f.id for f in NESTED])
async def test_a_scoped_field_shows_staff_its_version_only_with_its_scope(
    api: Api, field: walk.ScopedField
) -> None:
    world = await build_world()
    roots = {"order": {"token": json.dumps(world.order_token)}}
    query = walk.path_to(field.type_name, field.field_name, roots)
    assert query is not None, f"no customer path reaches {field.id}: extend tests/api/world.py"
    tokens = await _tokens()
    customer = await api.data(query)
    staff = await api.data(query, token=tokens["all"])
    assert customer != staff, ("the world does not show the difference", query, customer)
    for name, token in tokens.items():
        seen = await api.data(query, token=token)
        expected = staff if name in (field.scope.scope, "all") else customer
        assert seen == expected, (name, query, seen)


def test_every_field_documented_as_scoped_declares_its_scope() -> None:
    """Descriptions say "scope `x`"; the declaration is what is checked: they must agree."""
    for type_ in walk.SCHEMA.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            said = set(re.findall(r"scope `(\w+)`", field.description or ""))
            scope = walk.scope_of(field)
            assert said == ({scope.scope} if scope else set()), f"{type_.name}.{name}"


def test_the_schema_has_scoped_fields_of_every_kind() -> None:
    kinds = {f.type_name if f in ROOTS else "nested" for f in SCOPED}
    assert kinds == {"Query", "Mutation", "nested"}
    assert {f.scope.scope for f in SCOPED} == SCOPES
