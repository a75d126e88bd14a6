"""A catalogue product is built once per view, day and policy (api/types/catalog.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from api.types.catalog import Product
from domain.catalog.reads import ProductFilter, product_page
from domain.context import Actor, Context
from tests import builders as b

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
