"""A catalogue product is built once per view, day and policy (api/types/catalog.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from api.queries.catalog import _page_edges
from api.types.catalog import Product
from domain.catalog.models import Product as ProductRow
from domain.catalog.reads import ProductFilter, product_page
from domain.context import Actor, Context
from tests import builders as b
from tests.api.helpers import Api

pytestmark = pytest.mark.usefixtures("db")


async def test_a_product_is_built_again_for_another_day_or_policy_never_reused_across() -> None:
    await b.product(on_hand=0, lead_time_days=10)
    view = (await product_page(ProductFilter())).items[0]
    now = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    ctx = Context(Actor("customer", "a"), now, b.POLICY)
    first = Product.of(view, ctx)
    assert Product.of(view, Context(Actor("customer", "b"), now, b.POLICY)) is first
    tomorrow = Product.of(
        view, Context(Actor("customer", "a"), now + dt.timedelta(days=1), b.POLICY)
    )
    assert tomorrow is not first
    before, after = first.availability.eta, tomorrow.availability.eta
    assert before.earliest is not None and before.latest is not None
    assert after.earliest == before.earliest + dt.timedelta(days=1)
    wider = dataclasses.replace(b.POLICY, transit_days_max=b.POLICY.transit_days_max + 3)
    other = Product.of(view, Context(Actor("customer", "a"), now, wider))
    assert other is not first
    assert other.availability.eta.latest == before.latest + dt.timedelta(days=3)


async def test_racing_catalogue_requests_and_stock_changes_never_answer_a_stale_product(
    api: Api,
) -> None:
    """Kept products (``Product.of``) and kept answers (``api/execution.py``) under racing
    requests: every answer is a level the product really had, and once the changes are done
    every request answers the last one."""
    product = await b.product(on_hand=3)
    query = "{ products(first: 10) { edges { node { sku availability { inStock } } } } }"

    async def in_stock() -> int:
        data = await api.data(query)
        return int(data["products"]["edges"][0]["node"]["availability"]["inStock"])

    async def change() -> None:
        for on_hand in range(4, 10):
            await ProductRow.filter(id=product.id).update(on_hand=on_hand)

    readers = [in_stock() for _ in range(16)]
    seen = await asyncio.gather(*readers[:8], change(), *readers[8:])
    assert {n for n in seen if n is not None} <= set(range(3, 10))
    assert [await in_stock() for _ in range(3)] == [9, 9, 9]


async def test_a_pages_edges_are_built_again_for_another_day_or_policy_or_changed_rows() -> None:
    """``_page_edges`` hands out the edges of a page handed out again, and only for the day
    and policy they were built for."""
    row = await b.product(on_hand=0, lead_time_days=10)
    page = await product_page(ProductFilter())
    assert (await product_page(ProductFilter())) is page  # the same snapshot, the same page
    now = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    ctx = Context(Actor("customer", "a"), now, b.POLICY)
    edges = _page_edges(page, ctx, ctx.today)
    assert [edge.node for edge in edges] == [Product.of(page.items[0], ctx)]
    assert _page_edges(page, ctx, ctx.today) is edges
    later = Context(Actor("customer", "a"), now + dt.timedelta(days=1), b.POLICY)
    tomorrow = _page_edges(page, later, later.today)
    assert (
        tomorrow is not edges
        and tomorrow[0].node.availability.eta != edges[0].node.availability.eta
    )
    wider = Context(
        ctx.actor,
        now,
        dataclasses.replace(b.POLICY, transit_days_max=b.POLICY.transit_days_max + 3),
    )
    assert _page_edges(page, wider, wider.today)[0].node is not edges[0].node
    await ProductRow.filter(id=row.id).update(on_hand=4)
    changed = await product_page(ProductFilter())
    assert changed is not page
    assert _page_edges(changed, ctx, ctx.today)[0].node.availability.in_stock == 4
