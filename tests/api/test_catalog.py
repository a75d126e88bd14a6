"""Catalogue reads: products with availability and ETAs, product(sku:), option groups."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.vocabulary import AvailabilityMode
from tests import builders as b
from tests.api.helpers import Api, now_ctx, today
from tests.conftest import QueryCounter

pytestmark = pytest.mark.usefixtures("db")

PRODUCTS = """
query Products($first: Int, $after: String, $filter: ProductFilterInput) {
  products(first: $first, after: $after, filter: $filter) {
    edges { cursor node {
      id sku name price mode
      availability { mode inStock canBackorder backorderRemaining soldOut
                     eta { earliest latest basis } }
    } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_products_show_stock_backorder_room_and_the_next_units_eta(api: Api) -> None:
    supplier = await b.supplier(lead_time_days=30)
    in_stock = await b.product(on_hand=5, supplier_=supplier)
    capped = await b.product(cap=10, supplier_=supplier)
    await b.purchase_order(
        supplier, today() + dt.timedelta(days=10), (capped, 4), context=now_ctx()
    )
    data = await api.data(PRODUCTS, {"first": 10})
    nodes = {edge["node"]["sku"]: edge["node"] for edge in data["products"]["edges"]}
    stocked = nodes[in_stock.sku]["availability"]
    assert (stocked["inStock"], stocked["canBackorder"], stocked["eta"]["basis"]) == (
        5,
        True,
        "IN_STOCK",
    )
    waiting = nodes[capped.sku]["availability"]
    assert (waiting["inStock"], waiting["backorderRemaining"]) == (0, 10)
    assert waiting["eta"]["basis"] == "PURCHASE_ORDER"
    assert waiting["eta"]["earliest"] == (today() + dt.timedelta(days=12)).isoformat()
    assert nodes[capped.sku]["price"] == "100.00"


async def test_products_page_forward_with_opaque_cursors(api: Api) -> None:
    made = [await b.product(on_hand=1) for _ in range(5)]
    first = await api.data(PRODUCTS, {"first": 2})
    page = first["products"]
    assert [e["node"]["sku"] for e in page["edges"]] == [p.sku for p in made[:2]]
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]
    rest = await api.data(PRODUCTS, {"first": 10, "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["sku"] for e in rest["products"]["edges"]] == [p.sku for p in made[2:]]
    assert not rest["products"]["pageInfo"]["hasNextPage"]
    assert str(made[0].id) not in page["edges"][0]["node"]["id"]  # opaque


async def test_first_is_capped_at_one_hundred(api: Api) -> None:
    body = await api.post(PRODUCTS, {"first": 101})
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "first"}


async def test_a_foreign_cursor_is_refused(api: Api) -> None:
    body = await api.post(PRODUCTS, {"first": 1, "after": "bm90IGEgY3Vyc29y"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


async def test_products_filter_by_mode_and_text(api: Api) -> None:
    sofa = await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=20, sku="SOFA-1")
    await b.product(on_hand=3, sku="LAMP-1")
    data = await api.data(PRODUCTS, {"filter": {"modes": ["MADE_TO_ORDER"]}})
    assert [e["node"]["sku"] for e in data["products"]["edges"]] == [sofa.sku]
    data = await api.data(PRODUCTS, {"filter": {"text": "lamp"}})
    assert [e["node"]["sku"] for e in data["products"]["edges"]] == ["LAMP-1"]
    data = await api.data('{ products(filter: {text: "%"}) { totalCount } }')
    assert data["products"]["totalCount"] == 0


async def test_product_by_sku_with_option_groups_for_custom_builds(api: Api) -> None:
    bike, options = await b.custom_build_product()
    query = """query($sku: String!) { product(sku: $sku) { sku mode
        availability { canBackorder eta { basis } }
        optionGroups { name required choices { id name priceDelta leadTimeDeltaDays } } } }"""
    data = await api.data(query, {"sku": bike.sku})
    product = data["product"]
    assert product["mode"] == "CUSTOM_BUILD"
    assert [g["name"] for g in product["optionGroups"]] == ["Frame", "Engine"]
    assert product["optionGroups"][0]["choices"][1] == {
        "id": product["optionGroups"][0]["choices"][1]["id"],
        "name": "Carbon",
        "priceDelta": "1500.00",
        "leadTimeDeltaDays": 14,
    }
    assert not product["availability"]["canBackorder"]
    assert options["Frame"]["Carbon"].id


async def test_unknown_sku_is_null(api: Api) -> None:
    assert (await api.data('{ product(sku: "NOPE") { sku } }'))["product"] is None


async def test_split_preview_tells_what_ships_now_and_what_waits(api: Api) -> None:
    product = await b.product(on_hand=2)
    query = """query($sku: String!) { product(sku: $sku) {
        splitPreview(quantity: 5) { shipsNow waits waitingEta { basis } } } }"""
    data = await api.data(query, {"sku": product.sku})
    assert data["product"]["splitPreview"] == {
        "shipsNow": 2,
        "waits": 3,
        "waitingEta": {"basis": "LEAD_TIME"},
    }


async def test_product_list_costs_the_same_queries_for_10_and_100(
    api: Api, sql: QueryCounter
) -> None:
    supplier = await b.supplier()
    for index in range(100):
        made = await b.product(on_hand=index % 3, supplier_=supplier)
        if index % 2:
            await b.purchase_order(
                supplier, today() + dt.timedelta(days=5 + index), (made, 3), context=now_ctx()
            )
    await api.data(PRODUCTS, {"first": 1})  # the first page reads the slip histories too
    counts = []
    for first in (10, 100):
        sql.statements.clear()
        data = await api.data(PRODUCTS, {"first": first})
        assert len(data["products"]["edges"]) == first
        counts.append(len(sql.statements))
    assert counts[0] == counts[1] == 1, sql.statements


async def test_a_repeated_catalogue_query_is_answered_again_only_while_its_rows_hold(
    api: Api,
) -> None:
    from api.http import GraphQLView

    product = await b.product(on_hand=5)
    query = f'query {{ product(sku: "{product.sku}") {{ availability {{ inStock }} }} }}'
    first = await api.data(query)
    view = next(
        route.app
        for route in api.client._transport.app.routes  # type: ignore[attr-defined]
        if isinstance(getattr(route, "app", None), GraphQLView)
    )
    assert len(view.cache.entries) == 1
    assert await api.data(query) == first
    await b.order((product, 2), context=now_ctx())
    assert (await api.data(query))["product"]["availability"]["inStock"] == 3


async def test_only_pure_catalogue_documents_are_kept() -> None:
    from api.cache import is_pure
    from api.schema import schema

    graphql_schema = schema._schema
    assert is_pure(
        graphql_schema, "{ products { edges { node { sku availability { eta { basis } } } } } }"
    )
    assert not is_pure(graphql_schema, "{ products { totalCount } }")
    assert not is_pure(graphql_schema, '{ product(sku: "X") { optionGroups { name } } }')
    assert not is_pure(graphql_schema, '{ order(token: "t") { number } }')
    assert not is_pure(
        graphql_schema, 'mutation { resendOrderLinks(input: {email: "a@b.co"}) { message } }'
    )
    assert not is_pure(graphql_schema, "{ __schema { types { name } } }")
