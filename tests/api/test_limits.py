"""Bounded cost: every list of an input is capped, and an operation's cost is capped.

Both are generated from the schema: a list added to an input, or to an answer, must have a
bound before these tests pass.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLType,
    get_named_type,
    is_required_input_field,
)

from api.cost import COST_CODE
from api.limits import INPUT_LIST_SIZES, LIST_SIZES, MAX_COST
from tests import builders as b
from tests.api import schema_walk as walk
from tests.api.helpers import Api, now_ctx, staff_token
from tests.api.world import build_world
from tests.conftest import QueryCounter

pytestmark = pytest.mark.usefixtures("db")


def _is_list(type_: GraphQLType) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(inner, GraphQLList)


def _input_lists() -> list[tuple[str, str, str]]:
    """(mutation, input type, list field) for every list in a mutation's input."""
    mutation = walk.SCHEMA.mutation_type
    assert mutation is not None
    found = []
    for name, field in mutation.fields.items():
        for argument in field.args.values():
            named = get_named_type(argument.type)
            if isinstance(named, GraphQLInputObjectType):
                for input_name, input_field in named.fields.items():
                    if _is_list(input_field.type):
                        found.append((name, named.name, input_name))
    return found


INPUT_LISTS = _input_lists()


def test_every_list_of_an_input_or_an_answer_has_a_bound() -> None:
    for type_ in walk.SCHEMA.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            for name, field in type_.fields.items():
                if _is_list(field.type):
                    assert (type_.name, name) in INPUT_LIST_SIZES, f"{type_.name}.{name}"
                    item = get_named_type(field.type)
                    assert not isinstance(item, GraphQLInputObjectType) or not any(
                        _is_list(f.type) for f in item.fields.values()
                    ), f"lists in the items of {type_.name}.{name}: extend the test below"
        elif isinstance(type_, GraphQLObjectType):
            for name, field in type_.fields.items():
                if _is_list(field.type) and "pageInfo" not in type_.fields:
                    assert (type_.name, name) in LIST_SIZES or ("*", name) in LIST_SIZES, (
                        f"{type_.name}.{name}"
                    )


# Items the domain accepts where a made-up literal of the type would not be (a list at its cap
# must then pass): webhook event names are checked against the known events.
VALID_ITEMS = {
    ("CreateWebhookSubscriptionInput", "events"): '"order.placed"',
    ("UpdateWebhookSubscriptionInput", "events"): '"order.placed"',
}


def _call(mutation: str, input_type: str, list_field: str, count: int) -> str:
    named = walk.SCHEMA.get_type(input_type)
    assert isinstance(named, GraphQLInputObjectType)
    parts = []
    for name, field in named.fields.items():
        if name == list_field:
            item = VALID_ITEMS.get((input_type, name)) or walk.literal(get_named_type(field.type))
            parts.append(f"{name}: [{', '.join([item] * count)}]")
        elif is_required_input_field(field):
            parts.append(f"{name}: {walk.literal(field.type)}")
    call = f"{mutation}(input: {{{', '.join(parts)}}}) {{ errors {{ code field message }} }}"
    return f"mutation {{ {call} }}"


@pytest.mark.parametrize(
    ("mutation", "input_type", "list_field"),
    INPUT_LISTS,
    ids=[f"{m}.{f}" for m, _, f in INPUT_LISTS],
)
async def test_a_list_longer_than_its_cap_is_refused_naming_the_field(
    api: Api, mutation: str, input_type: str, list_field: str
) -> None:
    cap = INPUT_LIST_SIZES[(input_type, list_field)]
    token = await staff_token()
    too_long = await api.payload(_call(mutation, input_type, list_field, cap + 1), token=token)
    assert [(e["code"], e["field"]) for e in too_long["errors"]] == [("INVALID", list_field)]
    assert str(cap) in too_long["errors"][0]["message"]
    at_cap = await api.payload(_call(mutation, input_type, list_field, cap), token=token)
    assert all(e["field"] != list_field for e in at_cap["errors"]), at_cap


async def test_product_filter_modes_are_capped(api: Api) -> None:
    cap = INPUT_LIST_SIZES[("ProductFilterInput", "modes")]
    query = "query($n: [AvailabilityMode!]) { products(filter: {modes: $n}) { edges { cursor } } }"
    body = await api.post(query, {"n": ["STOCKED"] * (cap + 1)})
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "filter.modes"}
    assert "errors" not in await api.post(query, {"n": ["STOCKED"] * cap})


PRODUCTS_PAGE = """{ products(first: 100) { edges { cursor node { id sku name price mode
  availability { mode inStock canBackorder backorderRemaining soldOut
                 eta { earliest latest basis } }
  optionGroups { name required choices { id name priceDelta leadTimeDeltaDays } } } }
  pageInfo { hasNextPage endCursor } } }"""
ORDER_PAGE = """query($token: String!) { order(token: $token) { number shipPreference
  lines { id sku name quantities { ordered allocated waiting shipped cancelled }
          promisedEta { earliest latest } eta { earliest latest basis }
          etaHistory { at reason detail previous { latest } eta { latest } }
          product { availability { eta { latest } } } }
  shipments { status carrier trackingNumber shippedAt lines { lineId sku quantity } }
  openDelayNotices { id lineId eta { earliest latest } deadline requiresAnswer reason } } }"""


async def test_the_largest_legitimate_reads_are_within_the_cost_limit(api: Api) -> None:
    world = await build_world()
    for _ in range(3):
        await b.product(on_hand=1)
    products = await api.data(PRODUCTS_PAGE)
    assert len(products["products"]["edges"]) >= 3
    order = await api.data(ORDER_PAGE, {"token": world.order_token})
    assert order["order"]["number"] == world.order_number
    staff = "{ orders(first: 100) { nodes { lines { quantities { waiting } eta { latest } } } } }"
    assert (await api.data(staff, token=await staff_token("read")))["orders"]["nodes"]


@pytest.mark.parametrize(
    "query",
    [
        "{ orders(first: 100) { nodes { lines { etaHistory { eta { latest } } } } } }",
        "{ " + " ".join(f"p{i}: " + PRODUCTS_PAGE[2:-2] for i in range(5)) + " }",
        "{ orders { nodes { lines { etaHistory { previous { latest } eta { latest } } } } } }",
    ],
    ids=["nested lists", "aliased pages", "first absent counts as its cap"],
)
async def test_a_very_expensive_operation_is_refused_before_it_runs(
    api: Api, sql: QueryCounter, query: str
) -> None:
    await b.order((await b.product(on_hand=5), 1), context=now_ctx())
    token = await staff_token("read")
    sql.statements.clear()
    body: dict[str, Any] = await api.post(query, token=token)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == COST_CODE
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"] == MAX_COST
    assert sql.statements == []  # not even the token was looked up
