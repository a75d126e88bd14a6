"""Domain errors name fields in the domain's words; the API names them as its inputs do, from
one table (api/fields.py)."""

from __future__ import annotations

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull

from api.fields import RENAMED, api_field
from api.schema import schema
from tests import builders as b
from tests.api.helpers import Api
from tests.api.test_ordering import PLACE, PREFERENCE, order_input


def test_a_domain_word_reaches_the_client_as_the_input_it_sent() -> None:
    assert api_field("shipping_address") == "shippingAddress"
    assert api_field("lines[2].line_id") == "lines[2].lineId"
    assert api_field("lines[2].lineId") == "lines[2].lineId"  # already the input's name
    assert api_field("sku") == "sku" and api_field(None) is None


def test_a_mutation_that_names_an_input_otherwise_renames_only_there() -> None:
    assert api_field("orderId", "cancelOrderLines") == "token"
    assert api_field("orderId") == "orderId"
    assert api_field("lines[1].po_line_id", "receivePurchaseOrder") == (
        "lines[1].purchaseOrderLineId"
    )


def _input_names(kind: object, seen: set[str]) -> set[str]:
    while isinstance(kind, (GraphQLNonNull, GraphQLList)):
        kind = kind.of_type
    if not isinstance(kind, GraphQLInputObjectType) or kind.name in seen:
        return set()
    seen.add(kind.name)
    names = set(kind.fields)
    for field in kind.fields.values():
        names |= _input_names(field.type, seen)
    return names


def test_every_rename_names_a_mutation_and_an_input_it_has() -> None:
    mutation = schema._schema.mutation_type
    assert mutation is not None
    for name, renames in RENAMED.items():
        assert name in mutation.fields, name
        inputs: set[str] = set()
        for argument_name, argument in mutation.fields[name].args.items():
            inputs |= {argument_name} | _input_names(argument.type, set())
        for client_name in renames.values():
            assert client_name in inputs, (name, client_name)


@pytest.mark.usefixtures("db")
async def test_a_refused_address_and_preference_name_the_api_inputs(api: Api) -> None:
    product = await b.product(on_hand=3)
    refused = await api.payload(
        PLACE, {"input": order_input((product.sku, 1), shippingAddress="   ")}
    )
    assert [error["field"] for error in refused["errors"]] == ["shippingAddress"]

    placed = await b.order((product, 1))
    await b.shipped(placed.order.id)
    too_late = await api.payload(
        PREFERENCE, {"input": {"token": placed.token, "shipPreference": "SHIP_COMPLETE"}}
    )
    assert [error["field"] for error in too_late["errors"]] == ["shipPreference"]
