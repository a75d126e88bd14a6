"""Catalogue pages (two queries a page) and custom-build reads."""

from __future__ import annotations

import pytest

from domain.builds.reads import build_by_token, build_page, builds_by_id
from domain.catalog.models import Product
from domain.catalog.reads import (
    ProductFilter,
    count_products,
    product_page,
    products_by_sku,
)
from domain.vocabulary import AvailabilityMode, BuildStatus
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_pages_carry_the_same_views_as_the_catalogue_read_model() -> None:
    made = [await b.product(on_hand=i) for i in range(3)]
    page = await product_page(ProductFilter(), first=2)
    assert page.has_next
    assert [v.id for v in page.items] == [p.id for p in made[:2]]
    assert page.items == list((await products_by_sku([p.sku for p in made[:2]])).values())
    rest = await product_page(ProductFilter(), after_id=made[1].id)
    assert [v.sku for v in rest.items] == [made[2].sku] and not rest.has_next


async def test_text_filter_is_case_blind_and_treats_wildcards_literally() -> None:
    await b.product(sku="LAMP-1")
    await b.product(sku="SOFA_2", mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=3)
    assert [v.sku for v in (await product_page(ProductFilter(text="lamp"))).items] == ["LAMP-1"]
    assert [v.sku for v in (await product_page(ProductFilter(text="_"))).items] == ["SOFA_2"]
    assert await count_products(ProductFilter(text="%")) == 0
    made_to_order = ProductFilter(modes=(AvailabilityMode.MADE_TO_ORDER,))
    assert await count_products(made_to_order) == 1


async def test_inactive_products_are_hidden_unless_asked_for() -> None:
    gone = await b.product(sku="OLD-1")
    await Product.filter(id=gone.id).update(active=False)
    assert await products_by_sku(["OLD-1"]) == {}
    assert "OLD-1" in await products_by_sku(["OLD-1"], active_only=False)


async def test_build_reads_show_choices_and_the_newest_quote() -> None:
    made = await b.build_request(engine="1200cc")
    view = await build_by_token(made.token)
    assert view is not None and view.status == BuildStatus.QUOTED
    assert [(c.group, c.name) for c in view.choices] == [("Frame", "Steel"), ("Engine", "1200cc")]
    assert view.quote is not None and view.quote.id == made.quote.id
    assert (await builds_by_id([view.id]))[view.id] == view
    assert [v.id for v in (await build_page(status=BuildStatus.QUOTED)).items] == [view.id]
    assert await build_by_token("forged") is None
